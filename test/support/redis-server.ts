import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

/**
 * A redis-server of the test's own on a given loopback port, for fault tests
 * that stop and start Redis without disturbing other tests. Without `dir` it
 * has no persistence (a restart loses everything); with it, an append-only file
 * there, synced on every write (a restart keeps everything).
 */
export class OwnRedis {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly dir?: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const persistence =
      this.dir === undefined
        ? ['--appendonly', 'no']
        : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir];
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence],
      { stdio: 'ignore' },
    );
    const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    const end = Date.now() + 10_000;
    for (;;) {
      try {
        await client.connect();
        await client.ping();
        break;
      } catch {
        if (Date.now() > end) throw new Error('redis-server did not start');
        client.disconnect();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    client.disconnect();
  }

  /** SIGKILL, as a crash: the data is gone unless it persists to `dir`. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
