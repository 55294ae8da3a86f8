import { describe, expect, it } from 'vitest';
import { parseJson, quoteUnsafeIntegers } from '../../src/decode/json.js';

describe('parseJson', () => {
  it('keeps integers beyond 2^53 exact, as strings, and leaves safe numbers as numbers', () => {
    expect(parseJson('{"a":166974528338100003,"b":[-9007199254740993],"c":42,"d":1.5e3,"e":9007199254740991}')).toEqual(
      {
        a: '166974528338100003',
        b: ['-9007199254740993'],
        c: 42,
        d: 1500,
        e: 9007199254740991,
      },
    );
  });

  it('never touches digits inside strings, escaped quotes included', () => {
    const text = '{"s":"x\\":12345678901234567890,","t":"\\\\","n":12345678901234567890}';
    expect(parseJson(text)).toEqual({ s: 'x":12345678901234567890,', t: '\\', n: '12345678901234567890' });
  });

  it('returns the text unchanged when nothing needs quoting', () => {
    const text = '{"id":"1234567890123456789012"}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
  });

  it('still rejects invalid JSON', () => {
    expect(() => parseJson('{"a":12345678901234567890')).toThrow();
    expect(() => parseJson('{"a":"12345678901234567890}')).toThrow();
  });
});
