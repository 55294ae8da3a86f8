import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { saslSslServiceEnv } from '../support/sasl-ssl.js';
import { freePort, runToExit, ServiceProcess, until } from '../support/service-process.js';
import { deleteKeys, requireServices, services } from '../support/services.js';

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  reason?: string;
  hint?: string;
}

const prefix = `aw-tls-errors-${randomUUID()}`;
const dir = mkdtempSync(join(tmpdir(), 'aw-tls-errors-'));
// A real public root CA (Node's bundle): valid PEM, but it did not sign the local broker's certificate.
const wrongCaFile = join(dir, 'wrong-ca.pem');
writeFileSync(wrongCaFile, rootCertificates[0]!);

function baseEnv(): NodeJS.ProcessEnv {
  return {
    AUDITWATCH_KAFKA_TOPIC: `aw-tls-errors-${randomUUID()}`,
    AUDITWATCH_KAFKA_GROUP_ID: `aw-tls-errors-${randomUUID()}`,
    AUDITWATCH_REDIS_URL: requireServices().redisUrl,
    AUDITWATCH_REDIS_PREFIX: prefix,
    AUDITWATCH_LOG_LEVEL: 'debug',
    AUDITWATCH_SHUTDOWN_GRACE: '5s',
    AUDITWATCH_HTTP_HOST: '127.0.0.1',
  };
}

/** Runs the service until it logs an error with `code` (bounded), then stops it; returns that line and all output. */
async function firstError(
  env: NodeJS.ProcessEnv,
  code: string,
): Promise<{ line: LogLine; output: string; readyz: number }> {
  const service = new ServiceProcess(await freePort(), { ...baseEnv(), ...env });
  try {
    const find = () =>
      service.logs
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine)
        .find((l) => l.code === code);
    await until(() => find() !== undefined, 30_000, `a log line with code ${code}; logs:\n${service.logs.join('\n')}`);
    const readyz = (await service.get('/readyz')).status;
    await service.stopGracefully(8_000);
    return { line: find()!, output: service.logs.join('\n'), readyz };
  } finally {
    await service.stop('SIGKILL');
  }
}

describe.skipIf(services() === null)(
  'Kafka TLS and authentication failures of `auditwatch run` (real SASL_SSL listener)',
  () => {
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await deleteKeys(requireServices().redisUrl, prefix);
    });

    it.each([
      ['a CA file that did not sign the broker certificate', { AUDITWATCH_KAFKA_SSL_CA_FILE: wrongCaFile }],
      ['no CA file (the public CAs, as for Confluent Cloud)', { AUDITWATCH_KAFKA_SSL_CA_FILE: undefined }],
    ])(
      '%s: a clear TLS error naming the CA setting, not ready, no password',
      async (_, override) => {
        const env: NodeJS.ProcessEnv = { ...saslSslServiceEnv(requireServices()), ...override };
        const { line, output, readyz } = await firstError(env, 'AW_ERR_KAFKA_TLS');
        expect(line.level).toBe(50);
        expect(line.msg).toBe('kafka TLS handshake failed');
        expect(line.reason).toMatch(/certificate/);
        expect(line.hint).toContain('AUDITWATCH_KAFKA_SSL_CA_FILE');
        expect(readyz).toBe(503);
        expect(output).not.toContain(requireServices().saslPassword);
      },
      60_000,
    );

    it('a wrong password over SASL_SSL: a clear authentication error naming the credentials, exit 3, neither password anywhere', async () => {
      const s = requireServices();
      const wrong = `wrong-${randomBytes(16).toString('hex')}`;
      // Retrying cannot fix refused credentials: the service says why and exits (src/main.ts, exit code 3).
      const env = {
        ...baseEnv(),
        ...saslSslServiceEnv(s),
        AUDITWATCH_KAFKA_SASL_PASSWORD: wrong,
        AUDITWATCH_HTTP_PORT: String(await freePort()),
      };
      const result = await runToExit(env, 30_000);
      expect(result.code, result.output.slice(-2000)).toBe(3);
      const line = result.output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine)
        .find((l) => l.code === 'AW_ERR_KAFKA_AUTH');
      expect(line?.msg).toBe('kafka authentication failed');
      expect(line?.reason).toMatch(/Invalid username or password/);
      expect(line?.hint).toContain('AUDITWATCH_KAFKA_SASL_PASSWORD');
      expect(result.output).not.toContain(wrong);
      expect(result.output).not.toContain(s.saslPassword);
    }, 60_000);

    it('TLS against a listener without TLS (SASL_PLAINTEXT): a TLS error that suggests AUDITWATCH_KAFKA_SSL=false', async () => {
      const s = requireServices();
      const env = { ...saslSslServiceEnv(s), AUDITWATCH_KAFKA_BROKERS: s.saslBrokers!.join(',') };
      const { line, output } = await firstError(env, 'AW_ERR_KAFKA_TLS');
      expect(line.hint).toContain('AUDITWATCH_KAFKA_SSL=false');
      expect(output).not.toContain(s.saslPassword);
    }, 60_000);

    it('no TLS against the SASL_SSL listener: a connection error that suggests AUDITWATCH_KAFKA_SSL=true', async () => {
      const s = requireServices();
      const env = { ...saslSslServiceEnv(s), AUDITWATCH_KAFKA_SSL: 'false', AUDITWATCH_KAFKA_SSL_CA_FILE: undefined };
      const { line, output } = await firstError(env, 'AW_ERR_KAFKA_CONNECT');
      expect(line.hint).toContain('AUDITWATCH_KAFKA_SSL=true');
      expect(output).not.toContain(s.saslPassword);
    }, 60_000);
  },
);
