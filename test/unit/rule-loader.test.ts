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
        expect.objectContaining({ rule: 'broken-rule', field: 'match', message: expect.stringContaining('methd') }),
        expect.objectContaining({ rule: 'broken-rule', field: 'detector.count', line: 8 }),
      ]),
    );
    expect(problems.every((p) => p.file.endsWith('bad.yaml'))).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    const [problem] = problemsOf({ 'syntax.yaml': 'version: 1.0.0\nrules:\n  - id: x\n    title: [unclosed\n' });
    expect(problem).toMatchObject({ message: expect.stringMatching(/^YAML:/) });
    expect(problem!.line).toBeGreaterThan(0);
  });

  it('rejects duplicate ids across files', () => {
    const problems = problemsOf({ 'a.yaml': good, 'sub/b.yaml': good });
    expect(problems).toEqual([expect.objectContaining({ rule: 'one', field: 'id', message: expect.stringContaining('duplicate') })]);
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

  it('refuses YAML tags that try to construct objects, and alias bombs', () => {
    const tagged = problemsOf({ 't.yaml': `version: 1.0.0\nrules:\n  - id: t\n    title: !!js/function "function(){}"\n    severity: low\n    match: {}\n    detector: { type: any }\n` });
    expect(tagged[0]!.message).toMatch(/YAML/);
    const bomb = ['version: 1.0.0', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) bomb.push(`${'bcdefghij'[i]}: &${'bcdefghij'[i]} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`);
    const bombProblems = problemsOf({ 'bomb.yaml': `${bomb.join('\n')}\nrules: []\n` });
    expect(bombProblems.length).toBeGreaterThan(0);
  });

  it('refuses a 100,000-entry list', () => {
    const list = Array.from({ length: 100_000 }, (_, i) => i).join(',');
    const problems = problemsOf({ 'big.yaml': `version: 1.0.0\nrules:\n  - id: big\n    title: B\n    severity: low\n    match: { connectionId: [${list}] }\n    detector: { type: any }\n` });
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
