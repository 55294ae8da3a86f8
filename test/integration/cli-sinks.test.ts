import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerServer, alertmanagerBinary, BASIC_AUTH } from '../support/alertmanager-server.js';
import { runCli } from '../support/cli.js';
import {
  startFakePagerDuty,
  startFakeSlack,
  startFakeWebhookReceiver,
  type FakePagerDuty,
  type FakeSlack,
  type FakeWebhookReceiver,
} from '../support/fake-sinks.js';
import { maybeUnset } from '../support/hooks.js';

if (alertmanagerBinary === undefined && process.env.CI === 'true') {
  throw new Error(
    'prometheus-alertmanager not found: run scripts/local-services.sh install (CI=true: failing instead of skipping)',
  );
}

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const ROUTING_KEY = `R${randomBytes(15).toString('hex')}`;

describe('auditwatch sinks test and replay --deliver (built CLI, local HTTP sinks)', () => {
  let slack: FakeSlack;
  let pd: FakePagerDuty;
  let hook: FakeWebhookReceiver;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [slack, pd, hook] = await Promise.all([
      startFakeSlack(),
      startFakePagerDuty(),
      startFakeWebhookReceiver({ secret: SECRET }),
    ]);
    env = {
      AUDITWATCH_SLACK_WEBHOOK_URL: slack.url,
      AUDITWATCH_PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      AUDITWATCH_PAGERDUTY_URL: pd.url,
      AUDITWATCH_WEBHOOK_URL: hook.url,
      AUDITWATCH_WEBHOOK_SECRET: SECRET,
    };
  });
  afterAll(async () => {
    await Promise.all([slack.close(), pd.close(), hook.close()]);
  });

  it('sends one marked test alert to every sink', async () => {
    const { code, stdout } = await runCli(['sinks', 'test'], { env });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok +slack \(slack\)$/m);
    expect(stdout).toMatch(/^ok +pagerduty \(pagerduty\)$/m);
    expect(stdout).toMatch(/^ok +webhook \(webhook\)$/m);
    expect(JSON.stringify(slack.messages.at(-1))).toContain('test alert');
    expect(pd.events.at(-1)?.payload.summary).toMatch(/test alert/);
    expect((hook.deliveries.at(-1)?.body as { data: { rule: string } }).data.rule).toBe('auditwatch-sink-test');
  });

  it('reports a failing sink by name without its secret, and exits 1', async () => {
    pd.failNext(1, 400);
    const { code, stdout, stderr } = await runCli(['sinks', 'test', 'pagerduty'], { env });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAILED +pagerduty \(pagerduty\): /m);
    expect(stdout + stderr).not.toContain(ROUTING_KEY);
  });

  it('names an unknown sink', async () => {
    const { code, stderr } = await runCli(['sinks', 'test', 'carrier-pigeon'], { env });
    expect(code).toBe(2);
    expect(stderr).toContain('no sink named carrier-pigeon');
  });

  it('replay --deliver sends replayed alerts through the default routes', async () => {
    const before = { slack: slack.messages.length, pd: pd.events.length, hook: hook.deliveries.length };
    const { code, stdout } = await runCli(['replay', 'examples/audit-events.jsonl', '--deliver'], { env });
    expect(code).toBe(0);
    const alerts = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; severity: string });
    const paging = alerts.filter((a) => a.severity === 'high' || a.severity === 'critical');
    expect(hook.deliveries.slice(before.hook).map((d) => d.id)).toEqual(alerts.map((a) => a.id));
    expect(slack.messages.length - before.slack).toBe(alerts.length);
    expect(pd.events.slice(before.pd).map((e) => e.dedup_key)).toEqual(paging.map((a) => a.id));
  });
});

describe.skipIf(alertmanagerBinary === undefined)(
  'auditwatch sinks test alertmanager (a real Alertmanager with basic auth)',
  () => {
    let am: AlertmanagerServer;
    beforeAll(async () => {
      am = await AlertmanagerServer.start({ basicAuth: true });
    });
    afterAll(() => maybeUnset(am)?.stop());
    const withPassword = (password: string) => am.url.replace('http://', `http://${BASIC_AUTH.username}:${password}@`);

    it('sends the test alert; a wrong password fails by name, without the password', async () => {
      const ok = await runCli(['sinks', 'test', 'alertmanager'], {
        env: { AUDITWATCH_ALERTMANAGER_URL: withPassword(BASIC_AUTH.password) },
      });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/^ok +alertmanager \(alertmanager\)$/m);
      const [alert] = await am.waitForAlerts(1);
      expect(alert!.labels).toMatchObject({
        alertname: 'auditwatch-sink-test',
        rule: 'auditwatch-sink-test',
        severity: 'low',
      });
      expect(alert!.annotations.summary).toContain('test alert');

      const wrong = `wrong-${randomBytes(8).toString('hex')}`;
      const failed = await runCli(['sinks', 'test', 'alertmanager'], {
        env: { AUDITWATCH_ALERTMANAGER_URL: withPassword(wrong) },
      });
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/^FAILED +alertmanager \(alertmanager\): alertmanager: HTTP 401/m);
      expect(failed.stdout + failed.stderr).not.toContain(wrong);
    });
  },
);
