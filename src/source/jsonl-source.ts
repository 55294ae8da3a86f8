import { decodeRecord, DEFAULT_MAX_EVENT_BYTES, type DecodeResult } from '../decode/decode.js';
import { openInput } from './input.js';
import { readLines } from './lines.js';

/** One decoded line of a JSON-lines input, with its line number for error reports. */
export type NumberedResult = DecodeResult & { lineNumber: number };

/**
 * Reads a JSON-lines file (or stdin for `-`) and decodes each line. Oversize,
 * invalid and non-event lines come through as failures; nothing stops the read.
 */
export async function* decodeJsonLines(path: string | undefined, maxBytes = DEFAULT_MAX_EVENT_BYTES): AsyncGenerator<NumberedResult> {
  for await (const line of readLines(await openInput(path), maxBytes)) {
    const result: DecodeResult = line.oversize
      ? { ok: false, reason: 'too_large', message: `line is larger than ${maxBytes} bytes` }
      : decodeRecord(line.value, { maxBytes });
    // The result is fresh: number it in place rather than copy it per line.
    yield Object.assign(result, { lineNumber: line.lineNumber });
  }
}
