import { afterAll, describe, expect, it } from 'vitest';
import { FaultHarness } from '../support/fault-harness.js';
import { groundTruth } from '../support/ground-truth.js';
import { scenario } from '../support/scenario.js';
import { until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-06T18:00:00.000Z';

describe.skipIf(services() === null)('rebalance: two replicas in one group', () => {
  let harness: FaultHarness | undefined;
  afterAll(() => harness?.close());

  it('one joins late, the other stops mid-stream: the replay’s alerts, once each', async () => {
    const events = scenario({ start: START, episodes: 20, noise: 300, seed: 31 });
    const ids = (await groundTruth(events)).map((a) => a.id);
    const h = await new FaultHarness(requireServices()).start(4);
    harness = h;
    const replica = (name: string) =>
      h.service({ AUDITWATCH_KAFKA_SESSION_TIMEOUT: '6s', AUDITWATCH_INSTANCE_ID: name });

    const producing = h.produceOver(events, START, 30);
    const first = await replica('replica-a');
    await first.waitReady();
    await until(
      async () => (await first.metric('auditwatch_events_consumed_total')) > events.length / 5,
      60_000,
      'the first replica to make progress',
    );
    const second = await replica('replica-b');
    await second.waitReady();
    await until(
      async () => (await second.metric('auditwatch_events_consumed_total')) > 0,
      60_000,
      'the late replica to get partitions',
    );
    expect(await first.metric('auditwatch_rebalances_total')).toBeGreaterThan(0);
    expect(await first.stop('SIGTERM')).toBe(0);
    await producing;
    await h.drainedAndDelivered(ids.length);

    h.verdict(
      {
        test: 'Rebalance',
        load: `${events.length} events, 4 partitions, produced over ~30 s`,
        faults: 'second replica joins late; first replica stopped (SIGTERM) mid-stream',
      },
      ids,
    );
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 600_000);
});
