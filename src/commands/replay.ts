import type { Writable } from 'node:stream';
import type { Alert } from '../alerts/alert.js';
import type { Router } from '../alerts/router.js';
import { plainText } from '../alerts/summary.js';
import { Engine } from '../engine/engine.js';
import { loadRules } from '../engine/rule-loader.js';
import type { BusinessHoursSpec } from '../engine/rule-schema.js';
import { replay, type ReplaySummary } from '../replay.js';
import { decodeJsonLines } from '../source/jsonl-source.js';
import type { StateStore } from '../state/state-store.js';
import { LineWriter } from './line-writer.js';

export interface ReplayCommandOptions {
  rulesDirs: string[];
  hours: BusinessHoursSpec;
  state: StateStore;
  format: 'json' | 'pretty';
  latenessMs?: number;
  maxBytes?: number;
  /** Also send each alert to the sinks its configured routes name (`--deliver`). */
  deliver?: { router: Router; send(alert: Alert, sinks: readonly string[]): Promise<void> };
  stdout?: Writable;
  stderr?: Writable;
}

/** `auditwatch replay`: alerts on stdout (JSON lines or a readable table), a summary on stderr. */
export async function replayCommand(path: string | undefined, options: ReplayCommandOptions): Promise<ReplaySummary> {
  const rules = loadRules(options.rulesDirs, options.hours);
  const engine = new Engine(rules.enabled, options.state);
  const out = new LineWriter(options.stdout ?? process.stdout);
  const err = options.stderr ?? process.stderr;
  const summary = await replay(decodeJsonLines(path, options.maxBytes), {
    engine,
    latenessMs: options.latenessMs,
    router: options.deliver?.router,
    onAlert: async (alert, sinks) => {
      await out.write(options.format === 'pretty' ? prettyAlert(alert) : JSON.stringify(alert));
      await options.deliver?.send(alert, sinks);
    },
    onInvalid: (r) => void err.write(`line ${r.lineNumber}: ${r.reason}: ${r.message}\n`),
  });
  err.write(`replay: ${summary.toString()}\n`);
  return summary;
}

/** One line per alert for people at a terminal; event text is made plain (no control characters). */
export function prettyAlert(alert: Alert): string {
  const key =
    Object.entries(alert.key)
      .map(([k, v]) => `${k}=${plainText(v, 60)}`)
      .join(' ') || '-';
  return `${alert.time}  ${alert.severity.toUpperCase().padEnd(8)} ${alert.rule.padEnd(26)} ${key}\n    ${plainText(alert.summary, 300)}`;
}
