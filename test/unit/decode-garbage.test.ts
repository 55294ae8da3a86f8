import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/decode/decode.js';

const valid =
  '{"id":"a","type":"t/request","source":"crn:///kafka=x","specversion":"1.0","time":"2026-01-01T00:00:00Z"}';

describe('decode: records that are not audit events', () => {
  it.each([
    ['null value (tombstone)', null, 'empty'],
    ['not JSON', Buffer.from('hello'), 'invalid_json'],
    ['truncated JSON', Buffer.from(valid.slice(0, 30)), 'invalid_json'],
    ['JSON array', Buffer.from('[1,2]'), 'not_object'],
    ['JSON string', Buffer.from('"x"'), 'not_object'],
    ['JSON null', Buffer.from('null'), 'not_object'],
    [
      'no type',
      Buffer.from('{"id":"a","source":"s","specversion":"1.0","time":"2026-01-01T00:00:00Z"}'),
      'missing_field',
    ],
    ['no id', Buffer.from('{"type":"t","source":"s","specversion":"1.0"}'), 'missing_field'],
    [
      'numeric id',
      Buffer.from('{"id":5,"type":"t","source":"s","specversion":"1.0","time":"2026-01-01T00:00:00Z"}'),
      'invalid_field',
    ],
    ['bad time', Buffer.from(valid.replace('2026-01-01T00:00:00Z', 'yesterday')), 'invalid_time'],
    ['impossible date', Buffer.from(valid.replace('2026-01-01', '2026-02-30')), 'invalid_time'],
    [
      'invalid UTF-8',
      Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      'invalid_utf8',
    ],
    ['5 MB', Buffer.alloc(5 * 1024 * 1024, 0x20), 'too_large'],
    ['deep nesting', Buffer.from('['.repeat(200_000)), 'invalid_json'],
  ])('%s → %s', (_name, value, reason) => {
    expect(decodeRecord(value)).toMatchObject({ ok: false, reason });
  });

  it('error messages never quote the record', () => {
    const secretish = '{"id":"a", SECRET-VALUE-123';
    const result = decodeRecord(secretish);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('SECRET-VALUE-123');
  });

  it('a valid record decodes, from bytes or from a string', () => {
    expect(decodeRecord(Buffer.from(valid)).ok).toBe(true);
    expect(decodeRecord(valid).ok).toBe(true);
  });
});
