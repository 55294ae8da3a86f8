import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines, type InputLine } from '../../src/source/lines.js';

async function collect(chunks: Array<Buffer | string>, maxBytes = 100): Promise<InputLine[]> {
  const lines: InputLine[] = [];
  for await (const line of readLines(Readable.from(chunks), maxBytes)) lines.push(line);
  return lines;
}

describe('readLines', () => {
  it('splits across chunk boundaries, strips CR, skips blank lines but keeps numbering', async () => {
    const lines = await collect(['ab', 'c\r\n\n  \nde', 'f\ng']);
    expect(lines.map((l) => [l.lineNumber, l.value.toString()])).toEqual([
      [1, 'abc'],
      [4, 'def'],
      [5, 'g'],
    ]);
  });

  it('reports an oversize line without buffering it and goes on', async () => {
    const big = 'x'.repeat(250);
    const lines = await collect(['ok1\n', big.slice(0, 120), big.slice(120), '\nok2\n'], 100);
    expect(lines.map((l) => [l.lineNumber, l.oversize, l.value.toString()])).toEqual([
      [1, false, 'ok1'],
      [2, true, ''],
      [3, false, 'ok2'],
    ]);
  });

  it('reports an oversize last line without a newline', async () => {
    const lines = await collect(['a\n', 'y'.repeat(500)], 100);
    expect(lines.at(-1)).toMatchObject({ lineNumber: 2, oversize: true });
  });

  it('passes bytes through undecoded (invalid UTF-8 is the decoder’s to report)', async () => {
    const lines = await collect([Buffer.from([0xc3, 0x28, 0x0a])]);
    expect([...lines[0]!.value]).toEqual([0xc3, 0x28]);
  });
});
