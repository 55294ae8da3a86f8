import { spawn } from 'node:child_process';

export const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;

/**
 * The child's environment: this process's, minus every AUDITWATCH_* variable, plus
 * the test's own. A developer who ran `eval "$(scripts/local-services.sh env)"`
 * has the SASL and TLS settings exported; inherited, they would switch on SASL or
 * TLS for a service a test points at the PLAINTEXT listener.
 */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('AUDITWATCH_'));
  return { ...Object.fromEntries(inherited), ...env };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`node dist/main.js …`) to completion with optional stdin, with only the AUDITWATCH_* variables given. */
export function runCli(
  args: string[],
  options: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: childEnv(options.env ?? {}) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(options.stdin);
  });
}
