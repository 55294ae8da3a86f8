import { alertId, contextOf, groupKeyText, type Alert } from '../alerts/alert.js';
import { renderSummary } from '../alerts/summary.js';
import type { AuditEvent, EventField } from '../decode/audit-event.js';
import { byEventTime, type Decoded } from '../decode/decode.js';
import type { DetectorOp, OpResult, StateStore } from '../state/state-store.js';
import { PlannedOp, type DetectorPart } from './planned-op.js';
import type { CompiledRule } from './compile.js';
import { formatDuration } from './duration.js';

/** What one batch produced. */
export interface Evaluation {
  alerts: Alert[];
  /** Events that matched each rule (before detection and throttling). */
  matched: Map<string, number>;
  /** Alerts each rule would have raised but the throttle suppressed. */
  throttled: Map<string, number>;
}

const CACHE_LIMIT = 10_000;

/**
 * The rule engine. It decides; the state store remembers. A batch costs one
 * `StateStore.apply` call (one Redis round trip) whatever its size.
 */
export class Engine {
  /** Candidate rules by category, then by method as written ('' when none). */
  private readonly candidateCache = new Map<string, Map<string, readonly CompiledRule[]>>();
  private cachedMethods = 0;
  /** The group key last built, and for which event and group_by (see groupKey). */
  private keyEvent: AuditEvent | undefined;
  private keyFields: readonly EventField[] = [];
  private keyText: string | undefined;

  constructor(
    readonly rules: readonly CompiledRule[],
    private readonly state: StateStore,
  ) {}

  /** Evaluates a batch in one `StateStore.apply`; `arrivedAtMs` (wall clock) goes with it for the silence detector (StateStore.touch). */
  async evaluate(batch: readonly Decoded[], arrivedAtMs?: number): Promise<Evaluation> {
    const ops: DetectorOp[] = [];
    // Each op's rule and event, as two arrays in step with ops rather than an object per op.
    const opRules: CompiledRule[] = [];
    const opEvents: AuditEvent[] = [];
    const matched = new Map<string, number>();
    for (const decoded of [...batch].sort(byEventTime)) {
      for (const rule of this.candidates(decoded.event)) {
        const before = ops.length;
        if (!this.plan(rule, decoded, ops)) continue;
        matched.set(rule.id, (matched.get(rule.id) ?? 0) + 1);
        for (let i = before; i < ops.length; i++) {
          opRules.push(rule);
          opEvents.push(decoded.event);
        }
      }
    }
    const results = await this.state.apply(ops, arrivedAtMs);
    const alerts: Alert[] = [];
    const throttled = new Map<string, number>();
    results.forEach((result, i) => {
      const rule = opRules[i];
      const event = opEvents[i];
      if (rule === undefined || event === undefined)
        throw new Error(`state store answered ${results.length} of ${ops.length}`);
      if (result.status === 'fire') alerts.push(buildAlert(rule, event, keyOf(rule, event), result));
      else if (result.status === 'throttled') throttled.set(rule.id, (throttled.get(rule.id) ?? 0) + 1);
    });
    return { alerts, matched, throttled };
  }

