import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '../../src/state/redis-connection.js';
import { QuietCache } from '../../src/state/quiet-cache.js';
import { RedisStateStore } from '../../src/state/redis-store.js';
import { stateStoreContract, type StoreFactory } from '../support/state-store.contract.js';
import { clusterSettings, services } from '../support/services.js';

/** The state contract on a real 3-master Redis Cluster (scripts/local-services.sh starts one). */
const available = services() !== null;
let prefix = '';

function clusterClient(): RedisClient {
  return createRedis(clusterSettings(), { maxRetriesPerRequest: 2 });
}

const open: StoreFactory = Object.assign(
  () => {
    prefix = `aw-test-${randomUUID()}`;
    return Promise.resolve(new RedisStateStore(clusterClient(), prefix));
  },
  { again: () => Promise.resolve(new RedisStateStore(clusterClient(), prefix)) },
);

/** The same with the quiet cache on: each client (replica) its own cache; every answer must be the same. */
const openCached: StoreFactory = Object.assign(
  () => {
    prefix = `aw-test-${randomUUID()}`;
    return Promise.resolve(new RedisStateStore(clusterClient(), prefix, new QuietCache()));
  },
  { again: () => Promise.resolve(new RedisStateStore(clusterClient(), prefix, new QuietCache())) },
);

describe.skipIf(!available)('RedisStateStore on a Redis Cluster (real, 3 masters)', () => {
  stateStoreContract('redis-cluster', open);
  stateStoreContract('redis-cluster with the quiet cache', openCached);

  it('spreads one batch over the masters, one pipeline per node, and answers in the order asked', async () => {
    const client = clusterClient();
    const store = new RedisStateStore(client, `aw-test-${randomUUID()}`);
    const t = Date.UTC(2026, 2, 2);
    const ops = Array.from({ length: 60 }, (_, i) => ({
      ruleId: 'burst',
      groupKey: `credentialId=K${i % 20}`,
      eventId: `e${i}`,
      alertId: `a${i}`,
      timeMs: t + i,
      throttleMs: 600_000,
      detector: 'threshold' as const,
      windowMs: 60_000,
      count: 3,
    }));
    const results = await store.apply(ops);
    // Keys K0…K19 each get 3 events in order: the third of each key fires, whichever node holds it.
    expect(results.map((r) => r.status)).toEqual(ops.map((_, i) => (i >= 40 ? 'fire' : 'quiet')));
    expect(results[45]!.evidence).toEqual(['e45', 'e25', 'e5']);
    const masters = (client as import('ioredis').Cluster).nodes('master');
    const holding = await Promise.all(masters.map(async (node) => (await node.dbsize()) > 0));
    expect(holding.filter(Boolean).length).toBeGreaterThan(1);
    await store.close();
  });
});
