import { alertId } from '../alerts/alert.js';
import type { DetectorOp, OpBase } from '../state/state-store.js';

/** The detector-specific part of each kind of operation (distributes over the union). */
type PartOf<Op> = Op extends DetectorOp ? Omit<Op, keyof OpBase> : never;
export type DetectorPart = PartOf<DetectorOp>;

/** Any kind's detector-specific part, seen as all the fields any kind has. */
interface AnyPart {
  detector: DetectorOp['detector'];
  step?: 'first' | 'then';
  value?: string;
  windowMs?: number;
  count?: number;
  learningMs?: number;
  forgetMs?: number;
  afterMs?: number;
  countValues?: boolean;
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
 * The alert id is a SHA-256, the costliest part of planning, and a store reads
 * it only for an event that may fire (the memory store; the Redis store passes
 * it with every op), so it is computed on first read.
 */
export class PlannedOp {
  #alertId: string | undefined = undefined;
  readonly detector: DetectorOp['detector'];
  readonly step: 'first' | 'then';
  readonly value: string;
  readonly windowMs: number;
  readonly count: number;
  readonly learningMs: number;
  readonly forgetMs: number;
  readonly afterMs: number;
  readonly countValues: boolean;
  readonly bucketMs: number;
  readonly decay: number;
  readonly z: number;
  readonly minCount: number;
  readonly minDeviation: number;

  constructor(
    readonly ruleId: string,
    readonly groupKey: string,
    readonly eventId: string,
    readonly timeMs: number,
    readonly throttleMs: number,
    part: DetectorPart,
  ) {
    const p: AnyPart = part;
    this.detector = p.detector;
    this.step = p.step ?? 'first';
    this.value = p.value ?? '';
    this.windowMs = p.windowMs ?? 0;
    this.count = p.count ?? 0;
    this.learningMs = p.learningMs ?? 0;
    this.forgetMs = p.forgetMs ?? 0;
    this.afterMs = p.afterMs ?? 0;
    this.countValues = p.countValues ?? false;
    this.bucketMs = p.bucketMs ?? 0;
    this.decay = p.decay ?? 0;
    this.z = p.z ?? 0;
    this.minCount = p.minCount ?? 0;
    this.minDeviation = p.minDeviation ?? 0;
  }

  get alertId(): string {
    return (this.#alertId ??= alertId(this.ruleId, this.groupKey, this.eventId));
  }
}
