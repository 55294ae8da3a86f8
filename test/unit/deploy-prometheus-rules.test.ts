import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHART, helm, promtool, render, ruleGroups } from '../support/chart.js';
import { checkRules, promtoolIn } from '../support/promtool.js';

/**
 * The chart's PrometheusRule through Prometheus' own tooling (promtool 2.42, Debian):
 * `check rules` on what helm renders, and `test rules` with test/prometheus/rules-test.yaml,
 * which has, for every alert, series that fire it and series that must not.
 */
const TESTS = 'test/prometheus/rules-test.yaml';
const ENABLED = ['--set', 'prometheusRule.enabled=true'];

interface AlertTest {
  alertname: string;
  exp_alerts: unknown[];
}

describe.skipIf(helm === undefined || promtool === undefined)('PrometheusRule with promtool', () => {
  const defaults = helm ? ruleGroups(render(ENABLED)) : [];
  const alertNames = defaults.flatMap((g) => g.rules).flatMap((r) => (r.alert === undefined ? [] : [r.alert]));

  it('passes promtool check rules, rendered with default values and with ci/full-values.yaml', async () => {
    expect(alertNames.length).toBeGreaterThanOrEqual(8);
    const full = ruleGroups(render(['-f', `${CHART}/ci/full-values.yaml`]));
    for (const groups of [defaults, full]) {
      const result = await checkRules(groups);
      expect(result.output, result.output).toContain('SUCCESS');
      expect(result.ok, result.output).toBe(true);
    }
  });

  it('promtool check rules refuses an expression that does not parse (the check can fail)', async () => {
    const broken = structuredClone(defaults);
    broken[0]!.rules[0]!.expr = 'sum by (namespace (auditwatch_ready)';
    const result = await checkRules(broken);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/parse error/);
  });

  it('has unit tests for every alert: each fires on some series and stays quiet on others', () => {
    const cases = (parse(readFileSync(TESTS, 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] }).tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    );
    for (const name of alertNames) {
      const own = cases.filter((c) => c.alertname === name);
      expect(
        own.some((c) => c.exp_alerts.length > 0),
        `${name} never fires in ${TESTS}`,
      ).toBe(true);
      expect(
        own.some((c) => c.exp_alerts.length === 0),
        `${name} is never quiet in ${TESTS}`,
      ).toBe(true);
    }
    expect(new Set(cases.map((c) => c.alertname))).toEqual(new Set(alertNames));
  });

  it('passes promtool test rules', async () => {
    const result = await promtoolIn(defaults, [TESTS], ['test', 'rules', 'rules-test.yaml']);
    expect(result.output, result.output).toContain('SUCCESS');
    expect(result.ok, result.output).toBe(true);
  });

  it('fails promtool test rules when a threshold changes (the unit tests bite)', async () => {
    const moved = ruleGroups(
      render([
        ...ENABLED,
        '--set',
        'prometheusRule.outboxBacklogThreshold=100',
        '--set',
        'prometheusRule.deliveryStuckMinutes=30',
      ]),
    );
    const result = await promtoolIn(moved, [TESTS], ['test', 'rules', 'rules-test.yaml']);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('AuditwatchOutboxBacklog');
    expect(result.output).toContain('AuditwatchAlertDeliveryStuck');
  });
});
