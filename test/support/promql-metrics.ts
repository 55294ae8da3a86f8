import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cacheDir = process.env.AUDITWATCH_CACHE_DIR ?? join(homedir(), '.cache', 'auditwatch');

/**
 * The metric names each expression selects, by Prometheus' own PromQL parser
 * (`tools/deploy-check promql-metrics`, run with `go run` from this checkout so it is
 * never a stale build; GOPATH and GOCACHE are the ones scripts/check-deploy.sh fills).
 */
export async function metricNamesOf(exprs: string[]): Promise<{ expr: string; metrics: string[]; error?: string }[]> {
  const child = run('go', ['run', '.', 'promql-metrics'], {
    cwd: 'tools/deploy-check',
    env: {
      ...process.env,
      GOPATH: join(cacheDir, 'go'),
      GOCACHE: join(cacheDir, 'go-build'),
      GOFLAGS: '-buildvcs=false',
      CGO_ENABLED: '0',
    },
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  child.child.stdin!.end(JSON.stringify(exprs));
  return JSON.parse((await child).stdout) as { expr: string; metrics: string[]; error?: string }[];
}

/** Names a /metrics exposition declares (# TYPE lines), with the series names histograms and summaries add. */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}
