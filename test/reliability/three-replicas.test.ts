import { afterAll, describe, expect, it } from 'vitest';
import { FaultHarness } from '../support/fault-harness.js';
import { groundTruth } from '../support/ground-truth.js';
import { scenario } from '../support/scenario.js';
import type { ServiceProcess } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-08T18:00:00.000Z';
const NAMES = ['replica-a', 'replica-b', 'replica-c'];

describe.skipIf(services() === null)('three replicas on a Redis Cluster: a rolling restart and a SIGKILL', () => {
  let harness: FaultHarness | undefined;
  afterAll(() => harness?.close());

  it('delivers the replay’s alerts, duplicates only where the kill explains them', async () => {
    const events = scenario({ start: START, episodes: 24, noise: 300, seed: 51 });
    const ids = (await groundTruth(events)).map((a) => a.id);
    const h = await new FaultHarness(requireServices(), undefined, 'cluster').start(6);
    harness = h;
    const replica = (name: string) =>
      h.service({ AUDITWATCH_KAFKA_SESSION_TIMEOUT: '6s', AUDITWATCH_INSTANCE_ID: name });
    const replicas: ServiceProcess[] = [];
    for (const name of NAMES) replicas.push(await replica(name));
    await Promise.all(replicas.map((r) => r.waitReady()));

    const producing = h.produceOver(events, START, 60);
    // A rolling restart as Kubernetes does it: one pod at a time, SIGTERM, the new pod ready before the next.
    for (let i = 0; i < replicas.length; i++) {
      await new Promise((r) => setTimeout(r, 5_000));
      expect(await replicas[i]!.stop('SIGTERM')).toBe(0);
      replicas[i] = await replica(NAMES[i]!);
      await replicas[i]!.waitReady();
    }
    // Then one replica dies mid-stream and comes back.
    await new Promise((r) => setTimeout(r, 3_000));
    await h.kill(replicas[1]!);
    replicas[1] = await replica(NAMES[1]!);
    await producing;
    await h.drainedAndDelivered(ids.length, 240_000);

    h.verdict(
      {
        test: 'Three replicas, Redis Cluster',
        load: `${events.length} events, 6 partitions, produced over ~60 s`,
        faults: 'rolling restart (SIGTERM one replica at a time), then one replica SIGKILLed and restarted',
      },
      ids,
    );
    for (const r of replicas) expect(await r.stop('SIGTERM')).toBe(0);
  }, 600_000);
});
