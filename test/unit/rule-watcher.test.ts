import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRules } from '../../src/engine/rule-loader.js';
import { RuleWatcher } from '../../src/engine/rule-watcher.js';
import { createLogger } from '../../src/log.js';
import { ConfigMapDir } from '../support/configmap-dir.js';
import { until } from '../support/service-process.js';

const rule = (id: string) => `version: 1.0.0
rules:
  - id: ${id}
    title: Rule ${id}
    severity: low
    match: { method: kafka.Authentication }
    detector: { type: any }
`;

const DEBOUNCE_MS = 300;
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0).reverse()) step();
});

/** A watcher on `dirs` that records when it was called and what the loader saw then. */
function watched(dirs: string[], onChange: () => Promise<unknown> = () => Promise.resolve()) {
  const calls: Array<{ at: number; ids: string[] }> = [];
  const logs: string[] = [];
  const log = createLogger(
    'info',
    new Writable({
      write: (chunk: Buffer, _enc, done) => {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  const watcher = new RuleWatcher({
    dirs,
    debounceMs: DEBOUNCE_MS,
    log,
    onChange: async () => {
      calls.push({ at: Date.now(), ids: loadRules(dirs).rules.map((r) => r.id) });
      await onChange();
    },
  });
  watcher.start();
  cleanup.push(() => watcher.close());
  return { calls, logs };
}

function configMap(files: Record<string, string>): ConfigMapDir {
  const dir = ConfigMapDir.create(files);
  cleanup.push(() => dir.remove());
  return dir;
}

describe('RuleWatcher', () => {
  it('a kubelet-style ..data swap reloads once, after the quiet time, and sees the new files', async () => {
    const dir = configMap({ 'a.yaml': rule('one') });
    const { calls } = watched([dir.path]);
    dir.update({ 'a.yaml': rule('two') });
    dir.update({ 'a.yaml': rule('three') });
    const lastChange = Date.now();
    dir.update({ 'a.yaml': rule('four'), 'b.yaml': rule('five') });
    await until(() => calls.length >= 1, 10_000, 'a reload');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.at - lastChange).toBeGreaterThanOrEqual(DEBOUNCE_MS - 20);
    expect(calls[0]!.ids).toEqual(['four', 'five']);
    // The burst gave one reload: the next change gives exactly the second.
    dir.update({ 'a.yaml': rule('six') });
    await until(() => calls.length >= 2, 10_000, 'a second reload');
    expect(calls.map((c) => c.ids)).toEqual([['four', 'five'], ['six']]);
  });

  it('a file edited in place and a file in a visible subdirectory both trigger a reload', async () => {
    const dir = configMap({ 'a.yaml': rule('one') });
    const plain = join(dir.path, 'plain');
    mkdirSync(plain);
    writeFileSync(join(plain, 'p.yaml'), rule('p-one'));
    const { calls } = watched([plain]);
    writeFileSync(join(plain, 'p.yaml'), rule('p-two'));
    await until(() => calls.length >= 1, 10_000, 'a reload after an edit');
    mkdirSync(join(plain, 'team'));
    await until(() => calls.length >= 2, 10_000, 'a reload after a new subdirectory');
    writeFileSync(join(plain, 'team', 't.yaml'), rule('t-one'));
    await until(() => calls.at(-1)!.ids.includes('t-one'), 10_000, 'a reload seeing the subdirectory file');
    rmSync(join(plain, 'team'), { recursive: true });
    await until(() => !calls.at(-1)!.ids.includes('t-one'), 10_000, 'a reload after the subdirectory is gone');
  });

  it('a failing reload is logged and the watcher keeps watching', async () => {
    const dir = configMap({ 'a.yaml': rule('one') });
    let fail = true;
    const { calls, logs } = watched([dir.path], () => {
      if (fail) {
        fail = false;
        return Promise.reject(new Error('boom'));
      }
      return Promise.resolve();
    });
    dir.update({ 'a.yaml': rule('two') });
    await until(() => logs.some((l) => l.includes('boom')), 10_000, 'the failure logged');
    dir.update({ 'a.yaml': rule('three') });
    await until(() => calls.length >= 2, 10_000, 'a reload after the failure');
    expect(calls.at(-1)!.ids).toEqual(['three']);
  });
});

describe('rule set hash', () => {
  it('changes with a file, not with the mount path or the ConfigMap generation', () => {
    const a = configMap({ 'a.yaml': rule('one') });
    const b = configMap({ 'a.yaml': rule('one') });
    const first = loadRules(a.path).hash;
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(loadRules(b.path).hash).toBe(first);
    b.update({ 'a.yaml': rule('one') });
    expect(loadRules(b.path).hash).toBe(first);
    b.update({ 'a.yaml': rule('two') });
    expect(loadRules(b.path).hash).not.toBe(first);
    b.update({ 'renamed.yaml': rule('one') });
    expect(loadRules(b.path).hash).not.toBe(first);
  });
});
