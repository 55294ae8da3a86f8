import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The real helm and promtool binaries for the chart tests. helm: $HELM, else the build
 * that scripts/check-deploy.sh caches, else helm on PATH. promtool: $PROMTOOL, else on
 * PATH (Debian's `prometheus` package, installed by `scripts/local-services.sh install`).
 * Without them the tests that need them skip on a laptop; in CI (CI=true) importing
 * this module fails, so .ci/run must install both before npm test.
 */
const HELM_VERSION = process.env.HELM_VERSION ?? 'v3.22.0';
const cacheDir = process.env.AUDITWATCH_CACHE_DIR ?? join(homedir(), '.cache', 'auditwatch');

function firstWorking(
  candidates: (string | undefined)[],
  args: string[],
  accept: (out: string) => boolean,
): string | undefined {
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    try {
      // promtool prints its version on stderr in some builds: look at both.
      const out = execFileSync(candidate, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (accept(out)) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export const helm = firstWorking(
  [process.env.HELM, join(cacheDir, `helm-${HELM_VERSION}`, 'helm'), 'helm'],
  ['version', '--short'],
  (out) => out.startsWith('v3.'),
);
export const promtool = firstWorking([process.env.PROMTOOL, 'promtool'], ['--version'], (out) =>
  out.includes('promtool'),
);

if (process.env.CI === 'true') {
  if (helm === undefined)
    throw new Error('helm not found: run scripts/check-deploy.sh (it installs helm) before the tests');
  if (promtool === undefined)
    throw new Error(
      "promtool not found: run scripts/local-services.sh install (it installs Debian's prometheus) before the tests",
    );
}

export const CHART = 'helm/auditwatch';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
};

/** The parts of a container the chart tests read. */
export interface Container {
  name: string;
  env: { name: string; value?: string }[];
  envFrom?: { secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  securityContext: {
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    [key: string]: unknown;
  };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe: { httpGet?: { path: string; port: string | number } };
  startupProbe: { httpGet?: { path: string; port: string | number } };
  readinessProbe: { httpGet?: { path: string; port: string | number } };
}

/** The parts of a pod spec the chart tests read. */
export interface PodSpec {
  containers: Container[];
  securityContext: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  volumes: { name: string; emptyDir?: Record<string, unknown> }[];
  terminationGracePeriodSeconds?: number;
}

export type Deployment = K8sObject & {
  spec: { template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } };
};
export type Pod = K8sObject & { spec: PodSpec };
export type PrometheusRule = K8sObject & { spec: { groups: { name: string; rules: PromRule[] }[] } };

/** The kinds whose spec the tests read, by kind. */
interface SpecKinds {
  Deployment: Deployment;
  Pod: Pod;
  PrometheusRule: PrometheusRule;
}
type OfKind<K extends string> = K extends keyof SpecKinds ? SpecKinds[K] : K8sObject;

/** `helm template` of the chart as release "auditwatch" in namespace "security". */
export function render(args: string[] = []): K8sObject[] {
  const out = execFileSync(helm!, ['template', 'auditwatch', CHART, '--namespace', 'security', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o) => o !== null);
}

/** The objects of `kind` whose name ends with `nameSuffix`, typed as that kind (the chart renders them). */
export const find = <K extends string>(objects: K8sObject[], kind: K, nameSuffix = ''): OfKind<K>[] =>
  objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix)) as OfKind<K>[];

/** A Prometheus rule as the PrometheusRule carries it (and a rules file takes it). */
export interface PromRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The rule groups of the one PrometheusRule in `objects`: the `groups:` of a Prometheus rules file. */
export function ruleGroups(objects: K8sObject[]): { name: string; rules: PromRule[] }[] {
  const rules = find(objects, 'PrometheusRule');
  if (rules.length !== 1) throw new Error(`expected one PrometheusRule, got ${rules.length}`);
  return rules[0]!.spec.groups;
}
