import { hash } from 'node:crypto';

/**
 * Redis key names. Every key of one rule and group key shares a hash tag, so an
 * operation's keys sit in one Redis Cluster slot; the group key is hashed, so
 * attacker-controlled text never becomes a key name and keys stay short.
 */
export function keyTag(ruleId: string, groupKey: string): string {
  return `{${ruleId}:${hash('sha1', groupKey, 'hex').slice(0, 20)}}`;
}

/** The most members a sorted set keeps per key; beyond it the newest are kept. */
export function memberCap(count: number): number {
  return Math.max(2 * count, 256);
}

/**
 * The most values a new_value key remembers (`v:<value>` fields): 1,000. When a
 * new value makes it more, the values least recently seen are dropped, at least
 * NEW_VALUES_DROPPED of them (all those seen no later than the 100th oldest, so
 * ties need no order of strings, which Lua and JavaScript compare differently).
 * A dropped value seen again is new again, as if forgotten.
 */
export const NEW_VALUES_KEPT = 1_000;
/** See NEW_VALUES_KEPT: dropped at once, so the scan of the values is paid once per 100 new values, not per value. */
export const NEW_VALUES_DROPPED = 100;

/**
 * The most distinct values a baseline key with `field` counts per bucket: 1,000.
 * Beyond it further new values of that bucket are not counted (the count stays
 * at 1,000, far above any sensible `min_count`), so a flood cannot grow the state.
 */
export const BASELINE_VALUES_KEPT = 1_000;
