import { randomBytes, randomUUID } from 'node:crypto';
import type { Admin, Kafka, Message } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { DECODE_REASONS, decodeRecord, type DecodeReason } from '../../src/decode/decode.js';
import { Engine } from '../../src/engine/engine.js';
import { loadRules } from '../../src/engine/rule-loader.js';
import { replay } from '../../src/replay.js';
import { BUNDLED_RULES_DIR } from '../../src/settings.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { controlPlane, kafkaAuth, mdsAuthorize, type RawEvent } from '../support/events.js';
import { startFakeWebhookReceiver } from '../support/fake-sinks.js';
import { duplicates, plainKafka } from '../support/ground-truth.js';
import { CORPUS_MARKER, malformedCorpus } from '../support/malformed.js';
import { recordReliability } from '../support/reliability-report.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { deleteKeys, requireServices, services } from '../support/services.js';

/** Saturday evening UTC: the OrganizationAdmin grant is also an after-hours change. */
const START = '2026-03-07T18:00:00.000Z';
const RECORDS = 16_000;
/** Resident memory the service may use while chewing the corpus (it is ~100 MB idle). */
const RSS_BOUND = 300 * 1024 * 1024;
/** Largest produce request, bytes (the topic allows 4 MiB messages; records over 1 MiB go alone). */
const SEND_BYTES = 1024 * 1024;

interface StreamRecord {
  value: Buffer | null;
  timestampMs: number;
  valid: boolean;
}

/**
 * The corpus with valid events woven in, all in event-time order: a background
 * event every 75 records, a burst of five failed authentications for one
 * credential (failed-auth-burst) and an OrganizationAdmin grant
 * (privileged-role-granted, after-hours-org-change).
 */
function stream(): StreamRecord[] {
  const corpus = malformedCorpus({ seed: 20260307, count: RECORDS, start: START, stepMs: 1000 });
  const out: StreamRecord[] = [];
  const valid = (event: RawEvent): void =>
    void out.push({
      value: Buffer.from(JSON.stringify(event)),
      timestampMs: Date.parse(String(event.time)),
      valid: true,
    });
  corpus.forEach((record, i) => {
    out.push({ value: record.value, timestampMs: record.timeMs, valid: false });
    const time = new Date(record.timeMs + 500).toISOString();
    const k = i % 20;
    if (i % 75 === 0) {
      valid(
        i % 150 === 0
          ? kafkaAuth({
              id: `bg-${i}`,
              time,
              credential: `BGKEY${String(k).padStart(11, '0')}`,
              ip: `10.200.${k}.1`,
              ok: true,
              principal: `User:sa-bg${k}`,
            })
          : mdsAuthorize({ id: `bg-${i}`, time, principal: `User:u-bg${k}` }),
      );
    }
    if (i >= 4000 && i < 4005)
      valid(kafkaAuth({ id: `burst-${i}`, time, credential: 'BRUTEKEY00000001', ip: '203.0.113.66', ok: false }));
    if (i === 9000) {
      valid(
        controlPlane({
          id: 'grant-1',
          time,
          method: 'BindRoleForPrincipal',
          user: 'u-intruder',
          email: 'intruder@example.com',
          ip: '203.0.113.66',
          resource: { type: 'ROLE_BINDING', resourceId: 'rb-1' },
          requestData: { principal: 'User:sa-evil', role_name: 'OrganizationAdmin' },
        }),
      );
    }
  });
  return out;
}

