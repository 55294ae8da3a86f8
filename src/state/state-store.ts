/**
 * What the engine asks the state store, one operation per (event, rule). Each
 * operation is applied atomically and idempotently per event id: the decision
 * for (rule, group key, event id, and for a sequence its step) is remembered as
 * long as the key's state (bounded, see FIRED_DECISIONS_KEPT), and applying the
 * same operation again returns it and changes no state.
 */
export type DetectorOp =
  | (OpBase & { detector: 'fire' })
  | (OpBase & { detector: 'threshold'; windowMs: number; count: number })
  | (OpBase & { detector: 'distinct'; value: string; windowMs: number; count: number })
  | (OpBase & { detector: 'new_value'; value: string; learningMs: number; forgetMs: number })
  | (OpBase & { detector: 'dormant'; afterMs: number; forgetMs: number })
  | (OpBase & { detector: 'sequence'; step: 'first' | 'then'; windowMs: number; count: number })
  | (OpBase & { detector: 'baseline' } & BaselineParams);

/**
 * A baseline operation's parameters (see src/state/baseline.ts for the formulas).
 * `countValues` false: the event counts; true: `value` counts once per bucket.
 */
export interface BaselineParams {
  countValues: boolean;
  /** The event's value of the rule's `field`; '' when `countValues` is false. */
  value: string;
  /** Bucket length, ms. */
  bucketMs: number;
  /** Weight a bucket keeps per later bucket: 2^(-bucket / half_life), computed once by the rule compiler. */
  decay: number;
  /** History a key needs (first counted event to this one), ms, before it may fire. */
  learningMs: number;
  /** A key idle this long (event time), ms, starts over. */
  forgetMs: number;
  /** Standard deviations above the mean that fire. */
  z: number;
  /** Least count in the bucket that may fire. */
  minCount: number;
  /** Floor on the standard deviation the score divides by. */
  minDeviation: number;
}

export interface OpBase {
  ruleId: string;
  /** Canonical group key (`credentialId=ABC`); empty when the rule has no group_by. */
  groupKey: string;
  eventId: string;
  /** Event time, epoch ms. */
  timeMs: number;
  /** Suppress further alerts for this rule and key within this many ms (event time); 0 = never. */
  throttleMs: number;
  /** The alert id this event raises if it fires (deterministic: rule + key + event). */
  alertId: string;
}

export type OpStatus = 'quiet' | 'fire' | 'throttled';

export interface OpResult {
  status: OpStatus;
  /** Events (threshold, sequence) or distinct values counted in the window. */
  count: number;
  /** Ids of evidence events, newest first, at most MAX_EVIDENCE. Only when firing. */
  evidence: string[];
  /** Distinct values seen in the window (distinct detector), newest first, bounded. */
  values?: string[];
  /** baseline detector, when firing: the bucket's count against the key's learned mean and deviation. */
  baseline?: BaselineFigures;
}

/** What a baseline alert says: `count` in the bucket, `mean` ± `deviation` usually, `z` = (count − mean) / deviation. */
export interface BaselineFigures {
  count: number;
  mean: number;
  /** The standard deviation used: the learned one or the rule's floor, whichever is larger. */
  deviation: number;
  z: number;
}

export const MAX_EVIDENCE = 20;

/** Extra lifetime of every key beyond the span its detector needs, so late events still find their state. */
export const TTL_MARGIN_MS = 3_600_000;

export interface StateStore {
  /**
   * Applies the operations in order (in one round trip for Redis) and returns one result each.
   * With `arrivedAtMs`, also records that events arrived then, as `touch` does, in the same round trip.
   */
  apply(ops: readonly DetectorOp[], arrivedAtMs?: number): Promise<OpResult[]>;
  /** Records that audit events arrived (wall clock), for the silence detector; shared by replicas. Never moves backwards. */
  touch(nowMs: number): Promise<void>;
  /** Wall-clock time events last arrived, or undefined if never. */
  lastEventAt(): Promise<number | undefined>;
  /** Answers when the store is reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Remembered decisions kept per rule and group key: of those that fired, the
 * newest 256 at least, and apart, of the others (quiet or throttled), the newest
 * 1,024 at least; each kind in two generations of that size (a full one is
 * kept while the next fills, then dropped), so at most twice as many. A
 * decision is remembered so that re-applying its event (a Kafka record
 * delivered again after a crash or rebalance) returns it unchanged; fired ones
 * are kept apart so that a flood of quiet events cannot push out the alerts a
 * crash must not lose. Keep in step with lua/includes/decisions.lua.
 */
export const FIRED_DECISIONS_KEPT = 256;
/** See FIRED_DECISIONS_KEPT. */
export const OTHER_DECISIONS_KEPT = 1_024;

/**
 * How long an operation's state, and so its remembered decisions, must live,
 * in ms of event time: the detector's span, or the throttle period when longer
 * (a throttled decision depends on the throttle mark).
 */
export function spanOf(op: DetectorOp): number {
  return Math.max(detectorSpanOf(op), op.throttleMs);
}

function detectorSpanOf(op: DetectorOp): number {
  switch (op.detector) {
    case 'threshold':
    case 'distinct':
    case 'sequence':
      return 2 * op.windowMs;
    case 'new_value':
      return op.learningMs + op.forgetMs;
    case 'baseline':
      return op.forgetMs;
    case 'dormant':
      // Remembered for `forget`, so a key unused far longer than `after` still alerts when it comes back.
      return Math.max(2 * op.afterMs, op.forgetMs);
    case 'fire':
      return 0;
  }
}
