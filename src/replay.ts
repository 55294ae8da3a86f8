import type { Alert } from './alerts/alert.js';
import { Router } from './alerts/router.js';
import { Pipeline, type AlertQueue } from './pipeline.js';
import { JsonLines, type NumberedResult } from './source/jsonl-source.js';
import { ReorderBuffer } from './source/reorder-buffer.js';
import type { Decoded } from './decode/decode.js';
import type { Engine } from './engine/engine.js';
import { InputSummary } from './source/input-summary.js';

export interface ReplayOptions {
  engine: Engine;
  /** How far out of order events may arrive and still be evaluated in order, in ms of event time; default 15 min. */
  latenessMs?: number;
  /** Events per engine call (one state round trip each); default 1000. */
  batchSize?: number;
  /** Routes that name each alert's sinks (`replay --deliver`); default none. */
  router?: Router;
  /** Called once per distinct alert id, in order, with the sinks its routes name. */
  onAlert(alert: Alert, sinks: readonly string[]): Promise<void> | void;
  /** Called for each line that is not an audit event. */
  onInvalid?(result: NumberedResult & { ok: false }): void;
}

/** What a replay saw and raised. */
export class ReplaySummary extends InputSummary {
  duplicates = 0;
  readonly alertsByRule = new Map<string, number>();
  readonly throttledByRule = new Map<string, number>();

  get alerts(): number {
    return [...this.alertsByRule.values()].reduce((a, b) => a + b, 0);
  }

  override toString(): string {
    const rules = [...this.alertsByRule].sort(([a], [b]) => a.localeCompare(b)).map(([rule, n]) => `${rule}: ${n}`);
    const throttled = [...this.throttledByRule.values()].reduce((a, b) => a + b, 0);
    const byRule = rules.length ? ` (${rules.join(', ')})` : '';
    return `${super.toString()}, duplicate ids ${this.duplicates}; alerts ${this.alerts}${byRule}; throttled ${throttled}`;
  }
}

/**
 * Runs decoded lines through the rules: the service's Pipeline (engine, state,
 * routes) with a file instead of Kafka and `onAlert` instead of the delivery
 * queues, events put back in time order within `latenessMs`, and every alert id
 * emitted once (as a delivery queue takes each id once).
 */
export async function replay(
  input: JsonLines | readonly NumberedResult[],
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const summary = new ReplaySummary();
  const buffer = new ReorderBuffer(options.latenessMs ?? 15 * 60_000);
  const batchSize = options.batchSize ?? 1_000;
  const emitted = new Set<string>();
  const output: AlertQueue = {
    async add(items) {
      for (const { alert, sinks } of items) {
        if (emitted.has(alert.id)) continue;
        emitted.add(alert.id);
        summary.alertsByRule.set(alert.rule, (summary.alertsByRule.get(alert.rule) ?? 0) + 1);
        await options.onAlert(alert, sinks);
      }
    },
  };
  const pipeline = new Pipeline(options.engine, output, options.router ?? new Router([]));

  const evaluate = async (events: Decoded[]): Promise<void> => {
    for (let i = 0; i < events.length; i += batchSize) {
      const result = await pipeline.process(events.slice(i, i + batchSize));
      for (const [rule, n] of result?.throttled ?? [])
        summary.throttledByRule.set(rule, (summary.throttledByRule.get(rule) ?? 0) + n);
    }
  };

  // A file is read per input chunk: an async step per event would cost more than decoding one.
  const chunks = input instanceof JsonLines ? input.chunks() : [input];
  for await (const results of chunks) {
    for (const result of results) {
      summary.read++;
      if (!result.ok) {
        summary.countInvalid(result.reason);
        options.onInvalid?.(result);
        continue;
      }
      summary.decoded++;
      const ready = buffer.push(result);
      if (ready.length > 0) await evaluate(ready);
    }
  }
  await evaluate(buffer.drain());
  summary.duplicates = buffer.duplicates;
  return summary;
}
