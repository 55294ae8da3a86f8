import type { Alert } from './alerts/alert.js';
import type { Outbox } from './alerts/outbox.js';
import type { Router } from './alerts/router.js';
import type { Decoded } from './decode/decode.js';
import type { Engine } from './engine/engine.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

/**
 * One step of the service: a batch of decoded events through the engine, and
 * the alerts into the outbox. When `process` resolves, the batch's state
 * updates and alerts are durable, and its offsets may be committed. It throws
 * (StateError) when Redis is unreachable; the caller retries the whole batch,
 * which is safe because every step is idempotent.
 */
export class Pipeline {
  constructor(
    private engine: Engine,
    private readonly outbox: Outbox,
    private readonly router: Router,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Swaps the rule set (reload); batches in flight finish with the old one. */
  setEngine(engine: Engine): void {
    this.engine = engine;
  }

  get rules(): Engine['rules'] {
    return this.engine.rules;
  }

  async process(batch: readonly Decoded[]): Promise<void> {
    if (batch.length === 0) return;
    const result = await this.engine.evaluate(batch);
    for (const [rule, n] of result.matched) this.metrics.ruleMatches.inc({ rule: this.metrics.rule(rule) }, n);
    for (const [rule, n] of result.throttled) this.metrics.alertsThrottled.inc({ rule: this.metrics.rule(rule) }, n);
    await this.raise(result.alerts);
  }

  /** Writes alerts to the outbox for their routed sinks (also used by the silence check). */
  async raise(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    const items = alerts.map((alert) => ({ alert, sinks: this.router.sinksFor(alert) }));
    await this.outbox.enqueue(items);
    for (const { alert, sinks } of items) {
      this.metrics.alerts.inc({ rule: this.metrics.rule(alert.rule), severity: alert.severity });
      this.log.info({ alert: alert.id, rule: alert.rule, severity: alert.severity, sinks }, 'alert raised');
    }
  }
}
