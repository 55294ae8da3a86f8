import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, until } from './service-process.js';

/** Debian's prometheus-alertmanager ($ALERTMANAGER, else on PATH), or undefined; see scripts/local-services.sh install. */
export const alertmanagerBinary = ((): string | undefined => {
  for (const candidate of [process.env.ALERTMANAGER, 'prometheus-alertmanager', 'alertmanager']) {
    if (candidate === undefined) continue;
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (version.startsWith('alertmanager')) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
})();

/** HTTP basic auth the server can require: the user, its password, and the password's bcrypt hash (cost 4, for speed). */
export const BASIC_AUTH = {
  username: 'auditwatch',
  password: 'aw-test-basic-auth-password',
  hash: '$2b$04$eWB2EckXFsoGgI1oUHsqRuwuY1/CVdqtkDWU8Rb8FC.F//Eobq/kq',
};

/** An alert as `GET /api/v2/alerts` returns it (the fields the tests read). */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  fingerprint: string;
  generatorURL?: string;
  status: { state: string };
}

/**
 * A real, standalone Alertmanager on a free loopback port: no gossip
 * (`--cluster.listen-address=`), its own storage in a temporary directory, one
 * receiver that notifies nobody. With `basicAuth`, its web server requires
 * BASIC_AUTH (exporter-toolkit's `--web.config.file`).
 */
export class AlertmanagerServer {
  readonly logs: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly authorization: string | undefined,
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

  static async start(options: { basicAuth?: boolean } = {}): Promise<AlertmanagerServer> {
    const dir = mkdtempSync(join(tmpdir(), 'aw-alertmanager-'));
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      stringify({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] }),
    );
    const args = [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      '--cluster.listen-address=',
    ];
    if (options.basicAuth === true) {
      writeFileSync(join(dir, 'web.yml'), stringify({ basic_auth_users: { [BASIC_AUTH.username]: BASIC_AUTH.hash } }));
      args.push(`--web.config.file=${join(dir, 'web.yml')}`);
    }
    const address = `127.0.0.1:${await freePort()}`;
    const child = spawn(alertmanagerBinary!, [...args, `--web.listen-address=${address}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const authorization =
      options.basicAuth === true
        ? `Basic ${Buffer.from(`${BASIC_AUTH.username}:${BASIC_AUTH.password}`).toString('base64')}`
        : undefined;
    const server = new AlertmanagerServer(`http://${address}`, dir, child, authorization);
    const ready = async () =>
      (await fetch(`${server.url}/-/ready`, { headers: server.headers() }).catch(() => undefined))?.status === 200;
    await until(ready, 30_000, `alertmanager ready; logs:\n${server.logs.slice(-10).join('\n')}`);
    return server;
  }

  /** Active alerts (`GET /api/v2/alerts`: resolved ones are not listed). */
  async alerts(): Promise<GettableAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts`, { headers: this.headers() });
    if (res.status !== 200) throw new Error(`GET /api/v2/alerts: ${res.status} ${await res.text()}`);
    return (await res.json()) as GettableAlert[];
  }

  /** Waits until `count` alerts are active (30 s at most) and returns them. */
  async waitForAlerts(count: number, timeoutMs = 30_000): Promise<GettableAlert[]> {
    let alerts: GettableAlert[] = [];
    await until(
      async () => (alerts = await this.alerts()).length >= count,
      timeoutMs,
      `${count} alerts in alertmanager (have ${alerts.length})`,
    );
    return alerts;
  }

  /** SIGTERM, SIGKILL after 10 s; removes the storage. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private headers(): Record<string, string> {
    return this.authorization === undefined ? {} : { authorization: this.authorization };
  }
}
