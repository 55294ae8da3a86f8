import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes lines to a stream, waiting for `drain` when the stream is full so that
 * a slow reader (a pipe into `less`) bounds memory instead of growing it.
 */
export class LineWriter {
  constructor(private readonly stream: Writable) {}

  async write(line: string): Promise<void> {
    if (!this.stream.write(`${line}\n`)) await once(this.stream, 'drain');
  }
}
