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
    this.sortAndDedupe();
    const cutoff = this.newestMs - this.latenessMs;
    let ready = 0;
    while (ready < this.pending.length && this.pending[ready]!.timeMs <= cutoff) ready++;
    ready = Math.max(ready, this.pending.length - this.maxEvents);
    return this.pending.splice(0, ready);
  }

  /** Everything still held, oldest first. */
  drain(): Decoded[] {
    this.sortAndDedupe();
    return this.pending.splice(0);
  }

  private sortAndDedupe(): void {
    this.pending.sort(byEventTime);
    const kept: Decoded[] = [];
    for (const event of this.pending) {
      if (kept.length > 0 && kept[kept.length - 1]!.event.id === event.event.id) this.duplicates++;
      else kept.push(event);
    }
    this.pending = kept;
  }
}
