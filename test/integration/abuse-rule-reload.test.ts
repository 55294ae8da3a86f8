import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaAuth } from '../support/events.js';
import { plainKafka } from '../support/ground-truth.js';
import { HOSTILE_RULE_FILES, type HostileRuleFile } from '../support/malformed.js';
import { freePort, runToExit, ServiceProcess, until } from '../support/service-process.js';
import { deleteKeys, requireServices, services, type Services } from '../support/services.js';
import { maybeUnset } from '../support/hooks.js';

const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`;
/** A start-up that has not failed by then is a hang. */
const START_TIMEOUT_MS = 20_000;
const REJECTED = HOSTILE_RULE_FILES.filter((f) => 'reject' in f.expect);

const GOOD = `version: 1.0.0
rules:
  - id: reload-guard
    title: Failed authentication (reload test)
    severity: low
    match: { outcome: failure, method: kafka.Authentication }
    detector: { type: any }
    throttle: 0s
  - id: reload-guard-two
    title: Second rule (reload test)
    severity: low
    match: { method: never.this }
    detector: { type: any }
`;
const ADDED = `version: 1.0.0
rules:
  - id: reload-added
    title: Added by a good reload
    severity: low
    match: { method: never.that }
    detector: { type: any }
`;

function baseEnv(s: Services, rulesDir: string): NodeJS.ProcessEnv {
  return {
    AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
    // Plaintext listener: SASL credentials from the developer's environment must not come along.
    AUDITWATCH_KAFKA_SASL_USERNAME: undefined,
    AUDITWATCH_KAFKA_SASL_PASSWORD: undefined,
    AUDITWATCH_REDIS_URL: s.redisUrl,
    AUDITWATCH_RULES_DIR: rulesDir,
    AUDITWATCH_LOG_LEVEL: 'info',
    AUDITWATCH_SHUTDOWN_GRACE: '5s',
  };
}

async function reload(
  service: ServiceProcess,
  token = ADMIN_TOKEN,
): Promise<{ status: number; body: { reloaded?: boolean; rules?: number; problems?: string[] } }> {
  const res = await fetch(`http://127.0.0.1:${service.port}/-/reload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as { reloaded?: boolean; problems?: string[] } };
}

/** The ids of the rules in a GET /rules body, sorted. */
const ruleIds = (body: string) => (JSON.parse(body) as { rules: { id: string }[] }).rules.map((r) => r.id).sort();

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aw-abuse-reload-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(services() === null)(
  'hostile rule files at start-up: the service exits naming the file, never hangs',
  () => {
    it.each(REJECTED.map((f) => [f.name, f] as const))('%s', async (_name, file: HostileRuleFile) => {
      const dir = tempDir();
      writeFileSync(join(dir, file.name), file.text());
      const started = Date.now();
      const result = await runToExit(
        {
          ...baseEnv(requireServices(), dir),
          AUDITWATCH_HTTP_PORT: String(await freePort()),
          AUDITWATCH_HTTP_HOST: '127.0.0.1',
        },
        START_TIMEOUT_MS,
      );
      expect(result.signal, `still running after ${START_TIMEOUT_MS} ms`).toBeNull();
      expect(result.code, result.output.slice(0, 500)).toBe(1);
      expect(result.output).toContain('auditwatch: invalid rules:');
      expect(result.output).toContain(file.name);
      const { reject } = file.expect as { reject: { rule?: string } };
      if (reject.rule !== undefined) expect(result.output).toContain(`rule ${reject.rule}`);
      expect(Date.now() - started).toBeLessThan(START_TIMEOUT_MS);
    });
  },
);

describe.skipIf(services() === null)('POST /-/reload with hostile rule files keeps the rules in force', () => {
  const topic = `aw-abuse-reload-${randomUUID()}`;
  const group = `aw-abuse-reload-${randomUUID()}`;
  const prefix = `aw-abuse-reload-${randomUUID()}`;
  let dir: string;
  let admin: Admin;
  let service: ServiceProcess;
  let rulesBefore: string;

  beforeAll(async () => {
    const s = requireServices();
    admin = plainKafka(s, 'aw-abuse-reload').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    dir = tempDir();
    writeFileSync(join(dir, 'good.yaml'), GOOD);
    service = new ServiceProcess(await freePort(), {
      ...baseEnv(s, dir),
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_REDIS_PREFIX: prefix,
      AUDITWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
      // These tests are about POST /-/reload: the directory watcher would reload the files on its own.
      AUDITWATCH_RULES_WATCH: 'false',
    });
    await service.waitReady();
    rulesBefore = (await service.get('/rules')).text;
    expect(ruleIds(rulesBefore)).toEqual(['reload-guard', 'reload-guard-two']);
  }, 60_000);

  afterAll(async () => {
    const kafkaAdmin = maybeUnset(admin);
    await maybeUnset(service)?.stopGracefully();
    await kafkaAdmin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await kafkaAdmin?.deleteGroups([group]).catch(() => undefined);
    await kafkaAdmin?.disconnect();
    await deleteKeys(requireServices().redisUrl, prefix);
  });

  it.each(REJECTED.map((f) => [f.name, f] as const))(
    '%s: 422 naming the file, GET /rules unchanged',
    async (_name, file: HostileRuleFile) => {
      const path = join(dir, file.name);
      writeFileSync(path, file.text());
      try {
        const started = Date.now();
        const res = await reload(service);
        expect(Date.now() - started, 'reload time').toBeLessThan(10_000);
        expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(422);
        expect(res.body.reloaded).toBe(false);
        expect(res.body.problems!.length).toBeGreaterThan(0);
        for (const problem of res.body.problems!) expect(problem).toContain(file.name);
        expect(JSON.stringify(res.body).length, 'problems stay short').toBeLessThan(10_000);
        expect((await service.get('/rules')).text).toBe(rulesBefore);
        expect((await service.get('/healthz')).status).toBe(200);
      } finally {
        unlinkSync(path);
      }
    },
  );

  it('after all that, the previous rules still raise alerts; a wrong token does not reload; a good file does', async () => {
    // The rules in force still work: a failed authentication raises reload-guard (stdout sink).
    const producer = plainKafka(requireServices(), 'aw-abuse-reload').producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        {
          value: JSON.stringify(
            kafkaAuth({
              id: `reload-${randomUUID()}`,
              time: new Date().toISOString(),
              credential: 'RELOADKEY0000001',
              ip: '192.0.2.7',
              ok: false,
            }),
          ),
        },
      ],
    });
    await producer.disconnect();
    await until(
      () => service.logs.some((l) => l.includes('"rule":"reload-guard"') && l.includes('alert raised')),
      30_000,
      'reload-guard alert',
    );

    writeFileSync(join(dir, 'added.yaml'), ADDED);
    expect((await reload(service, `${ADMIN_TOKEN.slice(0, -1)}x`)).status).toBe(401);
    expect((await service.get('/rules')).text).toBe(rulesBefore);
    const ok = await reload(service);
    expect(ok).toEqual({ status: 200, body: { reloaded: true, rules: 3 } });
    expect(ruleIds((await service.get('/rules')).text)).toEqual(['reload-added', 'reload-guard', 'reload-guard-two']);
  });
});
