import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Alert } from './alerts/alert.js';
import { decodeRecord } from './decode/decode.js';
import { durationMs } from './engine/duration.js';
import type { CompiledRule } from './engine/compile.js';
import { Engine } from './engine/engine.js';
import type { RuleTestSpec } from './engine/rule-schema.js';
import { checkSilence } from './engine/silence.js';
import { replay } from './replay.js';
import { MemoryStateStore } from './state/memory-store.js';
import type { StateStore } from './state/state-store.js';

export interface CaseResult {
  rule: string;
  name: string;
  passed: boolean;
  /** Why it failed (empty when passed). */
  problems: string[];
  /** The alerts the events raised, in order. */
  alerts: Alert[];
}

/**
 * Runs every behaviour test of every rule through the real engine, each case on
 * fresh state: in memory, or from `openStore` (tests compare stores with it).
 */
export async function runRuleTests(
  rules: readonly CompiledRule[],
  openStore: () => StateStore = () => new MemoryStateStore(),
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const rule of rules) {
    for (const test of rule.spec.tests) {
      const store = openStore();
      try {
        results.push(await runCase(rule, test, store));
      } finally {
        await store.close();
      }
    }
  }
  return results;
}

async function runCase(rule: CompiledRule, test: RuleTestSpec, store: StateStore): Promise<CaseResult> {
  const problems: string[] = [];
  const h = test.history;
  const history = h === undefined ? [] : repeated(loadLines(rule, h.events, problems), durationMs(h.every), h.repeat);
  const inputs = [...history, ...loadLines(rule, test.events, problems)].map((line, i) => {
    const result = decodeRecord(line);
    if (!result.ok) problems.push(`event ${i + 1}: ${result.reason}: ${result.message}`);
    return result;
  });
  const alerts: Alert[] = [];
  if (rule.detector.type === 'silence') {
    if (test.now === undefined) problems.push('a silence rule test needs `now`');
    const times = inputs.flatMap((r) => (r.ok ? [r.timeMs] : []));
    const alert = checkSilence(rule, times.length ? Math.max(...times) : undefined, Date.parse(test.now ?? ''));
    if (alert !== undefined) alerts.push(alert);
  } else {
    const engine = new Engine([rule], store);
    await replay(
      inputs.map((r, i) => ({ ...r, lineNumber: i + 1 })),
      { engine, onAlert: (a) => void alerts.push(a) },
    );
  }
  if (alerts.length !== test.expect.length) {
    problems.push(
      `expected ${test.expect.length} alert(s), got ${alerts.length}${alerts.length ? `: ${alerts.map((a) => a.summary).join(' | ')}` : ''}`,
    );
  } else {
    test.expect.forEach((want, i) => {
      const got = alerts[i];
      if (got === undefined) return; // the counts are equal: never
      for (const [field, value] of Object.entries(want.key ?? {})) {
        if (got.key[field] !== value)
          problems.push(
            `alert ${i + 1}: key ${field} is ${JSON.stringify(got.key[field])}, expected ${JSON.stringify(value)}`,
          );
      }
      if (want.count !== undefined && got.count !== want.count)
        problems.push(`alert ${i + 1}: count is ${got.count}, expected ${want.count}`);
      if (want.trigger !== undefined && got.trigger !== want.trigger)
        problems.push(`alert ${i + 1}: trigger is ${got.trigger}, expected ${want.trigger}`);
    });
  }
  return { rule: rule.id, name: test.name, passed: problems.length === 0, problems, alerts };
}

function loadLines(rule: CompiledRule, events: RuleTestSpec['events'], problems: string[]): string[] {
  if (typeof events !== 'string') return events.map((e) => JSON.stringify(e));
  const path = resolve(dirname(resolve(rule.file)), events);
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    problems.push(`cannot read events file ${events} (relative to ${rule.file})`);
    return [];
  }
}

/** The history's lines `repeat` times, copy k shifted by k × every and its ids suffixed `~k`; lines that are not events stay as they are. */
function repeated(lines: string[], everyMs: number, repeat: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < repeat; k++) {
    for (const line of lines) {
      let event: { id?: unknown; time?: unknown };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        out.push(line);
        continue;
      }
      const timeMs = typeof event.time === 'string' ? Date.parse(event.time) : NaN;
      if (typeof event.id !== 'string' || Number.isNaN(timeMs)) out.push(line);
      else
        out.push(
          JSON.stringify({ ...event, id: `${event.id}~${k}`, time: new Date(timeMs + k * everyMs).toISOString() }),
        );
    }
  }
  return out;
}
