import { afterAll, describe, expect, it } from 'vitest';
import { FaultHarness } from '../support/fault-harness.js';
import { groundTruth, produceEvents } from '../support/ground-truth.js';
import { scenario } from '../support/scenario.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-06T18:00:00.000Z';
const SLOW_MS = 5_000;

describe.skipIf(services() === null)('two replicas, one slow sink', () => {
  let harness: FaultHarness | undefined;
  afterAll(() => harness?.close());

  it(`delivers every alert once while the sink takes ${SLOW_MS / 1000} s per answer`, async () => {
    const events = scenario({ start: START, episodes: 26, noise: 20, seed: 31 });
    const ids = (await groundTruth(events)).map((a) => a.id);
    expect(ids.length).toBeGreaterThanOrEqual(200);
    const h = await new FaultHarness(requireServices()).start(4);
    harness = h;
    h.hook.delay(SLOW_MS);
    // Slower than the answers, so deliveries in flight hold their locks across renewals.
    const env = { AUDITWATCH_DELIVERY_CONCURRENCY: '10', AUDITWATCH_DELIVERY_TIMEOUT: '15s' };
    const [first, second] = [
      await h.service({ ...env, AUDITWATCH_INSTANCE_ID: 'replica-a' }),
      await h.service({ ...env, AUDITWATCH_INSTANCE_ID: 'replica-b' }),
    ];
    await Promise.all([first.waitReady(), second.waitReady()]);
    await produceEvents(h.producer, h.topic, events, START);
    await h.drainedAndDelivered(ids.length, 240_000);

    h.verdict(
      {
        test: 'Two replicas, slow sink',
        load: `${events.length} events, 4 partitions, 2 replicas`,
        faults: `the webhook answers each request after ${SLOW_MS / 1000} s`,
      },
      ids,
    );
    // Both replicas delivered: the work was shared, not done twice.
    expect(await first.metric('auditwatch_deliveries_total', { outcome: 'success' })).toBeGreaterThan(0);
    expect(await second.metric('auditwatch_deliveries_total', { outcome: 'success' })).toBeGreaterThan(0);
    expect(h.hook.requests.filter((r) => r.status !== 204)).toHaveLength(0);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 600_000);
});
