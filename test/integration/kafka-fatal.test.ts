import { randomBytes, randomUUID } from 'node:crypto';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainKafka } from '../support/ground-truth.js';
import { freePort, runToExit, ServiceProcess, until } from '../support/service-process.js';
import { deleteKeys, requireServices, services, type Services } from '../support/services.js';

/** `auditwatch run` exits with this when Kafka will not let it work (src/main.ts). */
const EXIT_KAFKA_FATAL = 3;
/** Bound on every run here: each failure is reported within seconds, a hang is the failure under test. */
const RUN_TIMEOUT_MS = 45_000;

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  reason?: string;
  hint?: string;
}

const prefix = `aw-kafka-fatal-${randomUUID()}`;
const lines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
const fatalLine = (output: string) =>
  lines(output).find((l) => l.msg === 'kafka consumer cannot continue; stopping the service');

function env(s: Services, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
    AUDITWATCH_KAFKA_TOPIC: `aw-kafka-fatal-${randomUUID()}`,
    AUDITWATCH_KAFKA_GROUP_ID: `aw-kafka-fatal-${randomUUID()}`,
    AUDITWATCH_REDIS_URL: s.redisUrl,
    AUDITWATCH_REDIS_PREFIX: prefix,
    AUDITWATCH_HTTP_HOST: '127.0.0.1',
    AUDITWATCH_SHUTDOWN_GRACE: '5s',
    ...extra,
  };
}

/** The user without ACLs on the SASL_PLAINTEXT listener (scripts/local-services.sh makes it). */
function deniedUser(s: Services): NodeJS.ProcessEnv {
  if (s.saslBrokers === undefined || s.saslDeniedUsername === undefined || s.saslDeniedPassword === undefined) {
    throw new Error(
      'no SASL user without ACLs: set AUDITWATCH_KAFKA_SASL_BROKERS, AUDITWATCH_KAFKA_SASL_DENIED_USERNAME and _PASSWORD',
    );
  }
  return {
    AUDITWATCH_KAFKA_BROKERS: s.saslBrokers.join(','),
    AUDITWATCH_KAFKA_SASL_USERNAME: s.saslDeniedUsername,
    AUDITWATCH_KAFKA_SASL_PASSWORD: s.saslDeniedPassword,
  };
}

async function run(extra: NodeJS.ProcessEnv) {
  const result = await runToExit(
    { ...env(requireServices(), extra), AUDITWATCH_HTTP_PORT: String(await freePort()) },
    RUN_TIMEOUT_MS,
  );
  expect(result.signal, `still running after ${RUN_TIMEOUT_MS} ms:\n${result.output.slice(-2000)}`).toBeNull();
  expect(result.code, result.output.slice(-2000)).toBe(EXIT_KAFKA_FATAL);
  return { ...result, fatal: fatalLine(result.output) };
}

