import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/decode/audit-event.js';
import { loadRules, type RuleSet } from '../../src/engine/rule-loader.js';
import { ErrorCode, RuleError } from '../../src/errors.js';
import { MAIN } from '../support/cli.js';
import { HOSTILE_RULE_FILES, nestedNot, type HostileRuleFile } from '../support/malformed.js';

/**
 * Loading any one file, however hostile, takes less than this (the largest are a few MB). A bound against a
 * hang or blow-up, not a speed target: about 1 s here, up to 5 s on a loaded 2-core machine.
 */
const LOAD_BOUND_MS = 20_000;
/** One evaluation of a loaded rule over 100 KB of adversarial text. */
const EVALUATE_BOUND_MS = 1_000;
/** The CLI must have exited by then. */
const CLI_TIMEOUT_MS = 20_000;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A rules directory holding just this file. */
function dirWith(file: HostileRuleFile): string {
  const dir = mkdtempSync(join(tmpdir(), 'aw-abuse-rules-'));
  dirs.push(dir);
  writeFileSync(join(dir, file.name), file.text());
  return dir;
}

type Loaded = { set: RuleSet; error?: undefined; ms: number } | { set?: undefined; error: unknown; ms: number };

function load(dir: string): Loaded {
  const started = performance.now();
  try {
    const set = loadRules(dir);
    return { set, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

/** `node dist/main.js …`, killed after `timeoutMs`. */
function runCli(
  args: string[],
  timeoutMs = CLI_TIMEOUT_MS,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ms: Date.now() - started,
      }),
    );
  });
}

/** An event whose every text field is 100 KB of the input that makes backtracking engines explode. */
function adversarialEvent(): AuditEvent {
  const evil = `${'a'.repeat(100 * 1024)}!`;
  return {
    id: 'evil',
    time: '2026-03-07T21:00:00.000Z',
    type: 'io.confluent.kafka.server/authentication',
    category: 'authentication',
    specversion: '1.0',
    source: 'crn://x',
    credentialId: evil,
    clientId: evil,
    email: evil,
    method: evil,
    outcome: 'failure',
  };
}

describe('hostile rule files: loadRules', () => {
  it.each(HOSTILE_RULE_FILES.map((f) => [f.name, f] as const))(
    '%s',
    { timeout: LOAD_BOUND_MS + 5_000 },
    (_name, file) => {
      const dir = dirWith(file);
      const result = load(dir);
      expect(result.ms, 'load time').toBeLessThan(LOAD_BOUND_MS);
      expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').toBeUndefined();

      if ('load' in file.expect) {
        expect(result.error, String(result.error)).toBeUndefined();
        const rule = result.set!.rules.find((r) => r.id === (file.expect as { load: { rule: string } }).load.rule)!;
        const event = adversarialEvent();
        const started = performance.now();
        const matched = rule.applies(event);
        expect(performance.now() - started, 'evaluation time').toBeLessThan(EVALUATE_BOUND_MS);
        expect(matched).toBe(false);
        return;
      }

      // Rejected as a RuleError (not a crash), with every problem naming the file, and the rule and field when the file gets that far.
      expect(result.error, String(result.error)).toBeInstanceOf(RuleError);
      const error = result.error as RuleError;
      expect(error.code).toBe(ErrorCode.rule);
      expect(error.problems.length).toBeGreaterThan(0);
      for (const problem of error.problems) expect(problem.file.endsWith(file.name), problem.file).toBe(true);
      const { rule, field } = file.expect.reject;
      if (rule !== undefined) expect(error.problems.map((p) => p.rule)).toContain(rule);
      if (field !== undefined)
        expect(
          error.problems.some((p) => p.field?.startsWith(field)),
          JSON.stringify(error.problems),
        ).toBe(true);
    },
  );
});

describe('hostile rule files: `auditwatch rules validate`', () => {
  it.each(HOSTILE_RULE_FILES.map((f) => [f.name, f] as const))(
    '%s',
    async (_name, file) => {
      const dir = dirWith(file);
      const result = await runCli(['rules', 'validate', dir]);
      expect(result.signal, `killed after ${CLI_TIMEOUT_MS} ms`).toBeNull();
      if ('load' in file.expect) {
        expect(result.code, result.stderr).toBe(0);
        return;
      }
      expect(result.code, result.stderr).toBe(1);
      // One line per problem, `file:line: rule <id> field <path>: <what is wrong>`, each naming the file.
      const lines = result.stderr.split('\n').filter((l) => l.startsWith('  '));
      expect(lines.length, result.stderr).toBeGreaterThan(0);
      for (const line of lines) expect(line, result.stderr.slice(0, 500)).toContain(file.name);
      const { rule, field } = file.expect.reject;
      if (rule !== undefined) expect(result.stderr).toContain(`rule ${rule}`);
      if (field !== undefined) expect(result.stderr).toContain(`field ${field}`);
      expect(result.stderr.length, 'stderr stays short (no quoted megabytes)').toBeLessThan(10_000);
    },
    CLI_TIMEOUT_MS + 5_000,
  ); // the bound is CLI_TIMEOUT_MS (the CLI is killed then), not vitest's 5 s default
});

describe('nesting between the YAML parser limit and the all/any/not limit', () => {
  // The schema validator recurses per level; somewhere past a few hundred levels it runs out of stack before
  // the YAML parser does. Every depth must still be a RuleError naming the file and rule, never a RangeError.
  it.each([300, 400, 500, 600, 700, 800])('%i nested `not:` blocks', (depth) => {
    const dir = dirWith({
      name: `nesting-${depth}.yaml`,
      text: () => nestedNot(`nesting-${depth}`, depth),
      expect: { reject: {} },
    });
    const result = load(dir);
    expect(result.error, String(result.error)).toBeInstanceOf(RuleError);
    expect((result.error as RuleError).problems.every((p) => p.file.endsWith(`nesting-${depth}.yaml`))).toBe(true);
  });
});
