import type { Writable } from 'node:stream';
import { decodeJsonLines } from '../source/jsonl-source.js';
import { InputSummary } from '../source/input-summary.js';
import { LineWriter } from './line-writer.js';

export interface InspectOptions {
  /** Largest line accepted, in bytes; default 1 MiB. */
  maxBytes?: number;
  stdout?: Writable;
  stderr?: Writable;
}

/**
 * `auditwatch inspect`: prints every event as the rules see it, one JSON object
 * per line; reports each bad line on stderr and goes on.
 */
export async function inspect(path: string | undefined, options: InspectOptions = {}): Promise<InputSummary> {
  const out = new LineWriter(options.stdout ?? process.stdout);
  const err = options.stderr ?? process.stderr;
  const summary = new InputSummary();
  for await (const result of decodeJsonLines(path, options.maxBytes)) {
    summary.read++;
    if (result.ok) {
      summary.decoded++;
      await out.write(JSON.stringify(result.event));
    } else {
      summary.countInvalid(result.reason);
      err.write(`line ${result.lineNumber}: ${result.reason}: ${result.message}\n`);
    }
  }
  err.write(`inspect: ${summary.toString()}\n`);
  return summary;
}
