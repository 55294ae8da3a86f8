import { BASELINE_VALUES_KEPT, keyTag, memberCap, NEW_VALUES_DROPPED, NEW_VALUES_KEPT } from './keys.js';
import { spanOf, TTL_MARGIN_MS, type DetectorOp } from './state-store.js';

/** One operation as a call of its Lua script (src/state/lua/<name>-<keys>.lua): its keys and arguments, in order. */
export interface ScriptCall {
  name: string;
  keys: string[];
  args: Array<string | number>;
}

/** The script call that applies `op`; every key is in the hash tag of its rule and group key. */
export function scriptCall(prefix: string, op: DetectorOp): ScriptCall {
  const base = `${prefix}:${keyTag(op.ruleId, op.groupKey)}:`;
  const throttleKey = `${base}throttle`;
  const decisions = `${base}decided`;
  const ttl = spanOf(op) + TTL_MARGIN_MS;
  switch (op.detector) {
    case 'fire':
      return {
        name: 'fire',
        keys: [throttleKey, decisions],
        args: [op.alertId, op.timeMs, op.throttleMs, op.eventId, ttl],
      };
    case 'threshold':
      return {
        name: 'threshold',
        keys: [`${base}events`, throttleKey, decisions],
        args: [op.eventId, op.timeMs, op.windowMs, op.count, ttl, op.throttleMs, op.alertId, memberCap(op.count)],
      };
    case 'distinct':
      return {
        name: 'distinct',
        keys: [`${base}values`, `${base}value-events`, throttleKey, decisions],
        args: [
          op.eventId,
          op.timeMs,
          op.value,
          op.windowMs,
          op.count,
          ttl,
          op.throttleMs,
          op.alertId,
          memberCap(op.count),
        ],
      };
    case 'new_value':
      return {
        name: 'new-value',
        keys: [`${base}seen`, throttleKey, decisions],
        args: [
          op.eventId,
          op.timeMs,
          op.value,
          op.learningMs,
          op.forgetMs,
          ttl,
          op.throttleMs,
          op.alertId,
          NEW_VALUES_KEPT,
          NEW_VALUES_DROPPED,
        ],
      };
    case 'dormant':
      return {
        name: 'dormant',
        keys: [`${base}recent`, throttleKey, decisions],
        args: [op.eventId, op.timeMs, op.afterMs, ttl, op.throttleMs, op.alertId],
      };
    case 'sequence':
      return {
        name: 'sequence',
        keys: [`${base}first`, `${base}then`, throttleKey, decisions],
        args: [
          op.step,
          op.eventId,
          op.timeMs,
          op.windowMs,
          op.count,
          ttl,
          op.throttleMs,
          op.alertId,
          memberCap(op.count),
        ],
      };
    case 'baseline':
      return {
        name: 'baseline',
        keys: [`${base}bucket-values:0`, `${base}bucket-values:1`, throttleKey, decisions],
        args: [
          op.eventId,
          op.timeMs,
          op.countValues ? '1' : '0',
          op.value,
          op.bucketMs,
          op.decay,
          op.learningMs,
          op.z,
          op.minCount,
          op.minDeviation,
          ttl,
          op.throttleMs,
          op.alertId,
          BASELINE_VALUES_KEPT,
        ],
      };
  }
}
