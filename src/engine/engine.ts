import { alertId, contextOf, groupKeyText, type Alert } from '../alerts/alert.js';
import { renderSummary } from '../alerts/summary.js';
import type { AuditEvent } from '../decode/audit-event.js';
import { byEventTime, type Decoded } from '../decode/decode.js';
import type { DetectorOp, OpResult, StateStore } from '../state/state-store.js';
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

interface Planned {
  rule: CompiledRule;
  decoded: Decoded;
  key: Record<string, string>;
}

const CACHE_LIMIT = 10_000;

/**
 * The rule engine. It decides; the state store remembers. A batch costs one
 * `StateStore.apply` call (one Redis round trip) whatever its size.
 */
export class Engine {
  private readonly candidateCache = new Map<string, readonly CompiledRule[]>();

  constructor(
    readonly rules: readonly CompiledRule[],
    private readonly state: StateStore,
  ) {}

  async evaluate(batch: readonly Decoded[]): Promise<Evaluation> {
    const ops: DetectorOp[] = [];
    const planned: Planned[] = [];
    const matched = new Map<string, number>();
    for (const decoded of [...batch].sort(byEventTime)) {
      for (const rule of this.candidates(decoded.event)) {
        const before = ops.length;
        const key = this.plan(rule, decoded, ops);
        if (key === undefined) continue;
        matched.set(rule.id, (matched.get(rule.id) ?? 0) + 1);
        for (let i = before; i < ops.length; i++) planned.push({ rule, decoded, key });
      }
    }
    const results = await this.state.apply(ops);
    const alerts: Alert[] = [];
    const throttled = new Map<string, number>();
    results.forEach((result, i) => {
      const { rule, decoded, key } = planned[i]!;
      if (result.status === 'fire') alerts.push(buildAlert(rule, decoded.event, key, result));
      else if (result.status === 'throttled') throttled.set(rule.id, (throttled.get(rule.id) ?? 0) + 1);
    });
    return { alerts, matched, throttled };
  }

  /** Rules that can match this event: a pre-filter on category and method, cached per pair. */
  private candidates(event: AuditEvent): readonly CompiledRule[] {
    const method = event.method?.toLowerCase() ?? '';
    const cacheKey = `${event.category}\u0000${method}`;
    let rules = this.candidateCache.get(cacheKey);
    if (rules === undefined) {
      rules = this.rules.filter((r) => r.detector.type !== 'silence' && (r.categories?.has(event.category) ?? true) && (r.methods?.has(method) ?? true));
      if (this.candidateCache.size < CACHE_LIMIT) this.candidateCache.set(cacheKey, rules);
    }
    return rules;
  }

  /** Adds the event's operations for one rule; returns the group key, or undefined when the rule does not apply. */
  private plan(rule: CompiledRule, decoded: Decoded, ops: DetectorOp[]): Record<string, string> | undefined {
    const { event, timeMs } = decoded;
    if (!rule.applies(event)) return undefined;
    const groupKey = groupKeyText(rule.groupBy, event);
    if (groupKey === undefined) return undefined;
    const base = { ruleId: rule.id, groupKey, eventId: event.id, timeMs, throttleMs: rule.throttleMs, alertId: alertId(rule.id, groupKey, event.id) };
    const d = rule.detector;
    switch (d.type) {
      case 'any':
        ops.push({ ...base, detector: 'fire' });
        break;
      case 'outside_hours':
        if (d.schedule.isInside(timeMs)) return undefined;
        ops.push({ ...base, detector: 'fire' });
        break;
      case 'threshold':
        ops.push({ ...base, detector: 'threshold', windowMs: d.windowMs, count: d.count });
        break;
      case 'distinct':
      case 'new_value': {
        const value = event[d.field];
        if (value === undefined) return undefined;
        if (d.type === 'distinct') ops.push({ ...base, detector: 'distinct', value: String(value), windowMs: d.windowMs, count: d.count });
        else ops.push({ ...base, detector: 'new_value', value: String(value), learningMs: d.learningMs, forgetMs: d.forgetMs });
        break;
      }
      case 'dormant':
        ops.push({ ...base, detector: 'dormant', afterMs: d.afterMs });
        break;
      case 'sequence': {
        const first = d.first(event);
        const then = d.then(event);
        if (!first && !then) return undefined;
        if (first) ops.push({ ...base, detector: 'sequence', step: 'first', windowMs: d.windowMs, count: d.count });
        if (then) ops.push({ ...base, detector: 'sequence', step: 'then', windowMs: d.windowMs, count: d.count });
        break;
      }
      case 'silence':
        return undefined;
    }
    return Object.fromEntries(rule.groupBy.map((f) => [f, String(event[f])]));
  }
}

function windowOf(rule: CompiledRule): string | undefined {
  const d = rule.detector;
  return 'windowMs' in d ? formatDuration(d.windowMs) : d.type === 'silence' || d.type === 'dormant' ? formatDuration(d.afterMs) : undefined;
}

export function buildAlert(rule: CompiledRule, event: AuditEvent, key: Record<string, string>, result: OpResult): Alert {
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
    summary: renderSummary(rule.summary, { event, count: result.count, window, key }),
    context: contextOf(event),
  };
}
