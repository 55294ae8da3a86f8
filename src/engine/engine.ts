import { alertId, contextOf, groupKeyText, type Alert } from '../alerts/alert.js';
import { renderSummary } from '../alerts/summary.js';
import type { AuditEvent, EventField } from '../decode/audit-event.js';
import { byEventTime, type Decoded } from '../decode/decode.js';
import type { DetectorOp, OpResult, StateStore } from '../state/state-store.js';
import { PlannedOp } from './planned-op.js';
import { PREFILTER_FIELDS, type CompiledRule } from './compile.js';
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
  /** Candidate rules by category, then by method as written ('' when none), then by outcome. */
  private readonly candidateCache = new Map<string, Map<string, Map<string, CompiledRule[]>>>();
  private cachedLists = 0;
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
   * Rules that can match this event: those whose top-level conditions on
   * category, method and outcome hold for its values, cached per combination
   * of the three (no per-event key building).
   */
  private candidates(event: AuditEvent): readonly CompiledRule[] {
    const method = event.method ?? '';
    const cached = this.candidateCache.get(event.category)?.get(method)?.get(event.outcome);
    if (cached !== undefined) return cached;
    const rules = this.rules.filter(
      (r) =>
        r.detector.type !== 'silence' && PREFILTER_FIELDS.every((field) => r.prefilter[field]?.(event[field]) ?? true),
    );
    if (this.cachedLists < CACHE_LIMIT) {
      const byMethod = getOrAdd(
        this.candidateCache,
        event.category,
        () => new Map<string, Map<string, CompiledRule[]>>(),
      );
      getOrAdd(byMethod, method, () => new Map<string, CompiledRule[]>()).set(event.outcome, rules);
      this.cachedLists++;
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
    const event = decoded.event;
    // A candidate passed the rule's pre-filter (see candidates): the rest of its conditions decide.
    if (!rule.appliesBeyondPrefilter(event)) return false;
    const groupKey = this.groupKey(rule.groupBy, event);
    if (groupKey === undefined) return false;
    return this.planDetector(rule, decoded, groupKey, ops);
  }

  /**
   * The detector's operations for an event the rule applies to. Apart from
   * plan(), which runs for every candidate rule, most of which do not apply.
   */
  private planDetector(rule: CompiledRule, decoded: Decoded, groupKey: string, ops: DetectorOp[]): boolean {
    const { event, timeMs } = decoded;
    const d = rule.detector;
    switch (d.type) {
      case 'any':
        ops.push(new PlannedOp(rule, groupKey, decoded, 'fire', {}));
        break;
      case 'outside_hours':
        if (d.schedule.isInside(timeMs)) return false;
        ops.push(new PlannedOp(rule, groupKey, decoded, 'fire', {}));
        break;
      case 'threshold':
      case 'dormant':
        ops.push(new PlannedOp(rule, groupKey, decoded, d.type, d));
        break;
      case 'distinct':
      case 'new_value': {
        const value = event[d.field];
        if (value === undefined) return false;
        ops.push(new PlannedOp(rule, groupKey, decoded, d.type, d, String(value)));
        break;
      }
      case 'sequence': {
        const first = d.first(event);
        const then = d.then(event);
        if (!first && !then) return false;
        if (first) ops.push(new PlannedOp(rule, groupKey, decoded, 'sequence', d, '', 'first'));
        if (then) ops.push(new PlannedOp(rule, groupKey, decoded, 'sequence', d, '', 'then'));
        break;
      }
      case 'baseline': {
        const value = d.field === undefined ? '' : event[d.field];
        if (value === undefined) return false;
        ops.push(new PlannedOp(rule, groupKey, decoded, 'baseline', d, String(value), 'first', d.field !== undefined));
        break;
      }
      case 'silence':
        return false;
    }
    return true;
  }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
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
