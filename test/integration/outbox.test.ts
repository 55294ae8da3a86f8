import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { Dispatcher } from '../../src/alerts/dispatcher.js';
import { Outbox } from '../../src/alerts/outbox.js';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { SinkError, type Sink } from '../../src/sinks/sink.js';
import { requireServices, services } from '../support/services.js';

const clients: Redis[] = [];
function client(): Redis {
  const c = new Redis(requireServices().redisUrl, { maxRetriesPerRequest: 2 });
  clients.push(c);
  return c;
}
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});

function alert(id: string, severity: Alert['severity'] = 'high'): Alert {
  return { id, rule: 'r', ruleVersion: '1.0.0', title: 'T', severity, tags: [], time: '2026-01-01T00:00:00.000Z', trigger: 'e', key: {}, count: 1, events: ['e'], summary: 's', context: {} };
}

/** A sink that records deliveries and fails as scripted. */
function recordingSink(name: string, failures: SinkError[] = []): Sink & { delivered: string[] } {
  let calls = 0;
  return {
    name,
    kind: 'webhook',
    delivered: [],
    async deliver(a: Alert) {
      const failure = failures[calls++];
      if (failure) throw failure;
      this.delivered.push(a.id);
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(services() === null)('Outbox and Dispatcher (real Redis)', () => {
  it('enqueues each alert id once, for each routed sink', async () => {
    const outbox = new Outbox(client(), `aw-test-${randomUUID()}`);
    expect(await outbox.enqueue([{ alert: alert('a1'), sinks: ['slack', 'pd'] }, { alert: alert('a2'), sinks: ['slack'] }])).toBe(2);
    expect(await outbox.enqueue([{ alert: alert('a1'), sinks: ['slack', 'pd'] }, { alert: alert('a3'), sinks: [] }])).toBe(1);
    expect(await outbox.backlog('slack')).toBe(2);
    expect(await outbox.backlog('pd')).toBe(1);
  });

  it('hands an entry to one consumer; a dead consumer’s entries are claimed after the idle time', async () => {
    const prefix = `aw-test-${randomUUID()}`;
    const outbox = new Outbox(client(), prefix);
    await outbox.enqueue([{ alert: alert('a1'), sinks: ['s'] }]);
    const first = await outbox.read('s', 'replica-1', 10, 100, false);
    expect(first.map((e) => e.alert.id)).toEqual(['a1']);
    expect(await outbox.read('s', 'replica-2', 10, 100, false)).toEqual([]);
    expect(await outbox.claimStale('s', 'replica-2', 60_000, 10)).toEqual([]);
    await new Promise((r) => setTimeout(r, 150));
    const claimed = await outbox.claimStale('s', 'replica-2', 100, 10);
    expect(claimed.map((e) => e.alert.id)).toEqual(['a1']);
    // After a restart, a consumer first gets its own pending entries back.
    expect((await outbox.read('s', 'replica-2', 10, 100, true)).map((e) => e.alert.id)).toEqual(['a1']);
    await outbox.done('s', claimed[0]!);
    expect(await outbox.backlog('s')).toBe(0);
    expect(await outbox.wasDelivered('s', 'a1')).toBe(true);
  });

  it('delivers every alert once per sink; a failing sink delays only itself, then dead-letters a hopeless alert', async () => {
    const redis = client();
    const prefix = `aw-test-${randomUUID()}`;
    const outbox = new Outbox(redis, prefix);
    const good = recordingSink('good');
    const flaky = recordingSink('flaky', [new SinkError('flaky', 'HTTP 500', true, undefined, 500), new SinkError('flaky', 'HTTP 400', false, undefined, 400)]);
    const metrics = new Metrics();
    metrics.allow([], ['good', 'flaky']);
    const dispatcher = new Dispatcher({ redis, prefix, sinks: [good, flaky], consumer: 'c1', giveUpAfterMs: 60_000, attemptTimeoutMs: 1_000, log: createLogger('silent'), metrics });
    dispatcher.start();
    await outbox.enqueue([1, 2, 3].map((n) => ({ alert: alert(`a${n}`), sinks: ['good', 'flaky'] })));
    await until(() => good.delivered.length === 3);
    await until(() => flaky.delivered.length === 2);
    await until(async () => (await redis.xlen(outbox.deadLetterKey)) === 1);
    await dispatcher.close(1_000);
    expect(good.delivered).toEqual(['a1', 'a2', 'a3']);
    expect(flaky.delivered).toEqual(['a2', 'a3']);
    const dead = (await redis.xrange(outbox.deadLetterKey, '-', '+'))[0]![1];
    expect(dead).toEqual(expect.arrayContaining(['sink', 'flaky', 'id', 'a1']));
    const text = await metrics.registry.getSingleMetricAsString('auditwatch_deliveries_total');
    expect(text).toContain('auditwatch_deliveries_total{sink="flaky",outcome="dead_letter"} 1');
    expect(text).toContain('auditwatch_deliveries_total{sink="good",outcome="success"} 3');
  }, 30_000);
});
