import { afterAll, describe, expect, it } from 'vitest';
import { FaultHarness } from '../support/fault-harness.js';
import { startFakeSlack } from '../support/fake-sinks.js';
import { groundTruth } from '../support/ground-truth.js';
import { random, scenario } from '../support/scenario.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-04T18:00:00.000Z';
const KILLS = 10;

describe.skipIf(services() === null).each(['single-node', 'cluster'] as const)(
  'crash loop: SIGKILL at random moments (%s Redis)',
  (redis) => {
    let harness: FaultHarness | undefined;
    afterAll(() => harness?.close());

    it(`delivers exactly the replay's alerts after ${KILLS} kills mid-stream, duplicates only where a kill explains them`, async () => {
      const events = scenario({ start: START, episodes: 40, noise: 480, seed: 11 });
      expect(events.length).toBeGreaterThanOrEqual(20_000);
      const ids = (await groundTruth(events)).map((a) => a.id);
      const h = await new FaultHarness(requireServices(), undefined, redis).start(3);
      harness = h;
      const slack = await startFakeSlack();
      h.onClose(() => slack.close());
      const env = { AUDITWATCH_KAFKA_SESSION_TIMEOUT: '6s', AUDITWATCH_SLACK_WEBHOOK_URL: slack.url };

      const producing = h.produceOver(events, START, 60);
      const rnd = random(5);
      let service = await h.service(env);
      for (let kill = 0; kill < KILLS; kill++) {
        await service.waitReady(60_000);
        await new Promise((r) => setTimeout(r, 500 + rnd() * 2_500));
        await h.kill(service);
        service = await h.service(env);
      }
      await producing;
      await h.drainedAndDelivered(ids.length, 180_000, [h.hook, slack]);

      // Both sinks: each gets every alert id, and an id that arrives twice arrived first just before a kill.
      h.verdict(
        {
          test: redis === 'cluster' ? 'Crash loop, Redis Cluster' : 'Crash loop',
          load: `${events.length} events, 3 partitions, produced over ~60 s`,
          faults: `${KILLS} × SIGKILL at random moments, restarted each time`,
        },
        ids,
        [h.hook, slack],
      );
      // The last replica may still be starting: a SIGTERM then closes it once started, still exit 0.
      expect(await service.stop('SIGTERM'), service.logs.slice(-20).join('\n')).toBe(0);
    }, 600_000);
  },
);
