import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FaultHarness } from '../support/fault-harness.js';
import { groundTruth, produceEvents } from '../support/ground-truth.js';
import { scenario } from '../support/scenario.js';
import { until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const run = promisify(execFile);
const SCRIPT = new URL('../../scripts/local-services.sh', import.meta.url).pathname;
const START = '2026-04-07T18:00:00.000Z';

describe.skipIf(services() === null)('Kafka broker restart mid-stream (a broker of the test’s own)', () => {
  const servicesDir = mkdtempSync(join(tmpdir(), 'aw-broker-restart-'));
  const script = (...args: string[]) =>
    run('bash', [SCRIPT, ...args], { env: { ...process.env, AUDITWATCH_SERVICES_DIR: servicesDir }, timeout: 180_000 });
  let harness: FaultHarness | undefined;
  afterAll(async () => {
    await harness?.close();
    await script('clean').catch(() => undefined);
  });

  it('reconnects by itself: no loss, no duplicate', async () => {
    await script('start', 'kafka');
    const brokers = /AUDITWATCH_KAFKA_BROKERS=(\S+)/.exec((await script('env')).stdout)![1]!.split(',');
    const events = scenario({ start: START, episodes: 10, noise: 200, seed: 41 });
    const ids = (await groundTruth(events)).map((a) => a.id);
    const h = await new FaultHarness(requireServices(), brokers).start(3);
    harness = h;
    const half = Math.floor(events.length / 2);
    await produceEvents(h.producer, h.topic, events.slice(0, half), START);

    const service = await h.service();
    await service.waitReady();
    await until(
      async () => (await service.metric('auditwatch_events_consumed_total')) > 0,
      60_000,
      'consumption to start',
    );
    await script('restart', 'kafka');
    await produceEvents(h.producer, h.topic, events.slice(half), START);
    await h.drainedAndDelivered(ids.length);

    h.verdict(
      {
        test: 'Kafka broker restart',
        load: `${events.length} events, 3 partitions`,
        faults: 'the only broker restarted mid-stream',
      },
      ids,
    );
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 600_000);
});
