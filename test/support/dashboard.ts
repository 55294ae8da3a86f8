import { readFileSync } from 'node:fs';
import type { PromRule } from './chart.js';

/** The Grafana dashboard: one file, imported by hand or shipped by the chart's ConfigMap. */
export const DASHBOARD_FILE = 'helm/auditwatch/dashboards/auditwatch.json';

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: {
    list: { name: string; type: string; query: string | { query: string }; datasource?: { uid: string } }[];
  };
}

export const loadDashboard = (): Dashboard => JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;

/** Panels, with those inside collapsed rows. */
export const allPanels = (d: Dashboard): Panel[] => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

/**
 * Every PromQL expression in the dashboard: panel queries, and the series selector of each
 * `label_values(selector, label)` variable query (the part Prometheus evaluates).
 */
export function dashboardQueries(d: Dashboard): { where: string; expr: string }[] {
  const queries = allPanels(d).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr })),
  );
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const text = typeof v.query === 'string' ? v.query : v.query.query;
    const m = /^label_values\((.+),\s*(\w+)\)$/.exec(text);
    if (m === null)
      throw new Error(`variable ${v.name}: only label_values(selector, label) queries are expected, got ${text}`);
    queries.push({ where: `variable ${v.name}`, expr: m[1]! });
  }
  return queries;
}

/**
 * The expression as Prometheus would get it from Grafana: interval macros become
 * durations and `$var` inside a label matcher (always `=~`) the match-all regex.
 */
export function asPromQL(expr: string): string {
  const out = expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m').replace(/"\$\{?\w+\}?"/g, '".*"');
  if (out.includes('$')) throw new Error(`unsubstituted Grafana variable in ${expr}`);
  return out;
}

/** The dashboard's queries as recording rules, so `promtool check rules` parses each one. */
export const dashboardRuleGroups = (d: Dashboard): { name: string; rules: PromRule[] }[] => [
  {
    name: 'auditwatch-dashboard',
    rules: dashboardQueries(d).map((q, i) => ({ record: `dashboard:query_${i}`, expr: asPromQL(q.expr) })),
  },
];
