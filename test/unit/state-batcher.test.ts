import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { StateBatcher } from '../../src/state/state-batcher.js';
import type { DetectorOp, OpResult, StateStore } from '../../src/state/state-store.js';

const T0 = Date.UTC(2026, 2, 2, 10);

const op = (key: string, i: number): DetectorOp => ({
  ruleId: 'burst',
  groupKey: key,
  eventId: `${key}-${i}`,
  timeMs: T0 + i * 1000,
  throttleMs: 0,
  alertId: `a-${key}-${i}`,
  detector: 'threshold',
  windowMs: 60_000,
  count: 3,
});

/** A real memory store that records each apply it gets and refuses any call holding an operation of key `poison`. */
class Recording implements StateStore {
  readonly calls: Array<{ ops: number; arrivedAtMs: number | undefined }> = [];
  readonly inner = new MemoryStateStore();

  apply(ops: readonly DetectorOp[], arrivedAtMs?: number): Promise<OpResult[]> {
    this.calls.push({ ops: ops.length, arrivedAtMs });
    if (ops.some((o) => o.groupKey === 'poison')) return Promise.reject(new Error('poison operation'));
    return this.inner.apply(ops, arrivedAtMs);
  }
  touch = (nowMs: number) => this.inner.touch(nowMs);
  lastEventAt = () => this.inner.lastEventAt();
  ping = () => this.inner.ping();
  close = () => this.inner.close();
}

describe('StateBatcher', () => {
  it('sends the chunks that arrive in one turn as one apply, each chunk getting its own results in order', async () => {
    const recording = new Recording();
    const batcher = new StateBatcher(recording);
    const a = [op('a', 0), op('a', 1), op('a', 2)];
    const b = [op('b', 0), op('b', 1)];
    const [ra, rb] = await Promise.all([batcher.apply(a, 1_000), batcher.apply(b, 2_000)]);
    expect(recording.calls).toEqual([{ ops: 5, arrivedAtMs: 2_000 }]);
    const alone = new MemoryStateStore();
    expect(ra).toEqual(await alone.apply(a));
    expect(rb).toEqual(await alone.apply(b));
    expect(ra.map((r) => r.status)).toEqual(['quiet', 'quiet', 'fire']);
    expect(await recording.lastEventAt()).toBe(2_000);
  });

  it('sends at once what fills a call, without waiting for the turn to end', async () => {
    const recording = new Recording();
    const batcher = new StateBatcher(recording, 4);
    const small = batcher.apply([op('a', 0)]);
    const big = batcher.apply([op('b', 0), op('b', 1), op('b', 2)]);
    // Both were sent together before this line: the call did not wait for setImmediate.
    expect(recording.calls).toEqual([{ ops: 4, arrivedAtMs: undefined }]);
    await Promise.all([small, big]);
    expect(recording.calls).toHaveLength(1);
  });

  it('sends chunks of later turns on their own', async () => {
    const recording = new Recording();
    const batcher = new StateBatcher(recording);
    await batcher.apply([op('a', 0)]);
    await batcher.apply([op('a', 1)]);
    expect(recording.calls.map((c) => c.ops)).toEqual([1, 1]);
  });

  it("applies each chunk alone when the joint call fails: one chunk's poison never fails another's", async () => {
    const recording = new Recording();
    const batcher = new StateBatcher(recording);
    const good = batcher.apply([op('a', 0), op('a', 1), op('a', 2)]);
    const bad = batcher.apply([op('poison', 0)]);
    await expect(bad).rejects.toThrow('poison operation');
    expect((await good).map((r) => r.status)).toEqual(['quiet', 'quiet', 'fire']);
    // The joint call, then each chunk alone.
    expect(recording.calls.map((c) => c.ops).sort()).toEqual([1, 3, 4]);
  });
});
