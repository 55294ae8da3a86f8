import { describe, expect, it } from 'vitest';
import { RecentTimes } from '../../src/state/memory-recent.js';
import { byTime, entriesIn, trim } from '../../src/state/memory-zset.js';

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What RecentTimes answers, read off the Map-based sorted set (memory-zset.ts) it replaces. */
function newestBefore(zset: Map<string, number>, t: number): number | undefined {
  let found: number | undefined;
  for (const time of zset.values()) if (time < t && (found === undefined || time > found)) found = time;
  return found;
}

const timesIn = (zset: Map<string, number>, from: number, to: number, limit: number): number[] =>
  entriesIn(zset, from, to)
    .sort(byTime)
    .slice(0, limit)
    .map(([, t]) => t);

describe('RecentTimes', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('decides as the Map-based sorted set, seed %i', (seed) => {
    const next = random(seed);
    const recent = new RecentTimes();
    const zset = new Map<string, number>();
    let now = 1_000_000;
    for (let step = 0; step < 3_000; step++) {
      // Mostly in time order, some late; ids repeat (a re-delivered event), some at another time; ties in time.
      now += Math.floor(next() * 50);
      const t = next() < 0.2 ? now - Math.floor(next() * 2_000) : now;
      const member = next() < 0.1 ? `e${Math.floor(next() * 40)}` : `event-${step}-${Math.floor(next() * 1e6)}`;
      recent.add(member, t);
      zset.set(member, t);
      expect(recent.newestBefore(t)).toBe(newestBefore(zset, t));
      const from = t - Math.floor(next() * 1_000);
      expect(recent.timesIn(from, from + 500, 10)).toEqual(timesIn(zset, from, from + 500, 10));
      const before = next() < 0.5 ? -Infinity : t - 1_500;
      const keep = next() < 0.5 ? 16 : 64;
      recent.trim(before, keep);
      trim(zset, before, keep);
      expect(recent.timesIn(-Infinity, Infinity, Infinity)).toEqual(timesIn(zset, -Infinity, Infinity, Infinity));
    }
  });
});
