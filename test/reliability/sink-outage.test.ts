import { afterAll, describe, expect, it } from 'vitest';
import { FaultHarness } from '../support/fault-harness.js';
import { startFakeSlack } from '../support/fake-sinks.js';
import { groundTruth, produceEvents } from '../support/ground-truth.js';
import { scenario } from '../support/scenario.js';
import { until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-05T18:00:00.000Z';
const RETRY_AFTER_S = 5;
/** Requests sent before a 429 was read arrive this soon after it at most (ms). */
const IN_FLIGHT_MS = 250;

describe.skipIf(services() === null)('sink outage: 500s, then 429 with Retry-After, for a minute', () => {
  let harness: FaultHarness | undefined;
  afterAll(() => harness?.close());

  it('delivers every alert once the sink recovers, honours Retry-After, and does not delay the other sinks', async () => {
    const events = scenario({ start: START, episodes: 3, noise: 40, seed: 21 });
    const ids = (await groundTruth(events)).map((a) => a.id);
    const h = await new FaultHarness(requireServices()).start(2);
    harness = h;
    const slack = await startFakeSlack();
    h.onClose(() => slack.close());
    h.hook.failFor(20_000, 500);
    const outageEnds = Date.now() + 60_000;
    const switchTo429 = setTimeout(() => h.hook.failFor(40_000, 429, { retryAfter: RETRY_AFTER_S }), 20_000);
    h.onClose(() => {
      clearTimeout(switchTo429);
      return Promise.resolve();
    });
    await produceEvents(h.producer, h.topic, events, START);

    const service = await h.service({ AUDITWATCH_SLACK_WEBHOOK_URL: slack.url });
    await service.waitReady();
    // The healthy sink gets everything while the other is still down.
    await until(() => slack.messages.length >= ids.length, 30_000, 'Slack deliveries');
    expect(Date.now()).toBeLessThan(outageEnds);
    expect(h.hook.deliveries).toHaveLength(0);
    await h.drainedAndDelivered(ids.length, 240_000);

    // Retry-After pauses the whole sink: after a 429, nothing more reaches it until Retry-After has passed,
    // except requests already on their way when the 429 was answered (the other delivery slots, within moments).
    const refused = h.hook.requests.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      const early = h.hook.requests.filter(
        (n) => n.receivedAt > r.receivedAt + IN_FLIGHT_MS && n.receivedAt < r.receivedAt + RETRY_AFTER_S * 1000 - 50,
      );
      expect(early.map((n) => n.receivedAt - r.receivedAt)).toEqual([]);
    }
    expect(h.hook.requests.filter((r) => r.status === 500).length).toBeGreaterThan(0);
    h.verdict(
      {
        test: 'Sink outage',
        load: `${events.length} events`,
        faults: `webhook answers 500 for 20 s, then 429 (Retry-After ${RETRY_AFTER_S} s) for 40 s`,
      },
      ids,
    );
    expect(slack.messages).toHaveLength(ids.length);
    expect(await service.metric('auditwatch_deliveries_total', { sink: 'webhook', outcome: 'retry' })).toBeGreaterThan(
      0,
    );
    expect(
      await service.metric('auditwatch_deliveries_total', { sink: 'webhook', outcome: 'rate_limited' }),
    ).toBeGreaterThan(0);
    expect(await service.metric('auditwatch_deliveries_total', { sink: 'slack', outcome: 'retry' })).toBe(0);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 600_000);
});
