import type { EachBatchPayload } from 'kafkajs';

/** The work on one batch (BatchProcessor.process): resolves when its records are processed and committed, or left. */
export type BatchWork = (payload: EachBatchPayload) => Promise<void>;

/**
 * Lets KafkaJS fetch a partition's next batch while the last one is processed.
 * KafkaJS fetches again from a broker only once every batch of its last fetch
 * has returned from `eachBatch`, so processing, fetching and KafkaJS's decoding
 * took turns while cores stood idle (benchmark: 1.5 of 2 cores busy; this makes
 * it 1.9, and throughput +45 %). Here `eachBatch` starts the batch's work after
 * the partition's previous batch, marks the batch's records as read (KafkaJS
 * fetches past them next; `autoCommit` is off, so marking commits nothing), and
 * returns once the previous batch is done: at most one batch per partition is
 * processed while the next one waits, and a slow partition holds KafkaJS back as
 * before.
 *
 * Offsets are still committed only once their records are processed, by the
 * work itself, in order. What a rebalance or a crash leaves unfinished is
 * processed again from the last commit (KafkaJS starts each generation's
 * positions from the committed offsets), as before; every step is idempotent.
 * A rebalance (`restart`) makes the work of earlier batches stop at its next
 * chunk, uncommitted: KafkaJS waits for `eachBatch` calls in flight, and those
 * wait for the work before them. An error of a batch's work is thrown from the
 * partition's next `eachBatch`, so KafkaJS restarts as it did when the error
 * came from `eachBatch` itself.
 */
export class ReadAhead {
  /** Each partition's newest work, by `topic|partition`. */
  private readonly tails = new Map<string, Tail>();
  private generation = 0;

  constructor(private readonly work: BatchWork) {}

  async eachBatch(p: EachBatchPayload): Promise<void> {
    const key = `${p.batch.topic}|${p.batch.partition}`;
    const previous = this.tails.get(key);
    const generation = this.generation;
    const view: EachBatchPayload = {
      ...p,
      isRunning: () => p.isRunning() && generation === this.generation,
      // Marked below, before the work starts; the work commits what it has processed.
      resolveOffset: () => undefined,
    };
    const tail: Tail = { settled: Promise.resolve(), failed: false, error: undefined };
    tail.settled = (previous?.settled ?? Promise.resolve())
      // After a failure KafkaJS restarts (below) and fetches this batch again from the last commit.
      .then(() => (previous?.failed === true ? undefined : this.work(view)))
      .catch((error: unknown) => {
        tail.failed = true;
        tail.error = error;
      });
    this.tails.set(key, tail);
    if (p.batch.messages.length > 0) p.resolveOffset(p.batch.lastOffset());
    if (previous === undefined) return;
    await previous.settled;
    if (previous.failed) throw previous.error;
  }

  /** A rebalance or restart began: work of earlier batches stops at its next chunk, uncommitted. */
  restart(): void {
    this.generation++;
  }

  /** Waits until the work of every batch handed over so far has settled (shutdown, once fetching has stopped). */
  async drain(): Promise<void> {
    await Promise.all([...this.tails.values()].map((tail) => tail.settled));
  }
}

/** A partition's newest work; `settled` never rejects: a failure is kept for the partition's next `eachBatch`. */
interface Tail {
  settled: Promise<void>;
  failed: boolean;
  error: unknown;
}
