import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DECODE_REASONS } from './decode/decode.js';

/** Label value for anything outside a label's known set, so cardinality stays bounded. */
export const UNKNOWN = '__unknown__';

/** Why a record was skipped after it decoded: processing it failed every time (an engine bug, a record that breaks a rule). */
export const SKIP_REASONS = ['processing_error'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

const CATEGORIES = new Set(['authentication', 'authorization', 'request', 'access-transparency', 'other']);

/**
 * Every metric auditwatch exports, in one registry. Labels are bounded sets:
 * event category, decode reason, rule id, severity, sink, outcome, partition —
 * never a principal, IP or key.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly knownRules = new Set<string>();
  private readonly knownSinks = new Set<string>();

  readonly eventsConsumed = new Counter({
    name: 'auditwatch_events_consumed_total',
    help: 'Audit events decoded, by category.',
    labelNames: ['category'],
    registers: [this.registry],
  });
  readonly decodeFailures = new Counter({
    name: 'auditwatch_decode_failures_total',
    help: 'Records that were not audit events, by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly recordsSkipped = new Counter({
    name: 'auditwatch_records_skipped_total',
    help: 'Decoded records skipped (or sent to the dead-letter topic) because processing them kept failing, by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'auditwatch_batch_processing_seconds',
    help: 'Time to process one batch: decode, rules, state, delivery queues.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly eventLagSeconds = new Histogram({
    name: 'auditwatch_event_lag_seconds',
    help: 'Wall clock minus event time when an event is processed.',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 86400],
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'auditwatch_consumer_lag_messages',
    help: 'High watermark minus the next offset to process, per partition.',
    labelNames: ['partition'],
    registers: [this.registry],
  });
  readonly lastEventTimestamp = new Gauge({
    name: 'auditwatch_last_event_timestamp_seconds',
    help: 'Wall-clock time the last audit event was consumed.',
    registers: [this.registry],
  });
  readonly ruleMatches = new Counter({
    name: 'auditwatch_rule_matches_total',
    help: 'Events that matched a rule (before detection and throttling).',
    labelNames: ['rule'],
    registers: [this.registry],
  });
  readonly alerts = new Counter({
    name: 'auditwatch_alerts_total',
    help: 'Alerts raised (added to the delivery queues), by rule and severity.',
    labelNames: ['rule', 'severity'],
    registers: [this.registry],
  });
  readonly alertsThrottled = new Counter({
    name: 'auditwatch_alerts_throttled_total',
    help: 'Alerts suppressed by the throttle.',
    labelNames: ['rule'],
    registers: [this.registry],
  });
  readonly outboxPending = new Gauge({
    name: 'auditwatch_outbox_pending',
    help: 'Alerts waiting for delivery (waiting + delayed), per sink.',
    labelNames: ['sink'],
    registers: [this.registry],
  });
  readonly outboxOldestSeconds = new Gauge({
    name: 'auditwatch_outbox_oldest_seconds',
    help: 'Age of the oldest alert not yet delivered, per sink, in seconds.',
    labelNames: ['sink'],
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'auditwatch_deliveries_total',
    help: 'Delivery attempts by sink and outcome (success, retry, rate_limited, dead_letter).',
    labelNames: ['sink', 'outcome'],
    registers: [this.registry],
  });
  readonly deliverySeconds = new Histogram({
    name: 'auditwatch_delivery_seconds',
    help: 'Time of one delivery attempt.',
    labelNames: ['sink'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'auditwatch_dead_letters_total',
    help: 'Alerts given up on (permanent refusal or give-up time) and kept as dead letters.',
    labelNames: ['sink'],
    registers: [this.registry],
  });
  readonly alertsLost = new Counter({
    name: 'auditwatch_alerts_lost_total',
    help: 'Undelivered alerts lost because Redis lost its data, per sink.',
    labelNames: ['sink'],
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({
    name: 'auditwatch_redis_errors_total',
    help: 'Failed Redis operations (state or delivery queues).',
    registers: [this.registry],
  });
  readonly stateOpsSkipped = new Counter({
    name: 'auditwatch_state_ops_skipped_total',
    help: 'State operations answered by the quiet cache without Redis (certainly quiet, refresh not yet due).',
    registers: [this.registry],
  });
  readonly stateCacheEntries = new Gauge({
    name: 'auditwatch_state_cache_entries',
    help: 'Facts held by the quiet cache of this replica.',
    registers: [this.registry],
  });
  readonly rebalances = new Counter({
    name: 'auditwatch_rebalances_total',
    help: 'Consumer group rebalances this replica took part in.',
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: 'auditwatch_ready',
    help: '1 when the consumer has joined, Redis answers and rules are loaded.',
    registers: [this.registry],
  });
  readonly rulesLoaded = new Gauge({
    name: 'auditwatch_rules_loaded',
    help: 'Enabled rules in the loaded rule set.',
    registers: [this.registry],
  });
  readonly rulesReloads = new Counter({
    name: 'auditwatch_rules_reloads_total',
    help: 'Rule reloads (POST /-/reload or a change in a rules directory), by result (success, failure: the previous rules stay).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly rulesInfo = new Gauge({
    name: 'auditwatch_rules_info',
    help: 'Always 1, labelled with the hash of the loaded rule set (16 hex digits of SHA-256 over its files).',
    labelNames: ['hash'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'auditwatch_' });
    for (const reason of DECODE_REASONS) this.decodeFailures.inc({ reason }, 0);
    for (const result of ['success', 'failure']) this.rulesReloads.inc({ result }, 0);
    for (const reason of SKIP_REASONS) this.recordsSkipped.inc({ reason }, 0);
  }

  /** Records the loaded rule set's hash: only the current one has a series, so the label stays one value per replica. */
  rulesHash(hash: string): void {
    this.rulesInfo.reset();
    this.rulesInfo.set({ hash }, 1);
  }

  /** Sets the label sets that are allowed (rule ids and sink names), from configuration. */
  allow(rules: Iterable<string>, sinks: Iterable<string>): void {
    for (const r of rules) this.knownRules.add(r);
    for (const s of sinks) this.knownSinks.add(s);
  }

  category(value: string): string {
    return CATEGORIES.has(value) ? value : UNKNOWN;
  }

  rule(id: string): string {
    return this.knownRules.has(id) ? id : UNKNOWN;
  }

  sink(name: string): string {
    return this.knownSinks.has(name) ? name : UNKNOWN;
  }
}
