import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { promtool, type PromRule } from './chart.js';

const run = promisify(execFile);

/** The rules file the promtool unit tests load (rule_files in test/prometheus/rules-test.yaml). */
export const RULES_FILE = 'auditwatch-rules.yaml';

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

/**
 * Runs promtool in a fresh temporary directory holding `groups` as RULES_FILE and copies
 * of `copies` (promtool resolves a test file's rule_files relative to the test file).
 * `args` name files by their base name.
 */
export async function promtoolIn(
  groups: { name: string; rules: PromRule[] }[],
  copies: string[],
  args: string[],
): Promise<PromtoolResult> {
  const dir = mkdtempSync(join(tmpdir(), 'aw-promtool-'));
  try {
    writeFileSync(join(dir, RULES_FILE), stringify({ groups }));
    for (const file of copies) copyFileSync(file, join(dir, basename(file)));
    const { stdout, stderr } = await run(promtool!, args, { cwd: dir, timeout: 60_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `promtool check rules` of `groups`: every expression parses, every field is valid. */
export const checkRules = (groups: { name: string; rules: PromRule[] }[]) =>
  promtoolIn(groups, [], ['check', 'rules', RULES_FILE]);
