import { OPS_PER_CALL } from './redis-store.js';
import type { DetectorOp, OpResult, StateStore } from './state-store.js';

interface Waiting {
  ops: readonly DetectorOp[];
  arrivedAtMs: number | undefined;
  resolve(results: OpResult[]): void;
  reject(error: unknown): void;
}

/**
 * Sends the operations of chunks that reach the store in the same turn of the
 * event loop as one `apply` (one call per Redis node). The partitions of one
 * Kafka fetch are processed at once, so at a low rate each chunk holds a few
 * events, and without this every one of them cost its own calls. Chunks that
 * fill a call on their own are sent at once: merging them gains nothing, and
 * waiting would keep Redis idle while the next partition's chunk is evaluated.
 *
 * Each chunk's operations keep their order, and its results are its own. When
 * the joint call fails, each chunk is applied again on its own, so one chunk's
 * poison record never fails another partition's chunk; a retry is safe because
 * every operation is idempotent per event (a call that failed half-way kept
 * its first operations' decisions, and they come back unchanged).
 */
export class StateBatcher implements StateStore {
  private waiting: Waiting[] = [];
  private waitingOps = 0;

  /** `sendAt`: operations that fill a call; waiting ones go at once when they reach it (OPS_PER_CALL). */
  constructor(
    private readonly store: StateStore,
    private readonly sendAt = OPS_PER_CALL,
  ) {}

  apply(ops: readonly DetectorOp[], arrivedAtMs?: number): Promise<OpResult[]> {
    return new Promise<OpResult[]>((resolve, reject) => {
      this.waiting.push({ ops, arrivedAtMs, resolve, reject });
      this.waitingOps += ops.length;
      // Enough for a full call: sent now, so Redis works on it while this process evaluates the next chunk.
      if (this.waitingOps >= this.sendAt) void this.flush();
      else if (this.waiting.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    this.waitingOps = 0;
    if (batch.length === 0) return;
    if (batch.length === 1) return this.applyAlone(batch[0]);
    let results: OpResult[];
    try {
      results = await this.store.apply(
        batch.flatMap((w) => w.ops),
        latest(batch),
      );
    } catch {
      await Promise.all(batch.map(async (w) => this.applyAlone(w)));
      return;
    }
    let from = 0;
    for (const w of batch) {
      w.resolve(results.slice(from, from + w.ops.length));
      from += w.ops.length;
    }
  }

  private async applyAlone(w: Waiting | undefined): Promise<void> {
    if (w === undefined) return;
    try {
      w.resolve(await this.store.apply(w.ops, w.arrivedAtMs));
    } catch (error) {
      w.reject(error);
    }
  }

  touch(nowMs: number): Promise<void> {
    return this.store.touch(nowMs);
  }

  lastEventAt(): Promise<number | undefined> {
    return this.store.lastEventAt();
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** The latest arrival time of the chunks, if any has one. */
function latest(batch: readonly Waiting[]): number | undefined {
  const times = batch.flatMap((w) => (w.arrivedAtMs === undefined ? [] : [w.arrivedAtMs]));
  return times.length === 0 ? undefined : Math.max(...times);
}
