import { byEventTime, type Decoded } from '../decode/decode.js';

/**
 * Puts a stream of events back into event-time order before evaluation, as far
 * as `latenessMs` allows: an event is released once an event `latenessMs` newer
 * has been seen. Exact duplicates (same id) that meet in the buffer are counted
 * and dropped. Memory is bounded by `maxEvents`; beyond it the oldest are
 * released early.
 */
export class ReorderBuffer {
  private pending: Decoded[] = [];
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
    this.pending.push(event);
    if (event.timeMs > this.newestMs) this.newestMs = event.timeMs;
    if (++this.sinceCheck < this.releaseEvery) return [];
    this.sinceCheck = 0;
    // Split by time in one pass; only what leaves gets sorted.
    const cutoff = this.newestMs - this.latenessMs;
    let ready: Decoded[] = [];
    const held: Decoded[] = [];
    for (const e of this.pending) (e.timeMs <= cutoff ? ready : held).push(e);
    if (held.length > this.maxEvents) {
      held.sort(byEventTime);
      ready = ready.concat(held.splice(0, held.length - this.maxEvents));
    }
    this.pending = held;
    return this.dedupe(ready.sort(byEventTime));
  }

  /** Everything still held, oldest first. */
  drain(): Decoded[] {
    const all = this.pending.sort(byEventTime);
    this.pending = [];
    return this.dedupe(all);
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
