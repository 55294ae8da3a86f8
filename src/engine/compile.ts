import { EVENT_FIELD_NAMES, type AuditEvent, type EventField } from '../decode/audit-event.js';
import type { Severity } from '../alerts/alert.js';
import type { BaselineParams } from '../state/state-store.js';
import { placeholders } from '../alerts/summary.js';
import { durationMs } from './duration.js';
import { anyOf, compileFieldTest, compileMatch, MatchCompileError, type Predicate, type ValueTest } from './matcher.js';
import type { BusinessHoursSpec, MatchSpec, RuleSpec } from './rule-schema.js';
import { buildSchedule, isValidTimeZone, type Schedule } from './schedule.js';

export type CompiledDetector =
  | { type: 'any' }
  | { type: 'threshold'; count: number; windowMs: number }
  | { type: 'distinct'; field: EventField; count: number; windowMs: number }
  | { type: 'new_value'; field: EventField; learningMs: number; forgetMs: number }
  | { type: 'dormant'; afterMs: number; forgetMs: number }
  | { type: 'outside_hours'; schedule: Schedule }
  | { type: 'sequence'; first: Predicate; then: Predicate; windowMs: number; count: number }
  | { type: 'silence'; afterMs: number }
  | ({ type: 'baseline'; field?: EventField; halfLifeMs: number } & Omit<BaselineParams, 'countValues' | 'value'>);

/** A rule ready to evaluate. */
export interface CompiledRule {
  id: string;
  version: string;
  /** File the rule came from (relative to the rules directory). */
  file: string;
  title: string;
  description: string;
  severity: Severity;
  tags: string[];
  groupBy: EventField[];
  /** Alerts per group key are suppressed within this many ms of event time; 0 = none. */
  throttleMs: number;
  /** `match` holds and no `unless` entry does. */
  applies: Predicate;
  /** `applies` for an event that passed `prefilter`: the rest of `match`, and `unless` (what the engine evaluates). */
  appliesBeyondPrefilter: Predicate;
  detector: CompiledDetector;
  summary: string;
  /** The tests of the top-level `match` conditions on the pre-filter fields (see Engine.candidates); none = any value. */
  prefilter: Partial<Record<PrefilterField, ValueTest>>;
  spec: RuleSpec;
}

/**
 * Fields the engine pre-filters rules on, per event (see Engine.candidates):
 * each has few distinct values, and most rules test them at the top of `match`.
 */
export const PREFILTER_FIELDS = ['category', 'method', 'outcome'] as const;
export type PrefilterField = (typeof PREFILTER_FIELDS)[number];

/** Throttle when a rule sets none: one alert per key per 10 minutes, except detectors where each event matters. */
const DEFAULT_THROTTLE_MS = 600_000;

/** Compiles one validated rule; throws MatchCompileError naming the field path. */
export function compileRule(spec: RuleSpec, file: string, version: string, hours: BusinessHoursSpec): CompiledRule {
  const unless = spec.unless.map((m, i) => compileMatch(m, `unless[${i}]`));
  const match = compileMatch(spec.match);
  const exempt = anyOf(unless);
  const applies: Predicate = unless.length === 0 ? match : (e: AuditEvent) => match(e) && !exempt(e);
  const rest = compileMatch(withoutFields(spec.match, PREFILTER_FIELDS));
  const appliesBeyondPrefilter: Predicate = unless.length === 0 ? rest : (e: AuditEvent) => rest(e) && !exempt(e);
  const detector = compileDetector(spec, hours);
  const throttleMs =
    spec.throttle === undefined
      ? spec.detector.type === 'any' || spec.detector.type === 'outside_hours'
        ? 0
        : DEFAULT_THROTTLE_MS
      : durationMs(spec.throttle);
  const summary = spec.summary ?? defaultSummary(spec);
  const extra = detector.type === 'baseline' ? BASELINE_PLACEHOLDERS : [];
  for (const name of placeholders(summary)) {
    if (!['count', 'window', 'key', ...extra, ...EVENT_FIELD_NAMES].includes(name))
      throw new MatchCompileError('summary', `unknown placeholder {${name}}`);
  }
  return {
    id: spec.id,
    version,
    file,
    title: spec.title,
    description: spec.description,
    severity: spec.severity,
    tags: spec.tags,
    groupBy: spec.group_by,
    throttleMs,
    applies,
    appliesBeyondPrefilter,
    detector,
    summary,
    prefilter: Object.fromEntries(
      PREFILTER_FIELDS.flatMap((field) => {
        const test = compileFieldTest(spec.match, field);
        return test === undefined ? [] : [[field, test]];
      }),
    ),
    spec,
  };
}

