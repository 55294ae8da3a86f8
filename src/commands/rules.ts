import type { Writable } from 'node:stream';
import { loadRules } from '../engine/rule-loader.js';
import type { BusinessHoursSpec } from '../engine/rule-schema.js';
import { runRuleTests } from '../rule-tests.js';

interface Output {
  stdout?: Writable;
}

/** `auditwatch rules validate`: exit 0, or a RuleError listing every problem (exit 1). */
export function validateRules(dirs: string[], hours: BusinessHoursSpec, options: Output = {}): void {
  const set = loadRules(dirs, hours);
  const disabled = set.rules.length - set.enabled.length;
  (options.stdout ?? process.stdout).write(
    `${set.rules.length} rules valid in ${dirs.join(', ')}${disabled ? ` (${disabled} disabled)` : ''}\n`,
  );
}

/** `auditwatch rules test`: one pass/fail line per case; returns false when any failed. */
export async function testRules(dirs: string[], hours: BusinessHoursSpec, options: Output = {}): Promise<boolean> {
  const out = options.stdout ?? process.stdout;
  const set = loadRules(dirs, hours);
  const results = await runRuleTests(set.rules);
  for (const r of results) {
    out.write(`${r.passed ? 'pass' : 'FAIL'}  ${r.rule}: ${r.name}\n`);
    for (const problem of r.problems) out.write(`      ${problem}\n`);
  }
  const failed = results.filter((r) => !r.passed).length;
  const untested = set.rules.filter((r) => r.spec.tests.length === 0).map((r) => r.id);
  out.write(
    `${results.length - failed} passed, ${failed} failed${untested.length ? `; no tests: ${untested.join(', ')}` : ''}\n`,
  );
  return failed === 0;
}
