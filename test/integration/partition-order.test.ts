import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { FaultHarness } from '../support/fault-harness.js';
import { drained, groundTruth } from '../support/ground-truth.js';
import { random, scenario } from '../support/scenario.js';
import { until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-08T18:00:00.000Z';
const episode = (a: Pick<Alert, 'rule' | 'key'>) => `${a.rule} ${JSON.stringify(a.key)}`;

describe.skipIf(services() === null)('events of one burst spread over partitions in no particular order', () => {
  let harness: FaultHarness | undefined;
  afterAll(() => harness?.close());

  it('still raise one alert per burst, as replay does', async () => {
    const events = scenario({ start: START, episodes: 4, noise: 30, seed: 51 });
    const expected = (await groundTruth(events)).map(episode).sort();
    const h = await new FaultHarness(requireServices()).start(3);
    harness = h;
    // Every event to a random partition, the partitions filled last to first: later events of a burst are often read first.
    const rnd = random(8);
    const byPartition: string[][] = [[], [], []];
    for (const e of events) byPartition[Math.floor(rnd() * 3)]!.push(JSON.stringify(e));
    for (const [partition, values] of [...byPartition.entries()].reverse()) {
      await h.producer.send({ topic: h.topic, messages: values.map((value) => ({ value, partition })) });
    }

    const service = await h.service();
    await service.waitReady();
    await until(() => drained(h.admin, h.topic, h.group), 60_000, 'the topic to drain');
    await until(() => h.hook.deliveries.length >= expected.length, 30_000, 'deliveries');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(h.hook.deliveries.map((d) => episode((d.body as { data: Alert }).data)).sort()).toEqual(expected);
  }, 120_000);
});
