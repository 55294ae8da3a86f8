import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/engine/rule-loader.js';
import { ErrorCode, RuleError, type RuleProblem } from '../../src/errors.js';

function rulesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aw-rules-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function problemsOf(files: Record<string, string>): RuleProblem[] {
  try {
    loadRules(rulesDir(files));
  } catch (error) {
    expect(error).toBeInstanceOf(RuleError);
    expect((error as RuleError).code).toBe(ErrorCode.rule);
    return [...(error as RuleError).problems];
  }
  throw new Error('expected the rules to be rejected');
}

const good = `version: 1.0.0
rules:
  - id: one
    title: One
    severity: low
    match: { outcome: failure }
    detector: { type: any }
`;

describe('loadRules', () => {
  it('loads a valid file and applies defaults', () => {
    const set = loadRules(rulesDir({ 'a.yaml': good }));
    expect(set.rules).toHaveLength(1);
    expect(set.rules[0]).toMatchObject({ id: 'one', version: '1.0.0', throttleMs: 0, tags: [] });
    expect(set.enabled).toHaveLength(1);
  });

  it('names file, line, rule and field for a schema problem', () => {
    const problems = problemsOf({
      'bad.yaml': `version: 1.0.0
rules:
  - id: broken-rule
    title: Broken
    severity: urgent
    match:
      methd: CreateAPIKey
    detector: { type: threshold, count: 0, window: 1m }
`,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'broken-rule', field: 'severity', line: 5 }),
        expect.objectContaining({
          rule: 'broken-rule',
          field: 'match',
          message: expect.stringContaining('methd') as unknown,
        }),
        expect.objectContaining({ rule: 'broken-rule', field: 'detector.count', line: 8 }),
      ]),
    );
    expect(problems.every((p) => p.file.endsWith('bad.yaml'))).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    const [problem] = problemsOf({ 'syntax.yaml': 'version: 1.0.0\nrules:\n  - id: x\n    title: [unclosed\n' });
    expect(problem).toMatchObject({ message: expect.stringMatching(/^YAML:/) as unknown });
    expect(problem!.line).toBeGreaterThan(0);
  });

  it('rejects duplicate ids across files', () => {
    const problems = problemsOf({ 'a.yaml': good, 'sub/b.yaml': good });
    expect(problems).toEqual([
      expect.objectContaining({ rule: 'one', field: 'id', message: expect.stringContaining('duplicate') as unknown }),
    ]);
  });

  it('rejects compile-time problems (bad CIDR, unknown placeholder, unknown time zone) with the field path', () => {
    const problems = problemsOf({
      'c.yaml': `version: 1.0.0
rules:
  - id: cidr
    title: C
    severity: low
    match: { clientIp: { cidr: not-a-cidr } }
    detector: { type: any }
  - id: placeholder
    title: P
    severity: low
    match: {}
    summary: "{nope}"
    detector: { type: any }
  - id: zone
    title: Z
    severity: low
    match: {}
    detector: { type: outside_hours, hours: { timezone: Mars/Olympus } }
`,
    });
    expect(problems.map((p) => [p.rule, p.field])).toEqual([
      ['cidr', 'match.clientIp.cidr'],
      ['placeholder', 'summary'],
      ['zone', 'detector.hours.timezone'],
    ]);
  });

  it('validates baseline detectors: schema fields, then bucket, half_life, forget and the figures placeholders', () => {
    const rule = (id: string, detector: string, summary = '') =>
      `  - id: ${id}\n    title: B\n    severity: low\n    match: { outcome: success }\n    group_by: [credentialId]\n    detector: ${detector}\n${summary}`;
    const problems = problemsOf({
      'b.yaml': [
        'version: 1.0.0',
        'rules:',
        rule('no-count', '{ type: baseline, z: 0 }'),
        rule('bad-field', '{ type: baseline, field: nope, min_count: 5 }'),
        '',
      ].join('\n'),
      'c.yaml': `version: 1.0.0\nrules:\n${rule('mean-elsewhere', '{ type: any }', '    summary: "{mean}"\n')}`,
    });
    expect(problems.map((p) => [p.rule, p.field])).toEqual([
      ['no-count', 'detector.z'],
      ['no-count', 'detector.min_count'],
      ['bad-field', 'detector.field'],
      ['mean-elsewhere', 'summary'],
    ]);
    // Checks across fields come after the schema, file by file.
    const compiled = problemsOf({
      'd.yaml': [
        'version: 1.0.0',
        'rules:',
        rule('short-bucket', '{ type: baseline, bucket: 30s, min_count: 5 }'),
        rule('short-half-life', '{ type: baseline, bucket: 1h, half_life: 30m, min_count: 5 }'),
        rule('short-forget', '{ type: baseline, bucket: 1h, forget: 90m, min_count: 5 }'),
        '',
      ].join('\n'),
    });
    expect(compiled.map((p) => [p.rule, p.field, p.line])).toEqual([
      ['short-bucket', 'detector.bucket', 8],
      ['short-half-life', 'detector.half_life', 15],
      ['short-forget', 'detector.forget', 22],
    ]);
    const summary = '    summary: "{count} for {key}, usually {mean} ± {deviation} (z {z})"\n';
    const set = loadRules(
      rulesDir({ 'ok.yaml': `version: 1.0.0\nrules:\n${rule('ok', '{ type: baseline, min_count: 5 }', summary)}` }),
    );
    const day = 86_400_000;
    expect(set.rules[0]!.detector).toMatchObject({
      type: 'baseline',
      bucketMs: 600_000,
      halfLifeMs: 7 * day,
      learningMs: 3 * day,
      forgetMs: 14 * day,
      z: 4,
      minDeviation: 1,
    });
    expect(set.rules[0]!.throttleMs).toBe(600_000);
  });

  it('refuses YAML tags that try to construct objects, and alias bombs', () => {
    const tagged = problemsOf({
      't.yaml': `version: 1.0.0\nrules:\n  - id: t\n    title: !!js/function "function(){}"\n    severity: low\n    match: {}\n    detector: { type: any }\n`,
    });
    expect(tagged[0]!.message).toMatch(/YAML/);
    const bomb = ['version: 1.0.0', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(`${'bcdefghij'[i]}: &${'bcdefghij'[i]} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`);
    const bombProblems = problemsOf({ 'bomb.yaml': `${bomb.join('\n')}\nrules: []\n` });
    expect(bombProblems.length).toBeGreaterThan(0);
  });

  it('refuses a 100,000-entry list', () => {
    const list = Array.from({ length: 100_000 }, (_, i) => i).join(',');
    const problems = problemsOf({
      'big.yaml': `version: 1.0.0\nrules:\n  - id: big\n    title: B\n    severity: low\n    match: { connectionId: [${list}] }\n    detector: { type: any }\n`,
    });
    expect(problems[0]).toMatchObject({ rule: 'big', field: 'match.connectionId' });
  });

  it('refuses a file over 1 MiB', () => {
    expect(problemsOf({ 'huge.yaml': `# ${'x'.repeat(1_100_000)}\n${good}` })[0]!.message).toMatch(/larger than/);
  });

  it('reports an empty or missing directory', () => {
    expect(problemsOf({})[0]!.message).toMatch(/no rule files/);
    expect(() => loadRules('/nonexistent/rules')).toThrow(/cannot read rules directory/);
  });
});
