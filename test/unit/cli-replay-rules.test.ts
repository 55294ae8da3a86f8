import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('auditwatch replay (built CLI)', () => {
  it('replays the bundled sample: JSON alerts on stdout, a summary on stderr', async () => {
    const { code, stdout, stderr } = await runCli(['replay', 'examples/audit-events.jsonl']);
    expect(code).toBe(0);
    const alerts = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: string; id: string; summary: string });
    expect(new Set(alerts.map((a) => a.rule)).size).toBeGreaterThanOrEqual(6);
    expect(alerts.every((a) => /^[0-9a-f]{32}$/.test(a.id))).toBe(true);
    expect(stderr).toMatch(/replay: read 275, decoded 275, invalid 0, duplicate ids 0; alerts \d+ \(/);
  });

  it('pretty format is one readable line plus the summary per alert', async () => {
    const { stdout } = await runCli(['replay', 'examples/audit-events.jsonl', '--format', 'pretty']);
    expect(stdout).toMatch(/^2026-03-07T21:12:20\.000Z {2}HIGH {5}failed-auth-burst/m);
  });

  it('reads stdin, counts bad lines and goes on', async () => {
    const { code, stderr } = await runCli(['replay', '-'], { stdin: 'garbage\n{"id":1}\n' });
    expect(code).toBe(0);
    expect(stderr).toContain('read 2, decoded 0, invalid 2');
  });

  it('exits 1 naming the file, rule and field for a broken rules directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aw-cli-rules-'));
    writeFileSync(
      join(dir, 'x.yaml'),
      'version: 1.0.0\nrules:\n  - id: bad\n    title: t\n    severity: low\n    match: {}\n    detector: { type: threshold, window: 1m }\n',
    );
    const { code, stderr } = await runCli(['replay', 'examples/audit-events.jsonl', '--rules', dir]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/x\.yaml:7: rule bad field detector\.count: /);
  });

  it('rejects an unknown format with exit 2', async () => {
    const { code, stderr } = await runCli(['replay', 'examples/audit-events.jsonl', '--format', 'xml']);
    expect(code).toBe(2);
    expect(stderr).toContain('--format');
  });
});

describe('auditwatch rules (built CLI)', () => {
  it('validate passes on the bundled pack', async () => {
    const { code, stdout } = await runCli(['rules', 'validate']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+ rules valid/);
  });

  it('test prints a line per case and passes on the bundled pack', async () => {
    const { code, stdout } = await runCli(['rules', 'test']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^pass {2}failed-auth-burst: /m);
    expect(stdout).toMatch(/^\d+ passed, 0 failed$/m);
  });

  it('test exits 1 when a case fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aw-cli-rules-'));
    writeFileSync(
      join(dir, 'x.yaml'),
      `version: 1.0.0
rules:
  - id: any-failure
    title: Any failure
    severity: low
    match: { outcome: failure }
    detector: { type: any }
    tests:
      - name: expects an alert that never comes
        events: [{ id: e1, type: io.confluent.kafka.server/authentication, source: "crn:///kafka=x", specversion: "1.0", time: "2026-01-01T00:00:00Z", data: { result: { status: SUCCESS } } }]
        expect: [{}]
`,
    );
    const { code, stdout } = await runCli(['rules', 'test', dir]);
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL  any-failure: expects an alert that never comes');
    expect(stdout).toContain('0 passed, 1 failed');
  });
});
