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
      if (kept.length > 0 && kept[kept.length - 1]!.event.id === event.event.id) this.duplicates++;
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
  if (later.length === 0) return earlier;
  // Only the tail of `earlier` after the first new event needs merging.
  const first = later[0]!;
  const start = firstWhere(earlier, (e) => byEventTime(e, first) > 0);
  const merged = start === earlier.length ? earlier : earlier.slice(0, start);
  let i = start;
  let j = 0;
  while (i < earlier.length && j < later.length)
    merged.push(byEventTime(earlier[i]!, later[j]!) <= 0 ? earlier[i++]! : later[j++]!);
  while (i < earlier.length) merged.push(earlier[i++]!);
  while (j < later.length) merged.push(later[j++]!);
  return merged;
}

/** The index of the first event of a sorted array for which `after` holds (binary search; `after` is monotone). */
function firstWhere(sorted: readonly Decoded[], after: (event: Decoded) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (after(sorted[mid]!)) high = mid;
    else low = mid + 1;
  }
  return low;
}
