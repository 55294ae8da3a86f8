import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('auditwatch run with a bad configuration (built CLI)', () => {
  it('lists every problem at once, exits 2 and echoes no secret', async () => {
    const secret = 'sup3r-s3cret-passw0rd-value';
    const env = {
      AUDITWATCH_KAFKA_BROKERS: '',
      AUDITWATCH_REDIS_URL: '',
      AUDITWATCH_KAFKA_SASL_PASSWORD: secret,
      AUDITWATCH_SLACK_WEBHOOK_URL: `ftp://${secret}@example.com`,
      AUDITWATCH_HTTP_PORT: '99999',
    };
    const { code, stdout, stderr } = await runCli(['run'], { env });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^auditwatch: invalid configuration:$/m);
    expect(stderr).toContain('  - AUDITWATCH_KAFKA_BROKERS: required');
    expect(stderr).toContain('  - AUDITWATCH_REDIS_URL: required');
    expect(stderr).toContain('  - AUDITWATCH_SLACK_WEBHOOK_URL: must be an http(s) URL');
    expect(stderr).toContain('  - AUDITWATCH_HTTP_PORT: must be a whole number from 0 to 65535');
    expect(stdout + stderr).not.toContain(secret);
  });

  it('stops at start-up, exit 1, on invalid rules, naming file, rule and field', async () => {
    const { code, stderr } = await runCli(['run'], {
      env: {
        AUDITWATCH_KAFKA_BROKERS: '127.0.0.1:1',
        AUDITWATCH_REDIS_URL: 'redis://127.0.0.1:1',
        AUDITWATCH_RULES_DIR: 'test/fixtures/bad-rules',
      },
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/bad-rules\/broken\.yaml:\d+: rule broken field detector\.window: /);
  });
});
