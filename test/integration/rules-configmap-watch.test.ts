import { randomBytes, randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigMapDir } from '../support/configmap-dir.js';
import { plainKafka } from '../support/ground-truth.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { deleteKeys, requireServices, services } from '../support/services.js';
import { maybeUnset } from '../support/hooks.js';

/**
 * Custom rules from a ConfigMap volume, updated in place the way the kubelet does it
 * (new `..<timestamp>` directory, `..data_tmp` symlink renamed over `..data`), under a
 * running `auditwatch run`: a good change is loaded without a restart, a bad one is
 * logged and counted while the previous rules stay in force.
 */
const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`;
const rule = (id: string, extra = '') => `version: 1.0.0
rules:
  - id: ${id}
    title: Rule ${id} (ConfigMap test)
    severity: low
    match: { method: kafka.Authentication${extra} }
    detector: { type: any }
`;
/** Valid YAML, invalid rule: an unknown detector. */
const BAD = `version: 1.0.0
rules:
  - id: cm-broken
    title: Broken
    severity: low
    match: { method: kafka.Authentication }
    detector: { type: telepathy }
`;

/** The `hash` label of every auditwatch_rules_info series. */
async function ruleHashes(service: ServiceProcess): Promise<string[]> {
  const { text } = await service.get('/metrics');
  return [...text.matchAll(/^auditwatch_rules_info\{hash="([0-9a-f]+)"\} 1$/gm)].map((m) => m[1]!);
}

async function ruleIds(service: ServiceProcess): Promise<string[]> {
  return (JSON.parse((await service.get('/rules')).text) as { rules: Array<{ id: string }> }).rules
    .map((r) => r.id)
    .sort();
}

describe.skipIf(services() === null)(
  'rules follow a ConfigMap volume (kubelet-style ..data swap) under the running service',
  () => {
    const topic = `aw-cm-watch-${randomUUID()}`;
    const group = `aw-cm-watch-${randomUUID()}`;
    const prefix = `aw-cm-watch-${randomUUID()}`;
    let admin: Admin;
    let dir: ConfigMapDir;
    let service: ServiceProcess;
    const reloads = (result: string) => service.metric('auditwatch_rules_reloads_total', { result });

    beforeAll(async () => {
      const s = requireServices();
      admin = plainKafka(s, 'aw-cm-watch').admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      dir = ConfigMapDir.create({ 'custom.yaml': rule('cm-one') });
      service = new ServiceProcess(await freePort(), {
        AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
        AUDITWATCH_KAFKA_SASL_USERNAME: undefined,
        AUDITWATCH_KAFKA_SASL_PASSWORD: undefined,
        AUDITWATCH_KAFKA_TOPIC: topic,
        AUDITWATCH_KAFKA_GROUP_ID: group,
        AUDITWATCH_REDIS_URL: s.redisUrl,
        AUDITWATCH_REDIS_PREFIX: prefix,
        AUDITWATCH_RULES_DIR: dir.path,
        AUDITWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
        AUDITWATCH_LOG_LEVEL: 'info',
        AUDITWATCH_SHUTDOWN_GRACE: '5s',
      });
      await service.waitReady();
    }, 90_000);

    afterAll(async () => {
      const kafkaAdmin = maybeUnset(admin);
      await maybeUnset(service)?.stopGracefully();
      maybeUnset(dir)?.remove();
      await kafkaAdmin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await kafkaAdmin?.deleteGroups([group]).catch(() => undefined);
      await kafkaAdmin?.disconnect();
      await deleteKeys(requireServices().redisUrl, prefix);
    });

    it('a good swap is loaded, a bad one is counted and changes nothing, POST /-/reload counts too, and the next good swap wins', async () => {
      expect(await ruleIds(service)).toEqual(['cm-one']);
      expect(await reloads('success')).toBe(0);
      expect(await reloads('failure')).toBe(0);
      const [initial, ...others] = await ruleHashes(service);
      expect(others).toEqual([]);

      // A good change: one more file and an edited one.
      dir.update({ 'custom.yaml': rule('cm-one', ', outcome: failure'), 'more.yaml': rule('cm-two') });
      await until(async () => (await ruleIds(service)).includes('cm-two'), 15_000, 'the new rules loaded');
      expect(await ruleIds(service)).toEqual(['cm-one', 'cm-two']);
      expect(await reloads('success')).toBe(1);
      const [second, ...stale] = await ruleHashes(service);
      expect(stale, 'the old hash has no series left').toEqual([]);
      expect(second).not.toBe(initial);
      const rulesBefore = (await service.get('/rules')).text;

      // A bad change: logged, counted, the previous rules stay in force.
      dir.update({ 'custom.yaml': rule('cm-one'), 'more.yaml': BAD });
      await until(async () => (await reloads('failure')) === 1, 15_000, 'the failed reload counted');
      expect((await service.get('/rules')).text).toBe(rulesBefore);
      expect(await ruleHashes(service)).toEqual([second]);
      expect(
        service.logs.some(
          (l) => l.includes('rule reload failed; keeping the previous rules') && l.includes('more.yaml'),
        ),
      ).toBe(true);
      expect((await service.get('/readyz')).status).toBe(200);

      // The HTTP reload goes through the same code path and the same counter.
      const res = await fetch(`http://127.0.0.1:${service.port}/-/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(422);
      expect(await reloads('failure')).toBe(2);
      expect(await reloads('success')).toBe(1);

      // Fixed in the ConfigMap: loaded again, without a restart.
      dir.update({ 'custom.yaml': rule('cm-one'), 'more.yaml': rule('cm-three') });
      await until(async () => (await ruleIds(service)).includes('cm-three'), 15_000, 'the fixed rules loaded');
      expect(await ruleIds(service)).toEqual(['cm-one', 'cm-three']);
      expect(await reloads('success')).toBe(2);
      expect((await ruleHashes(service)).length).toBe(1);
    });
  },
);