  /**
   * Rules that can match this event: a pre-filter on category and method,
   * cached per category and method as written (no per-event key building).
   */
  private candidates(event: AuditEvent): readonly CompiledRule[] {
    let byMethod = this.candidateCache.get(event.category);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.candidateCache.set(event.category, byMethod);
    }
    let rules = byMethod.get(event.method ?? '');
    if (rules === undefined) {
      const method = event.method?.toLowerCase() ?? '';
      rules = this.rules.filter(
        (r) =>
          r.detector.type !== 'silence' &&
          (r.categories?.has(event.category) ?? true) &&
          (r.methods?.has(method) ?? true),
      );
      if (this.cachedMethods < CACHE_LIMIT) {
        byMethod.set(event.method ?? '', rules);
        this.cachedMethods++;
      }
    }
    return rules;
  }

  /**
   * The event's group key for these fields. Rules often share a group_by (four
   * built-in rules group by credentialId), so the key last built is reused for
   * the next rule of the same event: one string rather than one per rule, and
   * the store hashes it once (a string caches its hash).
   */
  private groupKey(groupBy: readonly EventField[], event: AuditEvent): string | undefined {
    if (event !== this.keyEvent || !sameFields(groupBy, this.keyFields)) {
      this.keyEvent = event;
      this.keyFields = groupBy;
      this.keyText = groupKeyText(groupBy, event);
    }
    return this.keyText;
  }

  /** Adds the event's operations for one rule; false when the rule does not apply. */
  private plan(rule: CompiledRule, decoded: Decoded, ops: DetectorOp[]): boolean {
    const { event, timeMs } = decoded;
    if (!rule.applies(event)) return false;
    const groupKey = this.groupKey(rule.groupBy, event);
    if (groupKey === undefined) return false;
    const op = (part: DetectorPart): DetectorOp =>
      new PlannedOp(rule.id, groupKey, event.id, timeMs, rule.throttleMs, part);
    const d = rule.detector;
    switch (d.type) {
      case 'any':
        ops.push(op({ detector: 'fire' }));
        break;
      case 'outside_hours':
        if (d.schedule.isInside(timeMs)) return false;
        ops.push(op({ detector: 'fire' }));
        break;
      case 'threshold':
        ops.push(op({ detector: 'threshold', windowMs: d.windowMs, count: d.count }));
        break;
      case 'distinct':
      case 'new_value': {
        const value = event[d.field];
        if (value === undefined) return false;
        if (d.type === 'distinct')
          ops.push(op({ detector: 'distinct', value: String(value), windowMs: d.windowMs, count: d.count }));
        else
          ops.push(op({ detector: 'new_value', value: String(value), learningMs: d.learningMs, forgetMs: d.forgetMs }));
        break;
      }
      case 'dormant':
        ops.push(op({ detector: 'dormant', afterMs: d.afterMs, forgetMs: d.forgetMs }));
        break;
      case 'sequence': {
        const first = d.first(event);
        const then = d.then(event);
        if (!first && !then) return false;
        if (first) ops.push(op({ detector: 'sequence', step: 'first', windowMs: d.windowMs, count: d.count }));
        if (then) ops.push(op({ detector: 'sequence', step: 'then', windowMs: d.windowMs, count: d.count }));
        break;
      }
      case 'baseline': {
        const value = d.field === undefined ? '' : event[d.field];
        if (value === undefined) return false;
        const { bucketMs, decay, learningMs, forgetMs, z, minCount, minDeviation } = d;
        const countValues = d.field !== undefined;
        ops.push(
          op({
            detector: 'baseline',
            countValues,
            value: String(value),
            bucketMs,
            decay,
            learningMs,
            forgetMs,
            z,
            minCount,
            minDeviation,
          }),
        );
        break;
      }
      case 'silence':
        return false;
    }
    return true;
  }
}

/** The same fields in the same order. */
function sameFields(a: readonly EventField[], b: readonly EventField[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An alert's group key as field → value; built only for alerts. */
function keyOf(rule: CompiledRule, event: AuditEvent): Record<string, string> {
  return Object.fromEntries(rule.groupBy.map((f) => [f, String(event[f])]));
}

function windowOf(rule: CompiledRule): string | undefined {
  const d = rule.detector;
  if (d.type === 'baseline') return formatDuration(d.bucketMs);
  return 'windowMs' in d
    ? formatDuration(d.windowMs)
    : d.type === 'silence' || d.type === 'dormant'
      ? formatDuration(d.afterMs)
      : undefined;
}

export function buildAlert(
  rule: CompiledRule,
  event: AuditEvent,
  key: Record<string, string>,
  result: OpResult,
): Alert {
  const window = windowOf(rule);
  return {
    id: alertId(rule.id, groupKeyText(rule.groupBy, event) ?? '', event.id),
    rule: rule.id,
    ruleVersion: rule.version,
    title: rule.title,
    severity: rule.severity,
    tags: rule.tags,
    time: event.time,
    trigger: event.id,
    key,
    count: result.count,
    ...(window === undefined ? {} : { window }),
    events: result.evidence,
    ...(result.values === undefined ? {} : { values: result.values }),
    ...(result.baseline === undefined ? {} : { baseline: result.baseline }),
    summary: renderSummary(rule.summary, { event, count: result.count, window, key, baseline: result.baseline }),
    context: contextOf(event),
  };
}
