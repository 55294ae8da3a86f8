/** One line of a JSON-lines input. `value` is empty when the line was over the size limit. */
export interface InputLine {
  /** 1-based line number in the input. */
  lineNumber: number;
  value: Buffer;
  /** The line exceeded `maxBytes`; its bytes were discarded without being buffered. */
  oversize: boolean;
}

const NEWLINE = 0x0a;

function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

/**
 * Splits a byte stream into lines without decoding it (invalid UTF-8 is the
 * decoder's to report, per line). Memory stays bounded by `maxBytes`: a line
 * longer than that is skipped as it streams by and reported as oversize.
 * Blank lines are skipped but keep their numbers.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<InputLine> {
  for await (const lines of readLineChunks(input, maxBytes)) yield* lines;
}

/**
 * readLines, one array of lines per input chunk: a consumer that loops over
 * the array pays one async step per chunk instead of one per line.
 */
export async function* readLineChunks(
  input: AsyncIterable<Buffer | string>,
  maxBytes: number,
): AsyncGenerator<InputLine[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversize = false;
  let lineNumber = 0;

  /** The line ending with `tail`, or undefined when it is blank. A plain function, not a generator: it runs per line. */
  function finishLine(tail: Buffer): InputLine | undefined {
    lineNumber++;
    let result: InputLine | undefined;
    if (oversize || pendingBytes + tail.length > maxBytes + 1) {
      result = { lineNumber, value: Buffer.alloc(0), oversize: true };
    } else {
      let line = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      if (!isBlank(line)) result = { lineNumber, value: line, oversize: false };
    }
    pending = [];
    pendingBytes = 0;
    oversize = false;
    return result;
  }

  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const lines: InputLine[] = [];
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
      const line = finishLine(bytes.subarray(start, nl));
      if (line !== undefined) lines.push(line);
      start = nl + 1;
    }
    // Lines are views of `bytes`: hand them over before the next chunk is read.
    if (lines.length > 0) yield lines;
    const rest = bytes.subarray(start);
    if (oversize || pendingBytes + rest.length > maxBytes + 1) {
      oversize = true;
      pending = [];
      pendingBytes = 0;
    } else if (rest.length > 0) {
      // Copy: the stream may reuse its chunk buffer.
      pending.push(Buffer.from(rest));
      pendingBytes += rest.length;
    }
  }
  if (oversize || pendingBytes > 0) {
    const line = finishLine(Buffer.alloc(0));
    if (line !== undefined) yield [line];
  }
}
