import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadRules, ruleFiles } from '../../src/engine/rule-loader.js';
import { ruleFileSchemaText } from '../../src/engine/rule-json-schema.js';
import { runRuleTests } from '../../src/rule-tests.js';
import { BUNDLED_RULES_DIR } from '../../src/settings.js';

const REQUIRED = [
  'failed-auth-burst',
  'credential-stuffing',
  'brute-force-success',
  'api-key-new-ip',
  'api-key-new-cluster',
  'api-key-dormant-reuse',
  'after-hours-org-change',
  'privileged-role-granted',
  'destructive-change',
  'mass-topic-deletion',
  'permission-probing',
  'acl-change',
  'ip-filter-denied',
  'audit-log-silence',
  'identity-provider-changed',
  'sso-changed',
  'user-deleted',
  'user-invitation-burst',
  'api-key-for-other-principal',
  'admin-service-account-key',
  'ip-filter-changed',
  'network-perimeter-changed',
  'cluster-link-changed',
  'connector-destination-changed',
  'custom-connector-plugin-uploaded',
  'flink-statement-new-principal',
  'tableflow-table-created',
  'mass-schema-deletion',
  'api-key-volume-spike',
  'principal-denial-spike',
  'principal-resource-spread',
  'org-change-spike',
];

describe('the bundled rule pack', () => {
  const set = loadRules(BUNDLED_RULES_DIR);

  it('has every required rule, enabled', () => {
    expect(set.enabled.map((r) => r.id)).toEqual(expect.arrayContaining(REQUIRED));
  });

  it('gives every rule a case that fires and a case that must not', () => {
    for (const rule of set.rules) {
      const tests = rule.spec.tests;
      expect(
        tests.some((t) => t.expect.length > 0),
        `${rule.id} has a firing case`,
      ).toBe(true);
      expect(
        tests.some((t) => t.expect.length === 0),
        `${rule.id} has a quiet case`,
      ).toBe(true);
    }
  });

  it('passes all its behaviour tests', async () => {
    const results = await runRuleTests(set.rules);
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(2 * set.rules.length);
  });

  it('detects a broken expectation (the tests can fail)', async () => {
    const rule = set.rules.find((r) => r.id === 'failed-auth-burst')!;
    const broken = { ...rule, spec: { ...rule.spec, tests: [{ ...rule.spec.tests[0]!, expect: [{ count: 99 }] }] } };
    const [result] = await runRuleTests([broken]);
    expect(result!.passed).toBe(false);
    expect(result!.problems[0]).toMatch(/count is 5, expected 99/);
  });
});

describe('rules/rule-file.schema.json', () => {
  const checkedIn = readFileSync(new URL('../../rules/rule-file.schema.json', import.meta.url), 'utf8');

  it('is what the rule language generates (run `npm run schema` after changing it)', () => {
    expect(checkedIn).toBe(ruleFileSchemaText());
  });

  it('accepts every bundled rule file and rejects a broken one', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(checkedIn) as object);
    for (const file of ruleFiles(BUNDLED_RULES_DIR)) {
      expect(validate(parse(readFileSync(file, 'utf8'))), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(
      validate({
        version: '1.0.0',
        rules: [{ id: 'x', title: 'x', severity: 'urgent', match: {}, detector: { type: 'any' } }],
      }),
    ).toBe(false);
  });
});
