import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { at, kafkaAuth, SECOND } from '../support/events.js';
import { FaultHarness } from '../support/fault-harness.js';
import { groundTruth } from '../support/ground-truth.js';
import { OwnRedis } from '../support/redis-server.js';
import { freePort, until, type ServiceProcess } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const T = '2026-03-03T10:00:00.000Z';
/** `count` bursts of five failed authentications, each of its own credential and IP (from `ipBase` on). */
const bursts = (prefix: string, count: number, offsetMs: number, ipBase: number) =>
  Array.from({ length: count }, (_, b) =>
    [0, 1, 2, 3, 4].map((n) =>
      kafkaAuth({
        time: at(T, offsetMs + b * 60_000 + n * SECOND),
        credential: `${prefix}${String(b).padStart(8, '0')}`,
        ip: `203.0.113.${ipBase + b}`,
        ok: false,
      }),
    ),
  ).flat();

describe.skipIf(services() === null)('Redis restarts while deliveries are pending', () => {
  let harness: FaultHarness | undefined;
  afterEach(() => harness?.close());

  async function setUp(redis: OwnRedis): Promise<{ h: FaultHarness; service: ServiceProcess }> {
    await redis.start();
    const h = await new FaultHarness(requireServices()).start(1);
    harness = h;
    h.onClose(() => redis.kill());
    h.hook.failFor(3_600_000, 503); // the sink is down: every alert stays pending
    const service = await h.service({ AUDITWATCH_REDIS_URL: redis.url, AUDITWATCH_LOG_LEVEL: 'info' });
    await service.waitReady();
    return { h, service };
  }

  async function send(h: FaultHarness, events: ReturnType<typeof bursts>): Promise<void> {
    await h.producer.send({ topic: h.topic, messages: events.map((e) => ({ value: JSON.stringify(e) })) });
  }

  it('with its data kept: the pending alerts are delivered once the sink is back, none lost, none twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aw-redis-aof-'));
    const redis = new OwnRedis(await freePort(), dir);
    const { h, service } = await setUp(redis);
    h.onClose(() => rm(dir, { recursive: true, force: true }));
    const events = bursts('KEPTKEY', 6, 0, 1);
    const ids = (await groundTruth(events)).map((a) => a.id);
    await send(h, events);
    await until(
      async () => (await service.metric('auditwatch_outbox_pending', { sink: 'webhook' })) === ids.length,
      30_000,
      'alerts pending',
    );

    await redis.kill();
    await new Promise((r) => setTimeout(r, 5_000));
    await redis.start();
    h.hook.failFor(0, 503);
    await h.drainedAndDelivered(ids.length, 120_000);
    h.verdict(
      {
        test: 'Redis restart, deliveries pending',
        load: `${events.length} events`,
        faults: 'sink down, Redis killed for 5 s and restarted with its data (AOF), then the sink recovers',
      },
      ids,
    );
    expect(await service.metric('auditwatch_alerts_lost_total')).toBe(0);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 240_000);

  it('with its data lost: what was pending is logged and counted as lost, and later alerts are delivered', async () => {
    const redis = new OwnRedis(await freePort());
    const { h, service } = await setUp(redis);
    const lost = bursts('LOSTKEY', 4, 0, 20);
    const lostIds = (await groundTruth(lost)).map((a) => a.id);
    await send(h, lost);
    await until(
      async () => (await service.metric('auditwatch_outbox_pending', { sink: 'webhook' })) === lostIds.length,
      30_000,
      'alerts pending',
    );
    await new Promise((r) => setTimeout(r, 6_000)); // one more measurement: the monitor knows them

    await redis.kill();
    await redis.start();
    await until(
      async () => (await service.metric('auditwatch_alerts_lost_total', { sink: 'webhook' })) === lostIds.length,
      30_000,
      'the loss to be counted',
    );
    const report = service.logs.find((l) => l.includes('Redis lost its data'));
    expect(report).toBeDefined();
    expect(JSON.parse(report!)).toMatchObject({
      sink: 'webhook',
      lost: lostIds.length,
      alerts: expect.arrayContaining(lostIds) as unknown,
    });

    h.hook.failFor(0, 503);
    const later = bursts('LATERKEY', 2, 3_600_000, 40);
    const laterIds = (await groundTruth(later)).map((a) => a.id);
    await send(h, later);
    await until(
      () => laterIds.every((id) => h.hook.accepted().some((d) => d.id === id)),
      60_000,
      'alerts raised after the loss',
    );
    expect(h.hook.accepted().filter((d) => lostIds.includes(d.id))).toEqual([]);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 240_000);
});
