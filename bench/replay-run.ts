/**
 * Replay speed on a large JSON-lines file, in this process: `replay()` (the
 * library behind `auditwatch replay`) with the whole built-in rule pack and
 * in-memory state, against a bare loop that only reads the same lines and
 * JSON.parses them. The library is imported from the build (dist/), the code
 * `auditwatch replay` runs, so a CPU profile names real source lines.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createInterface } from 'node:readline';

type ReplayModule = typeof import('../src/replay.js');
type EngineModule = typeof import('../src/engine/engine.js');
type RuleLoaderModule = typeof import('../src/engine/rule-loader.js');
type SettingsModule = typeof import('../src/settings.js');
type MemoryStoreModule = typeof import('../src/state/memory-store.js');
type JsonlSourceModule = typeof import('../src/source/jsonl-source.js');

const DIST = new URL('../dist/', import.meta.url);

async function fromDist<T>(path: string): Promise<T> {
  return (await import(new URL(path, DIST).href)) as T;
}

export interface ReplayResult {
  events: number;
  /** Events per second of replay() (read, decode, reorder, rules, in-memory state). */
  replayEps: number;
  replaySeconds: number;
  alerts: number;
  alertsByRule: Record<string, number>;
  /** Lines per second of the bare loop: the mean of one pass before and one after the replay. */
  parseEps: number;
  parsePasses: number[];
}

/** The bare loop: stream the file, split lines, JSON.parse each. */
export async function parseLines(file: string): Promise<{ lines: number; eps: number }> {
  const start = performance.now();
  let lines = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line === '') continue;
    JSON.parse(line);
    lines++;
  }
  return { lines, eps: lines / ((performance.now() - start) / 1000) };
}

export async function runReplay(file: string, profileFile?: string): Promise<ReplayResult> {
  const { replay } = await fromDist<ReplayModule>('replay.js');
  const { Engine } = await fromDist<EngineModule>('engine/engine.js');
  const { loadRules } = await fromDist<RuleLoaderModule>('engine/rule-loader.js');
  const { BUNDLED_RULES_DIR } = await fromDist<SettingsModule>('settings.js');
  const { MemoryStateStore } = await fromDist<MemoryStoreModule>('state/memory-store.js');
  const { decodeJsonLines } = await fromDist<JsonlSourceModule>('source/jsonl-source.js');

  const before = await parseLines(file);
  const engine = new Engine(loadRules([BUNDLED_RULES_DIR], {}).enabled, new MemoryStateStore());
  let alerts = 0;
  const stopProfile = profileFile === undefined ? undefined : startProfile(profileFile);
  const start = performance.now();
  const summary = await replay(decodeJsonLines(file), {
    engine,
    // What the CLI does with an alert, minus the terminal: serialize it.
    onAlert: (alert) => {
      JSON.stringify(alert);
      alerts++;
    },
  });
  const replaySeconds = (performance.now() - start) / 1000;
  stopProfile?.();
  const after = await parseLines(file);
  return {
    events: summary.decoded,
    replayEps: summary.read / replaySeconds,
    replaySeconds,
    alerts,
    alertsByRule: Object.fromEntries(summary.alertsByRule),
    parseEps: (before.eps + after.eps) / 2,
    parsePasses: [before.eps, after.eps],
  };
}

/** Profiles this process (the replay part only) with the inspector; the returned function writes the profile. */
function startProfile(file: string): () => void {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  return () => {
    session.post('Profiler.stop', (error, result) => {
      if (error === null) writeFileSync(file, JSON.stringify(result.profile));
      session.disconnect();
    });
  };
}