function compileDetector(spec: RuleSpec, hours: BusinessHoursSpec): CompiledDetector {
  const d = spec.detector;
  switch (d.type) {
    case 'any':
      return d;
    case 'threshold':
      return { type: d.type, count: d.count, windowMs: durationMs(d.window) };
    case 'distinct':
      return { type: d.type, field: d.field, count: d.count, windowMs: durationMs(d.window) };
    case 'new_value':
      return { type: d.type, field: d.field, learningMs: durationMs(d.learning), forgetMs: durationMs(d.forget) };
    case 'dormant':
      return { type: d.type, afterMs: durationMs(d.after), forgetMs: durationMs(d.forget) };
    case 'silence':
      return { type: d.type, afterMs: durationMs(d.after) };
    case 'sequence':
      return {
        type: d.type,
        first: compileMatch(d.first, 'detector.first'),
        then: compileMatch(d.then, 'detector.then'),
        windowMs: durationMs(d.window),
        count: d.first_count,
      };
    case 'baseline':
      return compileBaseline(d);
    case 'outside_hours': {
      const zone = d.hours?.timezone ?? hours.timezone ?? 'UTC';
      if (!isValidTimeZone(zone))
        throw new MatchCompileError('detector.hours.timezone', `unknown IANA time zone "${zone}"`);
      return { type: d.type, schedule: buildSchedule(d.hours ?? {}, hours) };
    }
  }
}

/** Placeholders only a baseline rule's summary may use (its alert's figures). */
const BASELINE_PLACEHOLDERS = ['mean', 'deviation', 'z'];
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

function compileBaseline(d: Extract<RuleSpec['detector'], { type: 'baseline' }>): CompiledDetector {
  const bucketMs = durationMs(d.bucket);
  const halfLifeMs = durationMs(d.half_life);
  const forgetMs = durationMs(d.forget);
  if (bucketMs < MINUTE_MS || bucketMs > DAY_MS)
    throw new MatchCompileError('detector.bucket', 'must be between 1m and 1d');
  if (halfLifeMs < bucketMs)
    throw new MatchCompileError('detector.half_life', `must be at least one bucket (${d.bucket})`);
  if (forgetMs < 2 * bucketMs)
    throw new MatchCompileError('detector.forget', `must be at least two buckets (2 × ${d.bucket})`);
  return {
    type: 'baseline',
    ...(d.field === undefined ? {} : { field: d.field }),
    bucketMs,
    halfLifeMs,
    // Computed once, here, and handed to both stores: they take powers of it by repeated squaring (see state/baseline.ts).
    decay: 2 ** (-bucketMs / halfLifeMs),
    learningMs: durationMs(d.learning),
    forgetMs,
    z: d.z,
    minCount: d.min_count,
    minDeviation: d.min_deviation,
  };
}

function defaultSummary(spec: RuleSpec): string {
  switch (spec.detector.type) {
    case 'baseline':
      return (
        `${spec.title}: {count} ${spec.detector.field === undefined ? 'events' : `distinct ${spec.detector.field} values`} in {window} for {key}, ` +
        'usually {mean} ± {deviation}'
      );
    case 'threshold':
      return `${spec.title}: {count} events for {key} within {window}`;
    case 'distinct':
      return `${spec.title}: {count} distinct ${spec.detector.field} values for {key} within {window}`;
    case 'sequence':
      return `${spec.title}: {count} first events then {method} for {key} within {window}`;
    case 'silence':
      return `${spec.title}: no audit events for {window}`;
    default:
      return `${spec.title}: {method} by {principal} from {clientIp}`;
  }
}

/** A match expression without its top-level conditions on `fields` (nested ones stay). */
function withoutFields(match: MatchSpec, fields: readonly string[]): MatchSpec {
  return Object.fromEntries(Object.entries(match).filter(([key]) => !fields.includes(key)));
}
