/** One partition's next offset to commit (the last processed offset + 1), as KafkaJS takes it. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** Sends one OffsetCommit request for all of `offsets` (KafkaJS `consumer.commitOffsets`). */
export type CommitRequest = (offsets: PartitionOffset[]) => Promise<void>;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit of offsets: the chunks of several partitions finish at about the
 * same time (they come from one fetch), and each wants its offset committed
 * before it goes on. One OffsetCommit request per partition would queue them
 * behind each other on the coordinator's connection (a broker answers one
 * request per connection at a time, each after its append to
 * `__consumer_offsets`: 6 partitions took 37 ms where one request for all 6 took
 * 6.5 ms, bench/README.md "Latency"). So at most one request is in flight; the
 * offsets that arrive meanwhile go together in the next one. `commit` resolves
 * once a request carrying that offset (or a later one of its partition) has
 * succeeded, and rejects with that request's error; an offset is never sent
 * before its caller asked, so nothing is committed before it is durable.
 */
export class OffsetCommitter {
  /** Offsets waiting for the next request, by `topic|partition`; a newer offset replaces an older one. */
  private pending = new Map<string, PartitionOffset>();
  private waiters: Waiter[] = [];
  private inFlight: Promise<void> | undefined;

  constructor(private readonly request: CommitRequest) {}

  /** Commits `offset` (already + 1) for the partition with whatever else is waiting. */
  commit(topic: string, partition: number, offset: string): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.pending.set(`${topic}|${partition}`, { topic, partition, offset });
    // Callers in the same tick join this request: it is sent once the current tick's work is done.
    this.inFlight ??= Promise.resolve().then(() => this.drain());
    return done;
  }

  /** Sends requests until nothing waits; one at a time. */
  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const offsets = [...this.pending.values()];
      const waiters = this.waiters;
      this.pending = new Map();
      this.waiters = [];
      try {
        await this.request(offsets);
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
    this.inFlight = undefined;
  }
}
