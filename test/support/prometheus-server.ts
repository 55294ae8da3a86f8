import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { PromRule } from './chart.js';
import { freePort, until } from './service-process.js';

/** Debian's prometheus ($PROMETHEUS, else on PATH), or undefined; see scripts/local-services.sh install. */
export const prometheusBinary = ((): string | undefined => {
  for (const candidate of [process.env.PROMETHEUS, 'prometheus']) {
    if (candidate === undefined) continue;
    try {
      if (
        execFileSync(candidate, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).startsWith(
          'prometheus',
        )
      )
        return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
})();

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** One scrape target: an address and the labels Kubernetes service discovery would add. */
export interface ScrapeTarget {
  address: string;
  labels: Record<string, string>;
}

/**
 * A real Prometheus on a free loopback port with its own TSDB in a temporary directory,
 * scraping `targets` as job `job` every second and evaluating `ruleGroups` every second.
 */
export class PrometheusServer {
  readonly logs: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr!.on('data', (b: Buffer) =>
      this.logs.push(
        ...b
          .toString()
          .split('\n')
          .filter((l) => l !== ''),
      ),
    );
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
  }

  static async start(
    job: string,
    targets: ScrapeTarget[],
    ruleGroups: { name: string; rules: PromRule[] }[] = [],
  ): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'aw-prometheus-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: ruleGroups }));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yaml')],
        scrape_configs: [
          { job_name: job, static_configs: targets.map((t) => ({ targets: [t.address], labels: t.labels })) },
        ],
      }),
    );
    const address = `127.0.0.1:${await freePort()}`;
    const child = spawn(
      prometheusBinary!,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${address}`,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const server = new PrometheusServer(`http://${address}`, dir, child);
    await until(
      async () => (await fetch(`${server.url}/-/ready`).catch(() => undefined))?.status === 200,
      30_000,
      `prometheus ready; logs:\n${server.logs.slice(-10).join('\n')}`,
    );
    return server;
  }

  /** GET an HTTP API path; throws unless Prometheus answers status "success". */
  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${res.status} ${body.error ?? ''}`);
    return body.data;
  }

  /** An instant query (vector result). */
  async query(expr: string): Promise<Sample[]> {
    return (await this.api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;
  }

  /** SIGTERM, SIGKILL after 10 s; removes the TSDB. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