/** Groups messages into produce requests of at most SEND_BYTES (a larger record goes alone). */
function requests(records: readonly StreamRecord[]): Message[][] {
  const batches: Message[][] = [];
  let current: Message[] = [];
  let size = 0;
  for (const r of records) {
    const bytes = r.value?.length ?? 0;
    if (current.length > 0 && size + bytes > SEND_BYTES) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push({ value: r.value, timestamp: String(r.timestampMs) });
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

describe.skipIf(services() === null)('a malformed corpus on the audit topic (real Kafka, Redis, webhook)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it(`counts each of ${RECORDS.toLocaleString('en')} malformed records by the decoder's reason, delivers the woven-in alerts once, keeps running in bounded memory`, async () => {
    const s = requireServices();
    const records = stream();
    const corpusBytes = records.reduce((n, r) => n + (r.value?.length ?? 0), 0);

    // Ground truth from the real decoder (with the Kafka timestamp as fallback time, as the service does) and replay.
    const expectedFailures = new Map<DecodeReason, number>();
    const decoded = records.map((r, i) => ({
      ...decodeRecord(r.value, { fallbackTimeMs: r.timestampMs }),
      lineNumber: i + 1,
    }));
    for (const d of decoded) if (!d.ok) expectedFailures.set(d.reason, (expectedFailures.get(d.reason) ?? 0) + 1);
    const failures = [...expectedFailures.values()].reduce((a, b) => a + b, 0);
    const decodable = records.length - failures;
    const validAt = records.flatMap((r, i) => (r.valid ? [i] : []));
    expect(validAt.length).toBeGreaterThan(200);
    expect(validAt.filter((i) => !decoded[i]!.ok)).toEqual([]);
    expect(failures).toBeGreaterThanOrEqual(10_000);
    const expected: Alert[] = [];
    await replay(decoded, {
      engine: new Engine(loadRules(BUNDLED_RULES_DIR).enabled, new MemoryStateStore()),
      onAlert: (a) => void expected.push(a),
    });
    const rules = expected.map((a) => a.rule).sort();
    expect(rules).toEqual(expect.arrayContaining(['failed-auth-burst', 'privileged-role-granted']));
    expect(rules.filter((r) => r === 'failed-auth-burst')).toHaveLength(1);

    const kafka: Kafka = plainKafka(s, 'aw-abuse-corpus');
    const admin: Admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = `aw-abuse-corpus-${randomUUID()}`;
    const group = `aw-abuse-corpus-${randomUUID()}`;
    const prefix = `aw-abuse-corpus-${randomUUID()}`;
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(4 * 1024 * 1024) }] },
      ],
      waitForLeaders: true,
    });
    cleanup.push(() => admin.deleteTopics({ topics: [topic] }));
    const producer = kafka.producer();
    await producer.connect();
    for (const messages of requests(records)) await producer.send({ topic, messages });
    await producer.disconnect();

    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const hook = await startFakeWebhookReceiver({ secret });
    cleanup.push(() => hook.close());
    cleanup.push(() => deleteKeys(s.redisUrl, prefix));
    cleanup.push(() => admin.deleteGroups([group]));

    const service = new ServiceProcess(await freePort(), {
      AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
      // Plaintext listener: SASL credentials from the developer's environment must not come along.
      AUDITWATCH_KAFKA_SASL_USERNAME: undefined,
      AUDITWATCH_KAFKA_SASL_PASSWORD: undefined,
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_REDIS_URL: s.redisUrl,
      AUDITWATCH_REDIS_PREFIX: prefix,
      AUDITWATCH_WEBHOOK_URL: hook.url,
      AUDITWATCH_WEBHOOK_SECRET: secret,
      AUDITWATCH_SHUTDOWN_GRACE: '10s',
      AUDITWATCH_LOG_LEVEL: 'info',
    });
    cleanup.push(() => service.stopGracefully());
    await service.waitReady();

    // Poll progress and resident memory until every record has been counted one way or the other.
    let peakRss = 0;
    const seen = async (): Promise<number> => {
      peakRss = Math.max(peakRss, await service.metric('auditwatch_process_resident_memory_bytes'));
      return (
        (await service.metric('auditwatch_events_consumed_total')) +
        (await service.metric('auditwatch_decode_failures_total'))
      );
    };
    await until(async () => (await seen()) >= records.length, 45_000, `${records.length} records consumed`);
    await until(() => hook.deliveries.length >= expected.length, 20_000, `${expected.length} deliveries`);
    await new Promise((r) => setTimeout(r, 2_000)); // time for a duplicate to show up
    peakRss = Math.max(peakRss, await service.metric('auditwatch_process_resident_memory_bytes'));

    const deliveredIds = hook.deliveries.map((d) => d.id);
    const expectedIds = new Set(expected.map((a) => a.id));
    const byReason = [...expectedFailures]
      .sort(([, a], [, b]) => b - a)
      .map(([reason, n]) => `${reason} ${n.toLocaleString('en')}`)
      .join(', ');
    recordReliability({
      test: 'Malformed corpus',
      load: `${RECORDS.toLocaleString('en')} malformed records (${failures.toLocaleString('en')} not audit events) + ${(records.length - RECORDS).toLocaleString('en')} valid events, ${(corpusBytes / 1024 / 1024).toFixed(0)} MB, 1 partition; service peak RSS under ${RSS_BOUND / 1024 / 1024} MB`,
      faults: `malformed records by reason: ${byReason}`,
      expected: expected.length,
      delivered: new Set(deliveredIds.filter((id) => expectedIds.has(id))).size,
      duplicated: duplicates(deliveredIds).length,
    });

    // Each reason counted exactly as the decoder classifies, and nothing else; every decodable record consumed.
    for (const reason of DECODE_REASONS)
      expect(await service.metric('auditwatch_decode_failures_total', { reason }), reason).toBe(
        expectedFailures.get(reason) ?? 0,
      );
    expect(await service.metric('auditwatch_decode_failures_total')).toBe(failures);
    expect(await service.metric('auditwatch_events_consumed_total')).toBe(decodable);
    // Exactly the ground truth's alerts, each once, signed.
    expect(deliveredIds.slice().sort()).toEqual([...expectedIds].sort());
    expect(hook.verifications.every((v) => v.ok)).toBe(true);
    // Still alive and ready, within the memory bound, and no record's content in any log line.
    expect((await service.get('/healthz')).status).toBe(200);
    expect((await service.get('/readyz')).status).toBe(200);
    expect(peakRss).toBeGreaterThan(0);
    expect(peakRss, `peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB`).toBeLessThan(RSS_BOUND);
    expect(service.logs.filter((l) => l.includes('skipped a record that is not an audit event'))).toHaveLength(
      failures,
    );
    expect(service.logs.filter((l) => l.includes(CORPUS_MARKER))).toEqual([]);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
