import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixtureLines } from '../support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'aw-inspect-'));

describe('auditwatch inspect (built CLI)', () => {
  it('lists its commands in --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('inspect');
  });

  it('decodes every real sample and keeps big ids exact', async () => {
    const { code, stdout, stderr } = await runCli(['inspect', 'test/fixtures/real-events.jsonl']);
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toHaveLength(8);
    expect(events[0]).toMatchObject({ connectionId: '166974528338100003', requestId: '166978134999900003' });
    expect(stderr).toContain('read 8, decoded 8, invalid 0');
  });

  it('reports every bad line with its number and reason, and goes on', async () => {
    const good = fixtureLines('real-events.jsonl');
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(`${good[0]}\nnot json\n[1]\n{"id":"x"}\n`),
        Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]),
        Buffer.from(`"${'a'.repeat(5 * 1024 * 1024)}"\n${good[1]}\n`),
      ]),
    );
    const { code, stdout, stderr } = await runCli(['inspect', file]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(2);
    expect(stderr).toMatch(/^line 2: invalid_json: /m);
    expect(stderr).toMatch(/^line 3: not_object: /m);
    expect(stderr).toMatch(/^line 4: missing_field: /m);
    expect(stderr).toMatch(/^line 5: invalid_utf8: /m);
    expect(stderr).toMatch(/^line 6: too_large: /m);
    expect(stderr).toContain('read 7, decoded 2, invalid 5');
  });

  it('reads stdin and gzipped files', async () => {
    const text = fixtureLines('synthetic-events.jsonl').join('\n');
    const fromStdin = await runCli(['inspect', '-'], { stdin: text });
    expect(fromStdin.stdout.trim().split('\n')).toHaveLength(11);
    const gz = join(dir, 'events.jsonl.gz');
    writeFileSync(gz, gzipSync(text));
    const fromGz = await runCli(['inspect', gz]);
    expect(fromGz.stdout).toBe(fromStdin.stdout);
  });

  it('exits 2 with a clear message for a missing file', async () => {
    const { code, stderr } = await runCli(['inspect', join(dir, 'nope.jsonl')]);
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read input file');
  });
});
