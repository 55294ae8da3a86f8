import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EVENT_FIELD_NAMES } from '../../src/decode/audit-event.js';
import { DECODE_REASONS, decodeRecord, type DecodeResult } from '../../src/decode/decode.js';
import { MAX_FIELD_LENGTH } from '../../src/decode/read.js';
import { CORPUS_MARKER, malformedCorpus, type MalformedRecord } from '../support/malformed.js';

/** The same corpus the integration test puts on the audit topic. */
const OPTIONS = { seed: 20260307, count: 16_000 } as const;
const corpus = malformedCorpus(OPTIONS);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

interface Outcome {
  record: MalformedRecord;
  result?: DecodeResult;
  thrown?: unknown;
  ms: number;
}

const outcomes: Outcome[] = corpus.map((record) => {
  const started = performance.now();
  try {
    const result = decodeRecord(record.value, { fallbackTimeMs: record.timeMs });
    return { record, result, ms: performance.now() - started };
  } catch (thrown) {
    return { record, thrown, ms: performance.now() - started };
  }
});

function digest(records: readonly MalformedRecord[]): string {
  const hash = createHash('sha256');
  for (const r of records)
    hash
      .update(r.kind)
      .update(r.value ?? 'null')
      .update(String(r.timeMs));
  return hash.digest('hex');
}

function isUtf8(value: Buffer): boolean {
  try {
    utf8.decode(value);
    return true;
  } catch {
    return false;
  }
}

describe('the malformed corpus (test/support/malformed.ts)', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(digest(malformedCorpus(OPTIONS))).toBe(digest(corpus));
    expect(digest(malformedCorpus({ ...OPTIONS, seed: OPTIONS.seed + 1 }))).not.toBe(digest(corpus));
  }, 30_000); // two corpora of 16,000 records: seconds on a loaded 2-core machine

  it('holds at least 10,000 records that are not audit events, reaching every decode reason', () => {
    const failures = outcomes.filter((o) => o.result?.ok === false);
    expect(corpus).toHaveLength(OPTIONS.count);
    expect(failures.length).toBeGreaterThanOrEqual(10_000);
    const reasons = new Set(failures.map((o) => (o.result as { reason: string }).reason));
    expect([...reasons].sort()).toEqual([...DECODE_REASONS].sort());
    // The families the issue names are all there.
    const families = new Set(corpus.map((r) => r.kind.split(':')[0]));
    for (const family of [
      'truncated',
      'envelope-type',
      'data-type',
      'huge',
      'deep',
      'utf8',
      'oversized',
      'unknown-type',
      'envelope-missing',
      'envelope-null',
      'array-for-object',
      'big-number',
      'prototype',
    ]) {
      expect(families, family).toContain(family);
    }
  });
});

describe('decodeRecord on the malformed corpus', () => {
  it('never throws, and classifies every record as an event or one of the known reasons', () => {
    expect(
      outcomes.filter((o) => o.thrown !== undefined).map((o) => `${o.record.kind}: ${String(o.thrown).slice(0, 100)}`),
    ).toEqual([]);
    for (const { result, record } of outcomes) {
      if (result!.ok) expect(result!.event.id, record.kind).toEqual(expect.any(String));
      else expect(DECODE_REASONS, record.kind).toContain(result!.reason);
    }
  });

  it('stays fast on every record (100,000-deep nesting and 1 MiB included)', () => {
    const slowest = outcomes.reduce((a, b) => (b.ms > a.ms ? b : a));
    expect(slowest.ms, slowest.record.kind).toBeLessThan(1_000);
    expect(outcomes.reduce((n, o) => n + o.ms, 0)).toBeLessThan(20_000);
  });

  it('never quotes a record in a failure message', () => {
    const quoting = outcomes.filter(
      (o) => o.result?.ok === false && (o.result.message.includes(CORPUS_MARKER) || o.result.message.length > 200),
    );
    expect(quoting.map((o) => o.record.kind)).toEqual([]);
  });

  it('gives the same answer for a record as bytes and as a string (rule-test fixtures are decoded as strings)', () => {
    const differing = outcomes.filter(({ record, result }) => {
      // Only bytes carry a byte order mark, which the UTF-8 decoder drops; a string keeps U+FEFF as text.
      if (record.value === null || !isUtf8(record.value) || record.value.subarray(0, 3).equals(BOM)) return false;
      const fromText = decodeRecord(record.value.toString('utf8'), { fallbackTimeMs: record.timeMs });
      return JSON.stringify(fromText) !== JSON.stringify(result);
    });
    expect(differing.map((o) => o.record.kind)).toEqual([]);
  });

  it('makes flat events of known fields, every string at most 1,024 characters, and pollutes no prototype', () => {
    const known = new Set<string>(EVENT_FIELD_NAMES);
    const problems: string[] = [];
    for (const { result, record } of outcomes) {
      if (!result!.ok) continue;
      const event = result!.event as unknown as Record<string, unknown>;
      if (Object.getPrototypeOf(event) !== Object.prototype) problems.push(`${record.kind}: prototype replaced`);
      for (const [field, value] of Object.entries(event)) {
        if (!known.has(field)) problems.push(`${record.kind}: unknown field ${field}`);
        if (typeof value === 'string' && value.length > MAX_FIELD_LENGTH)
          problems.push(`${record.kind}: ${field} has ${value.length} characters`);
        if (typeof value === 'object' && value !== null) problems.push(`${record.kind}: ${field} is an object`);
      }
    }
    expect(problems).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('decodeRecord: event times that name no real instant', () => {
  const event = (time: string) =>
    JSON.stringify({
      id: 'e1',
      type: 'io.confluent.kafka.server/authentication',
      source: 'crn://confluent.cloud/',
      specversion: '1.0',
      time,
    });

  // Date.UTC rolls month 13 into next January and month 00 into last December, and reads years 0–99 as 1900–1999.
  it.each([
    ['month 13', '2026-13-01T00:00:00Z'],
    ['month 00', '2026-00-10T00:00:00Z'],
    ['offset beyond ±23:59', '2026-01-01T00:00:00+24:00'],
    ['offset minutes beyond 59', '2026-01-01T00:00:00+01:99'],
  ])('%s (%s) is invalid_time', (_name, time) => {
    expect(decodeRecord(event(time))).toMatchObject({ ok: false, reason: 'invalid_time' });
  });

  it.each([
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
    ['0099-05-01T12:00:00Z', '0099-05-01T12:00:00.000Z'],
  ])('a two-digit year (%s) is that year, not 19xx, or is refused', (time, instant) => {
    const result = decodeRecord(event(time));
    if (result.ok) expect(result.event.time).toBe(instant);
    else expect(result.reason).toBe('invalid_time');
  });
});
