import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { FaultHarness } from '../support/fault-harness.js';
import { groundTruth, produceEvents } from '../support/ground-truth.js';
import { scenario } from '../support/scenario.js';
import { until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-07T18:00:00.000Z';
const GIVE_UP_S = 20;

describe.skipIf(services() === null)('one poisoned alert', () => {
  let harness: FaultHarness | undefined;
  afterAll(() => harness?.close());

  it('holds up nothing, is retried with growing gaps, becomes a dead letter, and `alerts retry` re-delivers it', async () => {
    const events = scenario({ start: START, episodes: 3, noise: 20, seed: 41 });
    const ids = (await groundTruth(events)).map((a) => a.id);
    const poisoned = ids[0]!;
    const h = await new FaultHarness(requireServices()).start(2);
    harness = h;
    h.hook.refuseWhere((r) => r.alertId === poisoned, 500);
    const env = h.env({ AUDITWATCH_DELIVERY_GIVE_UP_AFTER: `${GIVE_UP_S}s` });
    const service = await h.service(env);
    await service.waitReady();

    const producedAt = Date.now();
    await produceEvents(h.producer, h.topic, events, START);
    const others = ids.filter((id) => id !== poisoned);
    await until(
      () => others.every((id) => h.hook.accepted().some((d) => d.id === id)),
      10_000,
      'every other alert within 10 s',
    );
    expect(Date.now() - producedAt).toBeLessThan(10_000);

    const failed = async () => runCli(['alerts', 'failed', '--json'], { env });
    await until(
      async () => (await failed()).stdout.includes(poisoned),
      (GIVE_UP_S + 60) * 1000,
      'the poisoned alert among the dead letters',
    );
    const deadLetter = JSON.parse((await failed()).stdout.trim().split('\n')[0]!) as {
      id: string;
      sink: string;
      attempts: number;
      lastError: string;
    };
    expect(deadLetter).toMatchObject({ id: poisoned, sink: 'webhook' });
    expect(deadLetter.lastError).toMatch(/gave up after 20 s: .*HTTP 500/);

    // Retried with growing gaps (backoff doubling, with jitter within each step).
    const tries = h.hook.requests.filter((r) => r.alertId === poisoned).map((r) => r.receivedAt);
    expect(tries.length).toBeGreaterThanOrEqual(4);
    const gaps = tries.slice(1).map((t, i) => t - tries[i]!);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThanOrEqual(gaps[i - 1]! - 250);
    expect(gaps.at(-1)!).toBeGreaterThan(1.5 * gaps[0]!);
    expect(await service.metric('auditwatch_dead_letters_total', { sink: 'webhook' })).toBe(1);

    // Operators' commands: unknown ids and sinks are clear errors; a retry re-delivers once the receiver accepts.
    const unknown = await runCli(['alerts', 'retry', 'feedfeedfeedfeedfeedfeedfeedfeed'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('feedfeedfeedfeedfeedfeedfeedfeed: no such alert');
    const noSink = await runCli(['alerts', 'pending', '--sink', 'nosuch'], { env });
    expect(noSink.code).toBe(2);
    expect(noSink.stderr).toContain('no sink named nosuch');
    h.hook.refuseWhere(undefined);
    const retried = await runCli(['alerts', 'retry', poisoned], { env });
    expect(retried.code).toBe(0);
    await until(() => h.hook.accepted().some((d) => d.id === poisoned), 15_000, 'the re-driven alert');
    expect((await failed()).stdout).toBe('');

    h.verdict(
      {
        test: 'Poisoned alert',
        load: `${events.length} events`,
        faults: `the webhook answers 500 for one alert, always; give-up after ${GIVE_UP_S} s, then \`alerts retry\``,
      },
      ids,
    );
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 300_000);
});
