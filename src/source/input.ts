import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AuditwatchError, ErrorCode } from '../errors.js';

/**
 * Opens a JSON-lines input: a file path, or `-`/nothing for stdin. Files ending
 * in `.gz` are decompressed on the fly (exports are often gzipped).
 */
export async function openInput(path: string | undefined): Promise<Readable> {
  if (path === undefined || path === '-') return process.stdin;
  try {
    await access(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new AuditwatchError(ErrorCode.input, `cannot read input file ${path}: ${reason}`, { file: path });
  }
  // Larger reads than the 64 KiB default: fewer reads and async steps per event on a big export.
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  return path.endsWith('.gz') ? stream.pipe(createGunzip()) : stream;
}
