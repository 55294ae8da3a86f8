import { MAX_EVIDENCE } from './state-store.js';

/**
 * Sorted sets for the memory store: a Map of member → score (event time), with
 * the few Redis sorted-set operations the detectors use, in the same order and
 * with the same ties as the Lua scripts, so both stores decide alike.
 */

/** Number of members with times in [from, to] (as ZCOUNT). */
export function countIn(zset: Map<string, number>, from: number, to: number): number {
  let n = 0;
  for (const t of zset.values()) if (t >= from && t <= to) n++;
  return n;
}

/** Members with times in [from, to], as [member, time] pairs in insertion order. */
export function entriesIn(zset: Map<string, number>, from: number, to: number): Array<[string, number]> {
  const found: Array<[string, number]> = [];
  zset.forEach((t, member) => {
    if (t >= from && t <= to) found.push([member, t]);
  });
  return found;
}

/** Ascending by time, ties by member (as ZRANGEBYSCORE). */
export function byTime([a, ta]: [string, number], [b, tb]: [string, number]): number {
  return ta - tb || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The densest window of length `window` containing time t (see densest() in
 * lua/includes/common.lua): its count and members newest first, bounded.
 */
export function densest(zset: Map<string, number>, t: number, window: number): { count: number; members: string[] } {
  const points = entriesIn(zset, t - window, t + window).sort(byTime);
  const times = points.map(([, time]) => time);
  let best = 0;
  let from = 0;
  let to = -1;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    const ti = times[i] ?? Infinity;
    if (ti > t) break;
    j = Math.max(j, i);
    while (j < times.length && (times[j] ?? Infinity) <= ti + window) j++;
    if (j - i > best) [best, from, to] = [j - i, i, j - 1];
  }
  const members = points
    .slice(Math.max(from, to + 1 - MAX_EVIDENCE), to + 1)
    .reverse()
    .map(([member]) => member);
  return { count: best, members };
}

/** Members in [from, to], newest first (ties: greater member first, as ZREVRANGEBYSCORE), bounded. */
export function newestIn(zset: Map<string, number>, from: number, to: number): string[] {
  return entriesIn(zset, from, to)
    .sort(([a, ta], [b, tb]) => tb - ta || (a < b ? 1 : a > b ? -1 : 0))
    .slice(0, MAX_EVIDENCE)
    .map(([member]) => member);
}

/** Removes members older than `before`, then all but the newest `keep` (as ZREMRANGEBYSCORE + ZREMRANGEBYRANK). */
export function trim(zset: Map<string, number>, before: number, keep: number, alsoFrom?: Map<string, string>): void {
  // No time bound (the dormant detector keeps the newest by count only): no pass over the set for it.
  if (before > -Infinity)
    zset.forEach((t, member) => {
      if (t < before) {
        zset.delete(member);
        alsoFrom?.delete(member);
      }
    });
  const excess = zset.size - keep;
  if (excess <= 0) return;
  // Usually one over the cap (one was just added): find it in one pass rather than sorting the set on every add.
  const oldest =
    excess === 1
      ? [oldestOf(zset)]
      : [...zset]
          .sort(byTime)
          .slice(0, excess)
          .map(([member]) => member);
  for (const member of oldest) {
    zset.delete(member);
    alsoFrom?.delete(member);
  }
}

/** The first member in (time, member) order; the set is not empty. */
function oldestOf(zset: Map<string, number>): string {
  let oldest = '';
  let oldestMs = Infinity;
  zset.forEach((t, member) => {
    if (t < oldestMs || (t === oldestMs && member < oldest)) {
      oldest = member;
      oldestMs = t;
    }
  });
  return oldest;
}
