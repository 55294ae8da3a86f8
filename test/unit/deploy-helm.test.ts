import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/config-file.js';
import { loadServiceConfig } from '../../src/config/service-config.js';
import { loadRules } from '../../src/engine/rule-loader.js';
import { BUNDLED_RULES_DIR } from '../../src/settings.js';
import { CHART, find, helm, render, type Deployment, type K8sObject } from '../support/chart.js';

// helm: see test/support/chart.ts (skips on a laptop without it, fails under CI=true).
const deploymentOf = (objects: K8sObject[]) => {
  const found = find(objects, 'Deployment');
  expect(found).toHaveLength(1);
  return found[0]!;
};
const envOf = (d: Deployment) =>
  Object.fromEntries(d.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));

describe.skipIf(helm === undefined)('helm chart', () => {
  const defaults = helm ? render() : [];
  const full = helm ? render(['-f', `${CHART}/ci/full-values.yaml`]) : [];

  it('is hardened by default: non-root numeric uid, read-only root with /tmp emptyDir, no capabilities, RuntimeDefault seccomp, no token', () => {
    const pod = deploymentOf(defaults).spec.template.spec;
    const container = pod.containers[0]!;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext.capabilities!.add).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(find(defaults, 'ServiceAccount')[0]).toMatchObject({ automountServiceAccountToken: false });
    const tmpMount = container.volumeMounts.find((m) => m.mountPath === '/tmp')!;
    expect(pod.volumes.find((v) => v.name === tmpMount.name)!.emptyDir).toBeDefined();
    expect(container.resources.requests).toMatchObject({
      cpu: expect.any(String) as unknown,
      memory: expect.any(String) as unknown,
    });
    expect(container.resources.limits).toMatchObject({ memory: expect.any(String) as unknown });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(25);
    expect(envOf(deploymentOf(defaults)).AUDITWATCH_SHUTDOWN_GRACE).toBe('25s');
  });

  it('probes /healthz for liveness and startup and /readyz for readiness on the http port', () => {
    const container = deploymentOf(defaults).spec.template.spec.containers[0]!;
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('renders optional objects only when enabled, and a PodDisruptionBudget by default', () => {
    const kinds = defaults.map((o) => o.kind).sort();
    expect(kinds).toEqual(['Deployment', 'Pod', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    expect(full.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['ServiceMonitor', 'PrometheusRule', 'NetworkPolicy', 'Secret', 'ConfigMap']),
    );
  });

  it('has a helm test pod that checks /readyz through the Service', () => {
    const [test] = find(defaults, 'Pod', '-test-readyz');
    expect(test!.metadata.annotations!['helm.sh/hook']).toBe('test');
    const env = Object.fromEntries(test!.spec.containers[0]!.env.map((e) => [e.name, e.value]));
    expect(env.READYZ_URL).toBe('http://auditwatch.security.svc:8080/readyz');
    expect(test!.spec.containers[0]!.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('mounts custom rules next to the bundled pack, and the real rule loader accepts the inline rules', () => {
    const d = deploymentOf(full);
    expect(envOf(d).AUDITWATCH_RULES_DIR).toBe('/app/rules,/etc/auditwatch/rules');
    const mount = d.spec.template.spec.containers[0]!.volumeMounts.find((m) => m.mountPath === '/etc/auditwatch/rules');
    expect(mount!.readOnly).toBe(true);
    const [rules] = find(full, 'ConfigMap', '-rules');
    const dir = mkdtempSync(join(tmpdir(), 'aw-chart-rules-'));
    try {
      for (const [file, text] of Object.entries(rules!.data!)) writeFileSync(join(dir, file), text);
      const set = loadRules([BUNDLED_RULES_DIR, dir]);
      expect(set.rules.map((r) => r.id)).toContain('custom-topic-delete');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(envOf(deploymentOf(defaults)).AUDITWATCH_RULES_DIR).toBe('/app/rules');
  });

  it('renders a config file the real config loader accepts, with secrets as environment variables from the Secret', () => {
    const d = deploymentOf(full);
    expect(envOf(d).AUDITWATCH_CONFIG).toBe('/etc/auditwatch/config/config.yaml');
    const [config] = find(full, 'ConfigMap').filter(
      (c) => !c.metadata.name.endsWith('-rules') && !c.metadata.name.endsWith('-dashboard'),
    );
    const dir = mkdtempSync(join(tmpdir(), 'aw-chart-config-'));
    try {
      writeFileSync(join(dir, 'config.yaml'), config!.data!['config.yaml']!);
      const parsed = loadConfigFile(join(dir, 'config.yaml'), {});
      expect(parsed.routes?.map((r) => r.sinks)).toEqual([['pagerduty'], ['slack', 'security-console']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const [secret] = find(full, 'Secret');
    expect(Object.keys(secret!.data!)).toEqual(
      expect.arrayContaining([
        'AUDITWATCH_KAFKA_SASL_PASSWORD',
        'AUDITWATCH_REDIS_URL',
        'AUDITWATCH_PAGERDUTY_ROUTING_KEY',
      ]),
    );
    expect(d.spec.template.spec.containers[0]!.envFrom).toEqual([{ secretRef: { name: 'auditwatch' } }]);
    // No secret value appears in plain env.
    expect(JSON.stringify(envOf(d))).not.toContain('not-a-real-password');
  });

  it('configures a cluster-mode Redis and the delivery settings, with the Redis password only in the Secret, and the real config loader accepts the result', () => {
    const cluster = render(['-f', `${CHART}/ci/cluster-values.yaml`]);
    const env = envOf(deploymentOf(cluster));
    expect(env).toMatchObject({
      AUDITWATCH_REDIS_CLUSTER_NODES: 'clustercfg.auditwatch.abc123.euw1.cache.amazonaws.com:6379',
      AUDITWATCH_REDIS_USERNAME: 'auditwatch',
      AUDITWATCH_REDIS_TLS: 'true',
      AUDITWATCH_DELIVERY_CONCURRENCY: '8',
    });
    const secret = find(cluster, 'Secret')[0]!.data!;
    expect(Object.keys(secret)).toEqual(
      expect.arrayContaining(['AUDITWATCH_REDIS_PASSWORD', 'AUDITWATCH_ALERTMANAGER_URL']),
    );
    expect(Object.keys(secret)).not.toContain('AUDITWATCH_REDIS_URL');
    const fromSecret = Object.fromEntries(
      Object.entries(secret).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    const config = loadServiceConfig({
      ...env,
      ...fromSecret,
      AUDITWATCH_RULES_DIR: undefined,
      AUDITWATCH_CONFIG: undefined,
    });
    expect(config.redis).toMatchObject({
      clusterNodes: [{ host: 'clustercfg.auditwatch.abc123.euw1.cache.amazonaws.com', port: 6379 }],
      password: 'not-a-real-redis-password',
      tls: true,
    });
    expect(config.sinks.map((s) => s.name)).toEqual(['alertmanager']);
  });

  it('uses existingSecret without rendering a Secret', () => {
    const minimal = render(['-f', `${CHART}/ci/minimal-values.yaml`]);
    expect(find(minimal, 'Secret')).toHaveLength(0);
    expect(deploymentOf(minimal).spec.template.spec.containers[0]!.envFrom).toEqual([
      { secretRef: { name: 'auditwatch-credentials' } },
    ]);
    expect(envOf(deploymentOf(minimal)).AUDITWATCH_KAFKA_BROKERS).toBe(
      'pkc-12345.europe-west1.gcp.confluent.cloud:9092',
    );
  });

  it('rolls the pods when rules or config change (checksum annotation)', () => {
    const checksum = (objects: K8sObject[]) =>
      deploymentOf(objects).spec.template.metadata.annotations['checksum/config'];
    const a = render(['--set-string', 'rules.custom.a\\.yaml=version: 1.0.0']);
    const b = render(['--set-string', 'rules.custom.a\\.yaml=version: 1.0.1']);
    const c = render(['--set', 'config.file.routes[0].sinks[0]=stdout']);
    expect(new Set([checksum(defaults), checksum(a), checksum(b), checksum(c)]).size).toBe(4);
  });

  it('alerts on auditwatch itself: not ready, lag growing, delivery stuck, dead letters, outbox backlog, 15 minutes of audit-log silence', () => {
    const [rule] = find(full, 'PrometheusRule');
    const alerts = rule!.spec.groups.flatMap((g) => g.rules);
    const expr = (name: string) => alerts.find((a) => a.alert === name)?.expr;
    expect(expr('AuditwatchNotReady')).toContain('auditwatch_ready');
    expect(expr('AuditwatchConsumerLagGrowing')).toContain('auditwatch_consumer_lag_messages');
    expect(expr('AuditwatchDeliveryFailing')).toBeUndefined(); // counted outcome="failure", which deliveries no longer have
    expect(expr('AuditwatchAlertDeliveryStuck')).toMatch(
      /^max by \(namespace, sink\) \(auditwatch_outbox_oldest_seconds\{.*\}\) > 900$/,
    );
    expect(expr('AuditwatchAlertsDeadLettered')).toContain('increase(auditwatch_dead_letters_total{');
    expect(expr('AuditwatchOutboxBacklog')).toContain('auditwatch_outbox_pending');
    expect(expr('AuditwatchAuditLogSilent')).toMatch(
      /time\(\) - max by \(namespace\) \(auditwatch_last_event_timestamp_seconds\{.*\}\) > 900$/,
    );
    expect(expr('AuditwatchDecodeFailures')).toBeUndefined(); // disabled in full-values.yaml
  });

  it('rejects values the schema does not allow', () => {
    expect(() => render(['--set', 'image.tag=latest'])).toThrow();
    expect(() => render(['--set', 'kafka.brokerz=x'])).toThrow();
    expect(() => render(['--set', 'terminationGracePeriodSeconds=20'])).toThrow();
  });
});

describe('helm/auditwatch/values.yaml', () => {
  /** Every key has a comment, unless its parent map's key has one that covers it (an object passed through whole). */
  it('documents every value', () => {
    const doc = parseDocument(readFileSync(`${CHART}/values.yaml`, 'utf8'));
    const undocumented: string[] = [];
    // The yaml library keeps the comment above a map's first key on the map (or, at the top, on the document).
    const walk = (map: YAMLMap, path: string, firstComment: string | undefined): void => {
      map.items.forEach((pair, i) => {
        if (!isScalar(pair.key)) return;
        const key = `${path}${String(pair.key.value)}`;
        const comment = pair.key.commentBefore ?? (i === 0 ? firstComment : undefined);
        if (comment?.includes('-- ')) return;
        if (isMap(pair.value) && pair.value.items.length > 0)
          walk(pair.value, `${key}.`, pair.value.commentBefore ?? undefined);
        else undocumented.push(key);
      });
    };
    expect(isMap(doc.contents)).toBe(true);
    walk(doc.contents as YAMLMap, '', doc.commentBefore ?? undefined);
    expect(undocumented).toEqual([]);
  });

  it('has a values.schema.json next to it', () => {
    expect(existsSync(`${CHART}/values.schema.json`)).toBe(true);
    const schema = JSON.parse(readFileSync(`${CHART}/values.schema.json`, 'utf8')) as {
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(schema.additionalProperties).toBe(false);
    const top = Object.keys(parseDocument(readFileSync(`${CHART}/values.yaml`, 'utf8')).toJS() as object);
    for (const key of top) expect(schema.properties, key).toHaveProperty(key);
  });
});
