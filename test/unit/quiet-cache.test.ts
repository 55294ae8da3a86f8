import { describe, expect, it } from 'vitest';
import { QuietCache } from '../../src/state/quiet-cache.js';
import type { DetectorOp } from '../../src/state/state-store.js';

const D = 86_400_000;
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
/** δ of a 30-day span: 1 % = 7.2 hours. */
const DELTA = 0.3 * D;

const base = (eventId: string, timeMs: number, groupKey = 'credentialId=K') => {
  return { ruleId: 'r', groupKey, eventId, timeMs, throttleMs: 0, alertId: `a-${eventId}` };
};
const nv = (eventId: string, t: number, value = '10.0.0.1', groupKey?: string): DetectorOp => ({
  ...base(eventId, t, groupKey),
  detector: 'new_value',
  value,
  learningMs: D,
  forgetMs: 30 * D,
});
const dm = (eventId: string, t: number, groupKey?: string): DetectorOp => {
  return { ...base(eventId, t, groupKey), detector: 'dormant', afterMs: 30 * D, forgetMs: 365 * D };
};

describe('QuietCache', () => {
  it('skips only strictly after the recorded time and before the refresh is due (1 % of forget / after)', () => {
    for (const op of [(id: string, t: number) => nv(id, t), (id: string, t: number) => dm(id, t)]) {
      const cache = new QuietCache({ now: () => 0 });
      expect(cache.skips(op('e1', T0 + 1))).toBe(false);
      cache.learn(op('e0', T0), T0);
      expect(cache.skips(op('e1', T0 + 1))).toBe(true);
      expect(cache.skips(op('e2', T0 + DELTA - 1))).toBe(true);
      // The refresh is due: the call goes to Redis.
      expect(cache.skips(op('e3', T0 + DELTA))).toBe(false);
      // The event at the recorded time may be the one that fired; an earlier one may change the value's first event.
      expect(cache.skips(op('e0', T0))).toBe(false);
      expect(cache.skips(op('e4', T0 - 1))).toBe(false);
      expect(cache.takeSkipped()).toBe(2);
      expect(cache.takeSkipped()).toBe(0);
    }
  });

  it('a fact is asked again once δ of wall-clock time has passed, whatever the event time', () => {
    let now = 1_000;
    const cache = new QuietCache({ now: () => now });
    cache.learn(nv('e0', T0), T0);
    now += DELTA - 1;
    expect(cache.skips(nv('e1', T0 + 1))).toBe(true);
    now += 1;
    expect(cache.skips(nv('e2', T0 + 2))).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('keeps facts apart per rule, group key, value and detector; attacker text cannot join two keys', () => {
    const cache = new QuietCache({ now: () => 0 });
    cache.learn(nv('e0', T0, 'b\nc', 'credentialId=a'), T0);
    expect(cache.skips(nv('e1', T0 + 1, 'c', 'credentialId=a\nb'))).toBe(false);
    expect(cache.skips(nv('e1', T0 + 1, 'other', 'credentialId=a'))).toBe(false);
    expect(cache.skips({ ...nv('e1', T0 + 1, 'b\nc', 'credentialId=a'), ruleId: 'r2' })).toBe(false);
    expect(cache.skips(dm('e1', T0 + 1, 'credentialId=a'))).toBe(false);
    expect(cache.skips(nv('e1', T0 + 1, 'b\nc', 'credentialId=a'))).toBe(true);
  });

  it('never caches the detectors whose every write matters', () => {
    const cache = new QuietCache({ now: () => 0 });
    const thr: DetectorOp = { ...base('e0', T0), detector: 'threshold', windowMs: 60_000, count: 3 };
    cache.learn(thr, T0);
    expect(cache.size).toBe(0);
    expect(cache.skips({ ...thr, eventId: 'e1', timeMs: T0 + 1 })).toBe(false);
    // A span so short that 1 % of it is under a millisecond is never skipped.
    const tiny: DetectorOp = { ...base('e0', T0), detector: 'new_value', value: 'v', learningMs: D, forgetMs: 50 };
    cache.learn(tiny, T0);
    expect(cache.skips({ ...tiny, eventId: 'e1', timeMs: T0 + 1 })).toBe(false);
  });

  it('is bounded in entries and bytes, least recently used first', () => {
    const cache = new QuietCache({ maxEntries: 3, now: () => 0 });
    for (const k of ['a', 'b', 'c']) cache.learn(dm('e0', T0, k), T0);
    expect(cache.skips(dm('e1', T0 + 1, 'a'))).toBe(true); // a is now the most recently used
    cache.learn(dm('e0', T0, 'd'), T0);
    expect(cache.size).toBe(3);
    expect(cache.skips(dm('e2', T0 + 2, 'b'))).toBe(false);
    expect(cache.skips(dm('e2', T0 + 2, 'a'))).toBe(true);

    const small = new QuietCache({ maxBytes: 1_000, now: () => 0 });
    for (let i = 0; i < 100; i++) small.learn(dm('e0', T0, `credentialId=${'k'.repeat(40)}${i}`), T0);
    expect(small.sizeBytes).toBeLessThanOrEqual(1_000);
    expect(small.size).toBeGreaterThan(0);
    expect(small.skips(dm('e1', T0 + 1, `credentialId=${'k'.repeat(40)}99`))).toBe(true);
    small.clear();
    expect([small.size, small.sizeBytes]).toEqual([0, 0]);
  });

  it('a newer fact replaces an older one (the newest recorded time moves forward)', () => {
    const cache = new QuietCache({ now: () => 0 });
    cache.learn(dm('e0', T0), T0);
    cache.learn(dm('e5', T0 + DELTA), T0 + DELTA);
    expect(cache.skips(dm('e1', T0 + 1))).toBe(false);
    expect(cache.skips(dm('e6', T0 + DELTA + 1))).toBe(true);
    expect(cache.size).toBe(1);
  });
});
