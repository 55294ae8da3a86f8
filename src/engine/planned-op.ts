import { alertId } from '../alerts/alert.js';
import type { Decoded } from '../decode/decode.js';
import type { DetectorOp } from '../state/state-store.js';
import type { CompiledRule } from './compile.js';

/**
 * The numbers an operation takes from its rule's compiled detector, which has
 * them under the same names; those a detector lacks are 0 in the op.
 */
export interface DetectorParams {
  windowMs?: number;
  count?: number;
  learningMs?: number;
  forgetMs?: number;
  afterMs?: number;
  bucketMs?: number;
  decay?: number;
  z?: number;
  minCount?: number;
  minDeviation?: number;
}

/**
 * One planned operation. Every op carries every detector field (unused ones
 * zero or empty) so that all ops share one object shape: the stores read the
 * fields of every op, and ops of many shapes make those reads megamorphic.
 * The numbers are read from the rule's compiled detector rather than from an
 * object built per op: planning runs for every event and matching rule.
 * The alert id is a SHA-256, the costliest part of planning, and a store reads
 * it only for an event that may fire (the memory store; the Redis store passes
 * it with every op), so it is computed on first read.
 */
export class PlannedOp {
  #alertId: string | undefined = undefined;
  readonly ruleId: string;
  readonly eventId: string;
  readonly timeMs: number;
  readonly throttleMs: number;
  readonly windowMs: number;
  readonly count: number;
  readonly learningMs: number;
  readonly forgetMs: number;
  readonly afterMs: number;
  readonly bucketMs: number;
  readonly decay: number;
  readonly z: number;
  readonly minCount: number;
  readonly minDeviation: number;

  constructor(
    rule: Pick<CompiledRule, 'id' | 'throttleMs'>,
    readonly groupKey: string,
    decoded: Decoded,
    readonly detector: DetectorOp['detector'],
    params: DetectorParams,
    /** The event's value of the detector's field; '' when the detector has none. */
    readonly value = '',
    readonly step: 'first' | 'then' = 'first',
    /** baseline: `value` counts once per bucket rather than the event counting. */
    readonly countValues = false,
  ) {
    this.ruleId = rule.id;
    this.eventId = decoded.event.id;
    this.timeMs = decoded.timeMs;
    this.throttleMs = rule.throttleMs;
    this.windowMs = params.windowMs ?? 0;
    this.count = params.count ?? 0;
    this.learningMs = params.learningMs ?? 0;
    this.forgetMs = params.forgetMs ?? 0;
    this.afterMs = params.afterMs ?? 0;
    this.bucketMs = params.bucketMs ?? 0;
    this.decay = params.decay ?? 0;
    this.z = params.z ?? 0;
    this.minCount = params.minCount ?? 0;
    this.minDeviation = params.minDeviation ?? 0;
  }

  get alertId(): string {
    return (this.#alertId ??= alertId(this.ruleId, this.groupKey, this.eventId));
  }
}
