import type { EachBatchPayload } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { READ_AHEAD_RECORDS, ReadAhead } from '../../src/source/read-ahead.js';

/** A batch as KafkaJS hands it to eachBatch, recording the offsets marked as read; large enough to be read past unless `size` says otherwise. */
function batch(partition: number, last: number, marked: string[], size = READ_AHEAD_RECORDS): EachBatchPayload {
  return {
    batch: {
      topic: 't',
      partition,
      messages: Array.from({ length: size }, (_, i) => ({ offset: String(last - size + 1 + i) })),
      firstOffset: () => String(last - size + 1),
      lastOffset: () => String(last),
    },
    isRunning: () => true,
    resolveOffset: (offset: string) => void marked.push(`${partition}:${offset}`),
  } as unknown as EachBatchPayload;
}

/** A work function whose calls finish when the test says so. */
function controlledWork() {
  const log: string[] = [];
  const finish = new Map<string, (error?: Error) => void>();
  const seen: EachBatchPayload[] = [];
  const work = (p: EachBatchPayload): Promise<void> => {
    const name = `${p.batch.partition}:${p.batch.lastOffset()}`;
    log.push(`start ${name}`);
    seen.push(p);
    return new Promise<void>((resolve, reject) =>
      finish.set(name, (error) => {
        log.push(`end ${name}`);
        if (error === undefined) resolve();
        else reject(error);
      }),
    );
  };
  return { log, finish: (name: string, error?: Error) => finish.get(name)!(error), seen, work };
}

const noRewind = (): void => {
  throw new Error('no batch was read past and failed');
};
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadAhead', () => {
  it("marks a batch as read at once and returns; the partition's next batch waits for its work", async () => {
    const marked: string[] = [];
    const w = controlledWork();
    const ahead = new ReadAhead(w.work, noRewind);
    await ahead.eachBatch(batch(0, 10, marked));
    expect(marked).toEqual(['0:10']);
    await turn();
    expect(w.log).toEqual(['start 0:10']);

    let secondReturned = false;
    const second = ahead.eachBatch(batch(0, 20, marked)).then(() => (secondReturned = true));
    await turn();
    // Marked for KafkaJS's next fetch, but its work waits for the first batch's, and so does eachBatch.
    expect(marked).toEqual(['0:10', '0:20']);
    expect(w.log).toEqual(['start 0:10']);
    expect(secondReturned).toBe(false);

    w.finish('0:10');
    await second;
    await turn();
    expect(w.log).toEqual(['start 0:10', 'end 0:10', 'start 0:20']);
    // The work marks nothing itself: its view's resolveOffset does nothing.
    w.seen[1]!.resolveOffset('15');
    expect(marked).toEqual(['0:10', '0:20']);
    w.finish('0:20');
    await ahead.drain();
  });

  it('processes a small batch (no backlog) before returning, and its work marks what it processed', async () => {
    const marked: string[] = [];
    const w = controlledWork();
    const ahead = new ReadAhead(w.work, noRewind);
    let returned = false;
    const small = ahead.eachBatch(batch(0, 10, marked, 3)).then(() => (returned = true));
    await turn();
    expect(w.log).toEqual(['start 0:10']);
    expect(marked).toEqual([]);
    expect(returned).toBe(false);
    w.seen[0]!.resolveOffset('10');
    w.finish('0:10');
    await small;
    expect(marked).toEqual(['0:10']);
    // Its failure is thrown at once, and not again from the next batch.
    const failing = ahead.eachBatch(batch(0, 13, marked, 3));
    await turn();
    w.finish('0:13', new Error('poison'));
    await expect(failing).rejects.toThrow('poison');
    await ahead.eachBatch(batch(0, 600, marked));
    await turn();
    expect(w.log).toEqual(['start 0:10', 'end 0:10', 'start 0:13', 'end 0:13', 'start 0:600']);
    w.finish('0:600');
    await ahead.drain();
  });

  it('partitions do not wait for each other', async () => {
    const w = controlledWork();
    const ahead = new ReadAhead(w.work, noRewind);
    await ahead.eachBatch(batch(0, 10, []));
    await ahead.eachBatch(batch(1, 10, []));
    await turn();
    expect(w.log).toEqual(['start 0:10', 'start 1:10']);
    w.finish('1:10');
    w.finish('0:10');
    await ahead.drain();
  });

  it("throws a batch's failure from the partition's next eachBatch (whose work is skipped), once, after rewinding to it", async () => {
    const w = controlledWork();
    const rewound: string[] = [];
    const ahead = new ReadAhead(
      w.work,
      (topic, partition, offset) => void rewound.push(`${topic}/${partition}@${offset}`),
    );
    await ahead.eachBatch(batch(0, 10, []));
    const second = ahead.eachBatch(batch(0, 20, []));
    await turn();
    w.finish('0:10', new Error('rebalance in progress'));
    await expect(second).rejects.toThrow('rebalance in progress');
    // KafkaJS keeps its positions when it retries: it must fetch the failed batch (and what follows) again.
    expect(rewound).toEqual([`t/0@${10 - READ_AHEAD_RECORDS + 1}`]);
    // After KafkaJS's restart the partition goes on: the failed batch's successor left no failure behind.
    await ahead.eachBatch(batch(0, 10, []));
    await turn();
    expect(w.log).toEqual(['start 0:10', 'end 0:10', 'start 0:10']);
    w.finish('0:10');
    await ahead.drain();
  });

  it('after restart() the work of earlier batches is told it is no longer running; later batches run', async () => {
    const w = controlledWork();
    const ahead = new ReadAhead(w.work, noRewind);
    await ahead.eachBatch(batch(0, 10, []));
    await turn();
    expect(w.seen[0]!.isRunning()).toBe(true);
    ahead.restart();
    expect(w.seen[0]!.isRunning()).toBe(false);
    const next = ahead.eachBatch(batch(0, 20, []));
    w.finish('0:10');
    await next;
    await turn();
    expect(w.seen[1]!.isRunning()).toBe(true);
    w.finish('0:20');
    await ahead.drain();
  });

  it('drain waits for the work of every batch handed over', async () => {
    const w = controlledWork();
    const ahead = new ReadAhead(w.work, noRewind);
    await ahead.eachBatch(batch(0, 10, []));
    await ahead.eachBatch(batch(1, 10, []));
    let drained = false;
    const draining = ahead.drain().then(() => (drained = true));
    await turn();
    w.finish('0:10');
    await turn();
    expect(drained).toBe(false);
    w.finish('1:10');
    await draining;
    expect(w.log).toEqual(['start 0:10', 'start 1:10', 'end 0:10', 'end 1:10']);
  });
});
