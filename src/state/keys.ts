import { createHash } from 'node:crypto';

/**
 * Redis key names. Every key of one rule and group key shares a hash tag, so an
 * operation's keys sit in one Redis Cluster slot; the group key is hashed, so
 * attacker-controlled text never becomes a key name and keys stay short.
 */
export function keyTag(ruleId: string, groupKey: string): string {
  return `{${ruleId}:${createHash('sha1').update(groupKey).digest('hex').slice(0, 20)}}`;
}

/** The most members a sorted set keeps per key; beyond it the newest are kept. */
export function memberCap(count: number): number {
  return Math.max(2 * count, 256);
}
