import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHART, find, helm, promtool, render } from '../support/chart.js';
import {
  allPanels,
  asPromQL,
  DASHBOARD_FILE,
  dashboardQueries,
  dashboardRuleGroups,
  loadDashboard,
} from '../support/dashboard.js';
import { checkRules } from '../support/promtool.js';

const dashboard = loadDashboard();

describe('Grafana dashboard (helm/auditwatch/dashboards/auditwatch.json)', () => {
  it('takes the data source, job, namespace and pod as variables, and every query uses them', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(Object.keys(variables)).toEqual(['datasource', 'job', 'namespace', 'pod']);
    expect(variables.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const panel of allPanels(dashboard).filter((p) => p.type !== 'row')) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of panel.targets ?? []) {
        expect(t.expr, panel.title).toContain('job=~"$job", namespace=~"$namespace", pod=~"$pod"');
      }
    }
    expect(dashboard.uid).toBe('auditwatch');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const ids = allPanels(dashboard).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows what the issue asks for', () => {
    const metricsShown = dashboardQueries(dashboard)
      .map((q) => q.expr)
      .join('\n');
    for (const metric of [
      'auditwatch_events_consumed_total',
      'auditwatch_consumer_lag_messages',
      'auditwatch_event_lag_seconds_bucket',
      'auditwatch_alerts_total',
      'auditwatch_alerts_throttled_total',
      'auditwatch_deliveries_total',
      'auditwatch_outbox_oldest_seconds',
      'auditwatch_dead_letters_total',
      'auditwatch_decode_failures_total',
      'auditwatch_redis_errors_total',
      'auditwatch_batch_processing_seconds_bucket',
      'auditwatch_ready',
    ])
      expect(metricsShown).toContain(`${metric}{`);
    expect(metricsShown).toContain('sum by (sink, outcome)');
    expect(metricsShown).toContain('sum by (rule, severity)');
  });

  it('turns Grafana variables into PromQL the way Grafana does, and refuses one it does not know', () => {
    expect(asPromQL('rate(x{job=~"$job"}[$__rate_interval])')).toBe('rate(x{job=~".*"}[5m])');
    expect(() => asPromQL('x offset $shift')).toThrow(/unsubstituted/);
  });

  it.skipIf(promtool === undefined)('every query parses (promtool check rules)', async () => {
    const groups = dashboardRuleGroups(dashboard);
    expect(groups[0]!.rules.length).toBeGreaterThanOrEqual(15);
    const result = await checkRules(groups);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toContain(`${groups[0]!.rules.length} rules found`);
  });

  it.skipIf(helm === undefined)(
    'is shipped by the chart as a sidecar ConfigMap, only when enabled, byte for byte the file',
    () => {
      expect(find(render(), 'ConfigMap', '-dashboard')).toHaveLength(0);
      const [configMap] = find(render(['-f', `${CHART}/ci/full-values.yaml`]), 'ConfigMap', '-dashboard');
      expect(configMap!.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      expect(configMap!.metadata.annotations).toEqual({ grafana_folder: 'Security' });
      expect(configMap!.data!['auditwatch.json']).toBe(readFileSync(DASHBOARD_FILE, 'utf8').trim());
    },
  );
});
