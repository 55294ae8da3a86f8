import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { stateStoreContract, type StoreFactory } from '../support/state-store.contract.js';

let shared = new MemoryStateStore();
const open: StoreFactory = Object.assign(
  () => {
    shared = new MemoryStateStore();
    return Promise.resolve(shared);
  },
  { again: () => Promise.resolve(shared) },
);

stateStoreContract('memory', open);

describe('MemoryStateStore', () => {
  it('forgets state by event time, so a long replay stays bounded', async () => {
    const store = new MemoryStateStore();
    const t0 = Date.UTC(2026, 0, 1);
    const ops = Array.from({ length: 30_000 }, (_, i) => ({
      ruleId: 'r',
      groupKey: `k${i}`,
      eventId: `e${i}`,
      timeMs: t0 + i * 60_000,
      throttleMs: 0,
      alertId: `a${i}`,
      detector: 'threshold' as const,
      windowMs: 60_000,
      count: 5,
    }));
    await store.apply(ops);
    // 30,000 keys over ~21 days; only those within window span + 1 h margin of the newest survive a sweep.
    expect(store.size).toBeLessThan(200);
  });
});
