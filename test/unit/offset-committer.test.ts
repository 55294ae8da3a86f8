import { describe, expect, it } from 'vitest';
import { OffsetCommitter, type PartitionOffset } from '../../src/source/offset-committer.js';

/** A commit request that records what it was sent and answers when the test says. */
function fakeRequests(): {
  sent: PartitionOffset[][];
  answer(error?: Error): void;
  request(offsets: PartitionOffset[]): Promise<void>;
} {
  const sent: PartitionOffset[][] = [];
  const answers: Array<(error?: Error) => void> = [];
  return {
    sent,
    answer(error) {
      const next = answers.shift();
      if (next === undefined) throw new Error('no request in flight');
      next(error);
    },
    request(offsets) {
      sent.push(offsets);
      return new Promise((resolve, reject) =>
        answers.push((error) => (error === undefined ? resolve() : reject(error))),
      );
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('OffsetCommitter', () => {
  it('sends the offsets of one tick in one request, and those that arrive meanwhile in the next', async () => {
    const r = fakeRequests();
    const c = new OffsetCommitter((o) => r.request(o));
    const done: string[] = [];
    const a = c.commit('t', 0, '10').then(() => done.push('a'));
    const b = c.commit('t', 1, '20').then(() => done.push('b'));
    await tick();
    expect(r.sent).toEqual([
      [
        { topic: 't', partition: 0, offset: '10' },
        { topic: 't', partition: 1, offset: '20' },
      ],
    ]);
    const later = c.commit('t', 2, '30').then(() => done.push('c'));
    const newer = c.commit('t', 1, '25').then(() => done.push('d'));
    await tick();
    expect(r.sent).toHaveLength(1); // one request at a time
    r.answer();
    await Promise.all([a, b]);
    expect(done).toEqual(['a', 'b']);
    await tick();
    // A newer offset of a partition replaces the older one waiting.
    expect(r.sent[1]).toEqual([
      { topic: 't', partition: 2, offset: '30' },
      { topic: 't', partition: 1, offset: '25' },
    ]);
    r.answer();
    await Promise.all([later, newer]);
    expect(done).toEqual(['a', 'b', 'c', 'd']);
  });

  it("rejects a failed request's callers only, and goes on with the next", async () => {
    const r = fakeRequests();
    const c = new OffsetCommitter((o) => r.request(o));
    const failed = c.commit('t', 0, '1');
    await tick();
    const next = c.commit('t', 0, '2');
    r.answer(new Error('rebalance in progress'));
    await expect(failed).rejects.toThrow('rebalance in progress');
    await tick();
    expect(r.sent[1]).toEqual([{ topic: 't', partition: 0, offset: '2' }]);
    r.answer();
    await expect(next).resolves.toBeUndefined();
  });

  it('never sends an offset before its commit was asked for, and nothing when none was', async () => {
    const r = fakeRequests();
    const c = new OffsetCommitter((o) => r.request(o));
    await tick();
    expect(r.sent).toEqual([]);
    const one = c.commit('t', 3, '7');
    await tick();
    r.answer();
    await one;
    await tick();
    expect(r.sent).toEqual([[{ topic: 't', partition: 3, offset: '7' }]]);
  });
});
