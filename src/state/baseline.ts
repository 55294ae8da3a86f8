import type { BaselineFigures, BaselineParams } from './state-store.js';
import { BASELINE_VALUES_KEPT } from './keys.js';

/**
 * The baseline detector's arithmetic, for the memory store; lua/baseline-4.lua
 * is the same, step by step. Both must decide alike to the last bit, so both
 * use only +, −, ×, ÷, sqrt, floor and comparisons (IEEE 754 doubles, exactly
 * rounded in V8 and in Redis's Lua alike) in the same order. Powers are taken by
 * repeated squaring (`decayPow`), never with `**` or `^`: pow() is not exactly
 * rounded and V8's differs from the C library's in the last bit. The decay per
 * bucket is computed once, in JavaScript, and handed to Lua as text that reads
 * back to the same double.
 *
 * Per key, in event time, with buckets `B = floor(t / bucket)`:
 * - `current`, `previous`: the count of the key's newest bucket and the one before
 *   (the previous bucket stays open, so an event up to one bucket late still counts);
 * - `weight`, `sum`, `squares`: exponentially weighted sums over the closed buckets,
 *   W = Σ rᵃ, S = Σ rᵃ·xᵃ, Q = Σ rᵃ·xᵃ² (a = buckets since; r = 2^(−bucket / half_life)).
 *   Closing a bucket with count x: W ← r·W + 1, S ← r·S + x, Q ← r·Q + x·x. Closing
 *   k empty ones at once, with rk = rᵏ: W ← rk·W + (1 − rk) / (1 − r), S ← rk·S, Q ← rk·Q.
 * - mean = S / W, variance = max(0, Q / W − mean²) (both 0 while W = 0),
 *   deviation = max(√variance, min_deviation), z = (count − mean) / deviation.
 * An event of the newest bucket is judged against the closed buckets plus the
 * previous one (folded on the fly); an event of the previous bucket against the
 * closed buckets only. It fires when t − since ≥ learning, count ≥ min_count and
 * z ≥ the rule's z. An event older than the previous bucket counts nowhere.
 */
export class BaselineState {
  /** Bucket index of the newest bucket. */
  bucket: number;
  current = 0;
  previous = 0;
  weight = 0;
  sum = 0;
  squares = 0;
  /** Distinct values of the newest and the previous bucket, when counting values. */
  currentValues: Set<string> | undefined;
  previousValues: Set<string> | undefined;

  constructor(
    /** Time of the key's earliest counted event, ms. */
    public sinceMs: number,
    bucket: number,
  ) {
    this.bucket = bucket;
  }
}

/** The verdict on one event: the count of its bucket, and the figures when it may fire (undefined: quiet). */
export interface BaselineVerdict {
  count: number;
  figures?: BaselineFigures;
}

/** rᵏ for a whole k ≥ 0, by repeated squaring (see the module comment: not `**`). */
export function decayPow(r: number, k: number): number {
  let result = 1;
  let base = r;
  let n = k;
  while (n > 0) {
    if (n % 2 === 1) result = result * base;
    base = base * base;
    n = Math.floor(n / 2);
  }
  return result;
}

/** Counts the event (or its value) into state `s` and judges it. */
export function applyBaseline(s: BaselineState, p: BaselineParams, t: number): BaselineVerdict {
  const b = Math.floor(t / p.bucketMs);
  if (b > s.bucket) advance(s, p, b);
  if (b < s.bucket - 1) return { count: 0 };
  if (t < s.sinceMs) s.sinceMs = t;
  let count: number;
  let weight = s.weight;
  let sum = s.sum;
  let squares = s.squares;
  if (b === s.bucket) {
    count = s.current = p.countValues ? addValue((s.currentValues ??= new Set()), p.value) : s.current + 1;
    // The previous bucket is history for this one: folded here, not stored, since late events may still add to it.
    if (s.bucket - 1 >= Math.floor(s.sinceMs / p.bucketMs)) {
      weight = p.decay * weight + 1;
      sum = p.decay * sum + s.previous;
      squares = p.decay * squares + s.previous * s.previous;
    }
  } else {
    count = s.previous = p.countValues ? addValue((s.previousValues ??= new Set()), p.value) : s.previous + 1;
  }
  if (t - s.sinceMs < p.learningMs || count < p.minCount) return { count };
  const mean = weight === 0 ? 0 : sum / weight;
  let variance = weight === 0 ? 0 : squares / weight - mean * mean;
  if (variance < 0) variance = 0;
  const deviation = Math.max(Math.sqrt(variance), p.minDeviation);
  const z = (count - mean) / deviation;
  return z >= p.z ? { count, figures: { count, mean, deviation, z } } : { count };
}

/** Moves the key's newest bucket on to `b`, closing the buckets that can no longer change. */
function advance(s: BaselineState, p: BaselineParams, b: number): void {
  const r = p.decay;
  if (s.bucket - 1 >= Math.floor(s.sinceMs / p.bucketMs)) fold(s, r, s.previous);
  if (b - 2 >= s.bucket) {
    fold(s, r, s.current);
    const k = b - 2 - s.bucket;
    if (k > 0) {
      const rk = decayPow(r, k);
      s.weight = rk * s.weight + (1 - rk) / (1 - r);
      s.sum = rk * s.sum;
      s.squares = rk * s.squares;
    }
  }
  const adjacent = b - 1 === s.bucket;
  s.previous = adjacent ? s.current : 0;
  s.previousValues = adjacent ? s.currentValues : undefined;
  s.current = 0;
  s.currentValues = undefined;
  s.bucket = b;
}

function fold(s: BaselineState, r: number, x: number): void {
  s.weight = r * s.weight + 1;
  s.sum = r * s.sum + x;
  s.squares = r * s.squares + x * x;
}

/** Adds a value to a bucket's set unless it is full; returns the set's size. */
function addValue(values: Set<string>, value: string): number {
  if (values.size < BASELINE_VALUES_KEPT) values.add(value);
  return values.size;
}
