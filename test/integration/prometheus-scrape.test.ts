import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART, helm, render, ruleGroups } from '../support/chart.js';
import { asPromQL, dashboardQueries, loadDashboard } from '../support/dashboard.js';
import { episodeKey } from '../support/ground-truth.js';
import { PrometheusServer, prometheusBinary } from '../support/prometheus-server.js';
import { exportedNames, metricNamesOf } from '../support/promql-metrics.js';
import { scenario } from '../support/scenario.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { deleteKeys, requireServices, services } from '../support/services.js';
import { maybeUnset } from '../support/hooks.js';

/**
 * A real Prometheus (Debian's 2.42) scrapes a running `auditwatch run`: the exposition
 * format, names and labels are what Prometheus accepts, the chart's rules evaluate on
 * them, and every query of the dashboard and the PrometheusRule names a metric the
 * service really exports.
 */
if (prometheusBinary === undefined && process.env.CI === 'true')
  throw new Error('prometheus not found: run scripts/local-services.sh install (CI=true: failing instead of skipping)');

const START = '2026-03-07T20:00:00.000Z';

describe.skipIf(services() === null || prometheusBinary === undefined || helm === undefined)(
  'Prometheus scraping auditwatch run',
  () => {
    const topic = `aw-prom-${randomUUID()}`;
    const prefix = `aw-prom-${randomUUID()}`;
    const events = scenario({ start: START, episodes: 2, noise: 20, seed: 11 });
    // Rendered as release "auditwatch" in namespace "security": the scrape below carries those labels.
    const rules = helm ? ruleGroups(render(['--set', 'prometheusRule.enabled=true'])) : [];
    let admin: Admin;
    let service: ServiceProcess;
    let prometheus: PrometheusServer;

    beforeAll(async () => {
      const s = requireServices();
      const kafka = new Kafka({ clientId: 'aw-prom', brokers: s.kafkaBrokers, logLevel: logLevel.NOTHING });
      admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: events.map((e) => ({ key: episodeKey(e, START), value: JSON.stringify(e) })),
      });
      await producer.disconnect();

      service = new ServiceProcess(await freePort(), {
        AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
        AUDITWATCH_KAFKA_TOPIC: topic,
        AUDITWATCH_KAFKA_GROUP_ID: `aw-prom-${randomUUID()}`,
        AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
        AUDITWATCH_REDIS_URL: s.redisUrl,
        AUDITWATCH_REDIS_PREFIX: prefix,
        AUDITWATCH_LOG_LEVEL: 'warn',
      });
      await service.waitReady();
      prometheus = await PrometheusServer.start(
        'auditwatch',
        [{ address: `127.0.0.1:${service.port}`, labels: { namespace: 'security', pod: 'auditwatch-0' } }],
        rules,
      );
    });

    afterAll(async () => {
      const kafkaAdmin = maybeUnset(admin);
      await maybeUnset(prometheus)?.stop();
      await maybeUnset(service)?.stopGracefully();
      await kafkaAdmin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await kafkaAdmin?.disconnect();
      await deleteKeys(requireServices().redisUrl, prefix);
    });

    it('counts through Prometheus exactly the events the service consumed', async () => {
      await until(
        async () => (await service.metric('auditwatch_events_consumed_total')) === events.length,
        60_000,
        `service consumed ${events.length} events`,
      );
      const total = async () =>
        Number((await prometheus.query('sum(auditwatch_events_consumed_total{job="auditwatch"})'))[0]?.value[1] ?? NaN);
      await until(async () => (await total()) === events.length, 30_000, `Prometheus sum == ${events.length}`);
      expect(await total()).toBe(events.length);
      const byCategory = await prometheus.query('sum by (category) (auditwatch_events_consumed_total)');
      expect(byCategory.length).toBeGreaterThanOrEqual(2);
      for (const sample of byCategory) {
        expect(Number(sample.value[1]), sample.metric.category).toBe(
          await service.metric('auditwatch_events_consumed_total', { category: sample.metric.category! }),
        );
      }
      const [up] = await prometheus.query('up{job="auditwatch"}');
      expect(up).toMatchObject({
        metric: { namespace: 'security', pod: 'auditwatch-0', instance: `127.0.0.1:${service.port}` },
        value: [expect.any(Number), '1'],
      });
    });

    it('evaluates every rule of the chart on the scraped series without an error, and none fires for a healthy service', async () => {
      type Rule = { name: string; health: string; lastError?: string; state?: string };
      const loaded = async () =>
        (await prometheus.api<{ groups: { rules: Rule[] }[] }>('/api/v1/rules')).groups.flatMap((g) => g.rules);
      await until(async () => (await loaded()).every((r) => r.health !== 'unknown'), 30_000, 'every rule evaluated');
      const evaluated = await loaded();
      expect(evaluated.map((r) => r.name).sort()).toEqual(
        rules
          .flatMap((g) => g.rules)
          .map((r) => r.alert ?? r.record)
          .sort(),
      );
      expect(evaluated.filter((r) => r.health !== 'ok')).toEqual([]);
      expect(evaluated.filter((r) => r.state !== 'inactive').map((r) => r.name)).toEqual([]);
    });

    it('every dashboard and PrometheusRule query names only metrics the running service exports, and Prometheus runs it', async () => {
      const exported = exportedNames((await service.get('/metrics')).text);
      expect(exported).toContain('auditwatch_batch_processing_seconds_bucket');
      const full = ruleGroups(render(['-f', `${CHART}/ci/full-values.yaml`]));
      const queries = [
        ...dashboardQueries(loadDashboard()).map((q) => ({ where: `dashboard ${q.where}`, expr: asPromQL(q.expr) })),
        ...[...rules, ...full]
          .flatMap((g) => g.rules)
          .map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })),
      ];
      const parsed = await metricNamesOf(queries.map((q) => q.expr));
      const unknown = parsed.flatMap((p, i) =>
        p.error
          ? [`${queries[i]!.where}: ${p.error}`]
          : p.metrics.filter((m) => !exported.has(m)).map((m) => `${queries[i]!.where}: ${m}`),
      );
      expect(unknown).toEqual([]);
      expect(new Set(parsed.flatMap((p) => p.metrics))).toContain('auditwatch_outbox_oldest_seconds');
      // The same text through the real server's query API: a parse error would be a 400.
      for (const q of queries) await expect(prometheus.query(q.expr), q.where).resolves.toBeInstanceOf(Array);
      // And returns data: the first panel's rate needs two scrapes of the counter in its window (1 s apart, so it comes).
      const first = queries[0]!.expr;
      await until(async () => (await prometheus.query(first)).length > 0, 30_000, `data for ${first}`);
    });

    it('would notice a metric the service does not export (the comparison can fail)', async () => {
      const exported = exportedNames((await service.get('/metrics')).text);
      const [parsed] = await metricNamesOf([
        'sum(rate(auditwatch_deliveries_failed_total[5m])) / sum(rate(auditwatch_deliveries_total[5m]))',
      ]);
      expect(parsed!.metrics.filter((m) => !exported.has(m))).toEqual(['auditwatch_deliveries_failed_total']);
    });
  },
);
