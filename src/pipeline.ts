import type { Alert } from './alerts/alert.js';
import type { Router } from './alerts/router.js';
import type { Decoded } from './decode/decode.js';
import type { RoutedAlert } from './delivery/delivery-queues.js';
import type { Engine, Evaluation } from './engine/engine.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

/** Where raised alerts go: the delivery queues (DeliveryQueues). */
export interface AlertQueue {
  /** Resolves once the alerts are durable; adding an alert id again is a no-op. */
  add(items: readonly RoutedAlert[]): Promise<void>;
}

/**
 * The one path from decoded events to alerts, for `run` and `replay` alike: a
 * batch through the engine, and its alerts, with the sinks their routes name,
 * into an AlertQueue (the delivery queues for `run`; the output, and with
 * `--deliver` the sinks, for `replay`). When `process` resolves, the batch's state
 * updates and alerts are durable, and its offsets may be committed. It throws
 * (StateError) when Redis is unreachable; the caller retries the whole batch,
 * which is safe because every step is idempotent.
 */
export class Pipeline {
  constructor(
    private engine: Engine,
    private readonly queue: AlertQueue,
    private readonly router: Router,
    /** The service's metrics and log; replay has neither. */
    private readonly metrics?: Metrics,
    private readonly log?: Logger,
  ) {}

  /** Swaps the rule set (reload); batches in flight finish with the old one. */
  setEngine(engine: Engine): void {
    this.engine = engine;
  }

  get rules(): Engine['rules'] {
    return this.engine.rules;
  }

  /**
   * Evaluates a batch and queues its alerts; resolves with the evaluation once they are durable. `arrivedAtMs`
   * (wall clock, the service's) is recorded as the time events last arrived, with the batch's state updates.
   */
  async process(batch: readonly Decoded[], arrivedAtMs?: number): Promise<Evaluation | undefined> {
    if (batch.length === 0) return undefined;
    const result = await this.engine.evaluate(batch, arrivedAtMs);
    const m = this.metrics;
    if (m !== undefined) {
      for (const [rule, n] of result.matched) m.ruleMatches.inc({ rule: m.rule(rule) }, n);
      for (const [rule, n] of result.throttled) m.alertsThrottled.inc({ rule: m.rule(rule) }, n);
    }
    await this.raise(result.alerts);
    return result;
  }

  /** Adds alerts to the queues of their routed sinks (also used by the silence check). */
  async raise(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    const items = alerts.map((alert) => ({ alert, sinks: this.router.sinksFor(alert) }));
    await this.queue.add(items);
    for (const { alert, sinks } of items) {
      this.metrics?.alerts.inc({ rule: this.metrics.rule(alert.rule), severity: alert.severity });
      this.log?.info({ alert: alert.id, rule: alert.rule, severity: alert.severity, sinks }, 'alert raised');
    }
  }
}
