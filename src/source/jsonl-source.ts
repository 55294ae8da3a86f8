import { decodeRecord, DEFAULT_MAX_EVENT_BYTES, type DecodeOptions, type DecodeResult } from '../decode/decode.js';
import { openInput } from './input.js';
import { readLineChunks, type InputLine } from './lines.js';

/** One decoded line of a JSON-lines input, with its line number for error reports. */
export type NumberedResult = DecodeResult & { lineNumber: number };

/**
 * Decoded lines of a JSON-lines input. Iterate it per line, or per input chunk
 * with `chunks()`: replay reads chunks, which saves an async step per event.
 */
export class JsonLines implements AsyncIterable<NumberedResult> {
  /** The decoder's options, built once rather than per line. */
  private readonly decodeOptions: DecodeOptions;

  constructor(
    private readonly path: string | undefined,
    private readonly maxBytes: number,
  ) {
    this.decodeOptions = { maxBytes };
  }

  async *chunks(): AsyncGenerator<NumberedResult[]> {
    for await (const lines of readLineChunks(await openInput(this.path), this.maxBytes)) {
      yield lines.map((line) => this.decode(line));
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<NumberedResult> {
    for await (const results of this.chunks()) yield* results;
  }

  private decode(line: InputLine): NumberedResult {
    const { lineNumber } = line;
    if (line.oversize)
      return { ok: false, reason: 'too_large', message: `line is larger than ${this.maxBytes} bytes`, lineNumber };
    const result = decodeRecord(line.value, this.decodeOptions);
    // A literal with the line number in it, not the number added to the result: an added property
    // needs a property array of its own, one more object per event, held as long as the event.
    return result.ok
      ? { ok: true, event: result.event, timeMs: result.timeMs, lineNumber }
      : { ok: false, reason: result.reason, message: result.message, lineNumber };
  }
}

/**
 * Reads a JSON-lines file (or stdin for `-`) and decodes each line. Oversize,
 * invalid and non-event lines come through as failures; nothing stops the read.
 * The input is opened when iteration starts.
 */
export function decodeJsonLines(path: string | undefined, maxBytes = DEFAULT_MAX_EVENT_BYTES): JsonLines {
  return new JsonLines(path, maxBytes);
}