describe.skipIf(services() === null)(
  'a consumer that cannot work exits with code 3 (real broker, `node dist/main.js run`)',
  () => {
    let admin: Admin;
    const topics: string[] = [];
    const acls: Parameters<Admin['deleteAcls']>[0]['filters'] = [];

    beforeAll(async () => {
      admin = plainKafka(requireServices(), 'aw-kafka-fatal').admin();
      await admin.connect();
    });
    afterAll(async () => {
      if (acls.length > 0) await admin.deleteAcls({ filters: acls }).catch(() => undefined);
      if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
      await deleteKeys(requireServices().redisUrl, prefix);
    });

    async function topic(): Promise<string> {
      const name = `aw-kafka-fatal-${randomUUID()}`;
      await admin.createTopics({ topics: [{ topic: name, numPartitions: 1 }], waitForLeaders: true });
      topics.push(name);
      return name;
    }

    it('a wrong SASL password: AW_ERR_KAFKA_AUTH naming the credentials, exit 3, no password anywhere', async () => {
      const s = requireServices();
      const wrong = `wrong-${randomBytes(16).toString('hex')}`;
      const sasl = {
        AUDITWATCH_KAFKA_BROKERS: s.saslBrokers!.join(','),
        AUDITWATCH_KAFKA_SASL_USERNAME: s.saslUsername,
        AUDITWATCH_KAFKA_SASL_PASSWORD: wrong,
      };
      const { fatal, output } = await run(sasl);
      expect(fatal?.code).toBe('AW_ERR_KAFKA_AUTH');
      expect(fatal?.reason).toMatch(/Invalid username or password/);
      expect(fatal?.hint).toContain('AUDITWATCH_KAFKA_SASL_PASSWORD');
      expect(output).not.toContain(wrong);
      expect(output).not.toContain(s.saslPassword);
    });

    it('a topic that does not exist: AW_ERR_KAFKA_TOPIC naming the topic setting, exit 3, and the topic is not created', async () => {
      const missing = `aw-kafka-fatal-missing-${randomUUID()}`;
      const { fatal } = await run({ AUDITWATCH_KAFKA_TOPIC: missing });
      expect(fatal?.code).toBe('AW_ERR_KAFKA_TOPIC');
      expect(fatal?.hint).toContain('AUDITWATCH_KAFKA_TOPIC');
      // The broker creates topics on request (auto.create.topics.enable=true): the consumer must not ask.
      expect(await admin.listTopics()).not.toContain(missing);
    });

    it('a dead-letter topic that does not exist: AW_ERR_KAFKA_TOPIC naming AUDITWATCH_KAFKA_DLQ_TOPIC, exit 3', async () => {
      const { fatal } = await run({
        AUDITWATCH_KAFKA_TOPIC: await topic(),
        AUDITWATCH_KAFKA_DLQ_TOPIC: `aw-kafka-fatal-dlq-${randomUUID()}`,
      });
      expect(fatal?.code).toBe('AW_ERR_KAFKA_TOPIC');
      expect(fatal?.hint).toContain('AUDITWATCH_KAFKA_DLQ_TOPIC');
    });

    it('a user without ACLs on the topic: AW_ERR_KAFKA_AUTHZ naming the topic setting, exit 3', async () => {
      const { fatal } = await run({ AUDITWATCH_KAFKA_TOPIC: await topic(), ...deniedUser(requireServices()) });
      expect(fatal?.code).toBe('AW_ERR_KAFKA_AUTHZ');
      expect(fatal?.reason).toContain('Not authorized to access topics');
      expect(fatal?.hint).toContain('AUDITWATCH_KAFKA_TOPIC');
    });

    it('a user with READ on the topic but not on the group: an AW_ERR_KAFKA_AUTHZ line naming the group setting, exit 3', async () => {
      const name = await topic();
      const principal = `User:${requireServices().saslDeniedUsername}`;
      const resource = {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: name,
        resourcePatternType: ResourcePatternTypes.LITERAL,
      };
      const acl = {
        ...resource,
        principal,
        host: '*',
        operation: AclOperationTypes.READ,
        permissionType: AclPermissionTypes.ALLOW,
      };
      await admin.createAcls({ acl: [acl] });
      acls.push(acl);
      const { output, fatal } = await run({ AUDITWATCH_KAFKA_TOPIC: name, ...deniedUser(requireServices()) });
      const denied = lines(output).find((l) => l.code === 'AW_ERR_KAFKA_AUTHZ');
      expect(denied?.msg).toBe('kafka authorization failed');
      expect(denied?.hint).toContain('AUDITWATCH_KAFKA_GROUP_ID');
      expect(fatal).toBeDefined();
    });

    it('the topic deleted while the service runs: AW_ERR_KAFKA_TOPIC, exit 3 (it had been ready)', async () => {
      const name = await topic();
      const service = new ServiceProcess(
        await freePort(),
        env(requireServices(), { AUDITWATCH_KAFKA_TOPIC: name, AUDITWATCH_LOG_LEVEL: 'info' }),
      );
      try {
        await service.waitReady();
        await admin.deleteTopics({ topics: [name] });
        const exit = await Promise.race([
          service.exit,
          new Promise<'running'>((r) => setTimeout(() => r('running'), RUN_TIMEOUT_MS)),
        ]);
        expect(exit, service.logs.slice(-20).join('\n')).toBe(EXIT_KAFKA_FATAL);
        const fatal = fatalLine(service.logs.join('\n'));
        expect(fatal?.code).toBe('AW_ERR_KAFKA_TOPIC');
        expect(fatal?.hint).toContain('deleted');
      } finally {
        await service.stop('SIGKILL');
      }
    }, 90_000);

    it('SIGTERM still exits 0 (the graceful path is unchanged)', async () => {
      const service = new ServiceProcess(
        await freePort(),
        env(requireServices(), { AUDITWATCH_KAFKA_TOPIC: await topic() }),
      );
      try {
        await service.waitReady();
        await until(async () => (await service.get('/healthz')).status === 200, 5_000, '/healthz');
        expect(await service.stop('SIGTERM')).toBe(0);
      } finally {
        await service.stop('SIGKILL');
      }
    });
  },
);
