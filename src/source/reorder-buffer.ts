import { byEventTime, type Decoded } from '../decode/decode.js';

/**
 * Puts a stream of events back into event-time order before evaluation, as far
 * as `latenessMs` allows: an event is released once an event `latenessMs` newer
 * has been seen. Exact duplicates (same id) that meet in the buffer are counted
 * and dropped. Memory is bounded by `maxEvents`; beyond it the oldest are
 * released early.
 */
export class ReorderBuffer {
  /** Held events, in event-time order. */
  private held: Decoded[] = [];
  /** Events pushed since the last release, in arrival order. */
  private arrivals: Decoded[] = [];
  private newestMs = -Infinity;
  private sinceCheck = 0;
  /** Duplicate event ids dropped so far. */
  duplicates = 0;

  constructor(
    private readonly latenessMs: number,
    private readonly maxEvents = 200_000,
    private readonly releaseEvery = 1_000,
  ) {}

  /** Adds an event; returns the events now ready, oldest first (often none). */
  push(event: Decoded): Decoded[] {
    this.arrivals.push(event);
    if (event.timeMs > this.newestMs) this.newestMs = event.timeMs;
    if (++this.sinceCheck < this.releaseEvery) return [];
    this.sinceCheck = 0;
    this.mergeArrivals();
    // Sorted, what is ready is a prefix: the events at or before the cutoff, then any beyond the bound.
    const ready = Math.max(
      firstWhere(this.held, (e) => e.timeMs > this.newestMs - this.latenessMs),
      this.held.length - this.maxEvents,
    );
    return this.dedupe(this.held.splice(0, ready));
  }

  /** Everything still held, oldest first. */
  drain(): Decoded[] {
    this.mergeArrivals();
    const all = this.held;
    this.held = [];
    return this.dedupe(all);
  }

  /**
   * Sorts only the new arrivals and merges them in: re-sorting everything held
   * on each release compared every held event again. The result is the stable
   * sort of all events in arrival order, so of two duplicates the first to
   * arrive comes first and is kept.
   */
  private mergeArrivals(): void {
    this.held = mergeSorted(this.held, this.arrivals.sort(byEventTime));
    this.arrivals = [];
  }

  /** Drops exact duplicates (same id), which sorting has made neighbours. */
  private dedupe(sorted: Decoded[]): Decoded[] {
    const kept: Decoded[] = [];
    for (const event of sorted) {
      if (kept.at(-1)?.event.id === event.event.id) this.duplicates++;
      else kept.push(event);
    }
    return kept;
  }
}

/**
 * Merges two sorted arrays; on ties `earlier` goes first. May reuse `earlier`.
 * Events mostly arrive in order, so usually `later` just goes after it.
 */
function mergeSorted(earlier: Decoded[], later: readonly Decoded[]): Decoded[] {
  const [first] = later;
  if (first === undefined) return earlier;
  // Only the tail of `earlier` after the first new event needs merging.
  let i = firstWhere(earlier, (e) => byEventTime(e, first) > 0);
  const merged = i === earlier.length ? earlier : earlier.slice(0, i);
  let j = 0;
  let a = earlier[i];
  let b = later[j];
  while (a !== undefined && b !== undefined) {
    if (byEventTime(a, b) <= 0) {
      merged.push(a);
      a = earlier[++i];
    } else {
      merged.push(b);
      b = later[++j];
    }
  }
  for (; a !== undefined; a = earlier[++i]) merged.push(a);
  for (; b !== undefined; b = later[++j]) merged.push(b);
  return merged;
}

/** The index of the first event of a sorted array for which `after` holds (binary search; `after` is monotone). */
function firstWhere(sorted: readonly Decoded[], after: (event: Decoded) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const event = sorted[mid];
    if (event === undefined || after(event)) high = mid;
    else low = mid + 1;
  }
  return low;
}
