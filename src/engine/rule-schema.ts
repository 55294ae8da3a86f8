import { z } from 'zod';
import { EVENT_FIELD_NAMES, type EventField } from '../decode/audit-event.js';
import { DURATION_PATTERN } from './duration.js';

/**
 * The rule language, in one place: TypeScript types, run-time validation and
 * the JSON Schema for editors (`npm run schema` writes rules/rule-file.schema.json)
 * all come from these definitions.
 */

/** Longest list a condition may hold; a rule cannot make evaluation unbounded. */
export const MAX_LIST = 10_000;
/** Deepest nesting of all/any/not. */
export const MAX_DEPTH = 8;

const text = z.string().min(1).max(1024);
const scalar = z.union([text, z.number(), z.boolean()], { error: 'must be a string, number or boolean' });
const textOrList = z.union([text, z.array(text).min(1).max(MAX_LIST)], {
  error: `must be a string or a list of at most ${MAX_LIST} strings`,
});
const duration = z
  .string()
  .regex(DURATION_PATTERN, { error: 'must be a duration such as 30s, 10m, 24h, 30d or 1h30m' });
export const eventField = z.enum(EVENT_FIELD_NAMES as [EventField, ...EventField[]], {
  error: `must be an event field (${EVENT_FIELD_NAMES.join(', ')})`,
});

/** Operators on one field. Several in one object must all hold. */
export interface ConditionOps {
  equals?: string | number | boolean;
  in?: Array<string | number | boolean>;
  prefix?: string | string[];
  suffix?: string | string[];
  contains?: string | string[];
  regex?: string;
  cidr?: string | string[];
  exists?: boolean;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  ignore_case?: boolean;
  not?: Condition;
}

/** A value (equals), a list (one of), or an operator object. */
export type Condition = string | number | boolean | Array<string | number | boolean> | ConditionOps;

const conditionOps: z.ZodType<ConditionOps> = z
  .strictObject({
    equals: scalar.optional(),
    in: z.array(scalar).min(1).max(MAX_LIST).optional(),
    prefix: textOrList.optional(),
    suffix: textOrList.optional(),
    contains: textOrList.optional(),
    regex: z.string().min(1).max(512).optional(),
    cidr: textOrList.optional(),
    exists: z.boolean().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    ignore_case: z.boolean().optional(),
    get not() {
      return condition.optional();
    },
  })
  .refine((ops) => Object.keys(ops).some((k) => k !== 'ignore_case'), { error: 'needs at least one operator' });

const condition: z.ZodType<Condition> = z.union([scalar, z.array(scalar).min(1).max(MAX_LIST), conditionOps], {
  error:
    'must be a value, a list of values, or an object of operators ' +
    '(equals, in, prefix, suffix, contains, regex, cidr, exists, gt, gte, lt, lte, not, ignore_case)',
});

/** Conditions on event fields (all must hold) plus all/any/not nesting. */
export type MatchSpec = { [F in EventField]?: Condition } & { all?: MatchSpec[]; any?: MatchSpec[]; not?: MatchSpec };

export const matchSpec: z.ZodType<MatchSpec> = z.lazy(() =>
  z.strictObject({
    ...(Object.fromEntries(EVENT_FIELD_NAMES.map((f) => [f, condition.optional()])) as Record<
      EventField,
      z.ZodOptional<z.ZodType<Condition>>
    >),
    all: z.array(matchSpec).min(1).max(64).optional(),
    any: z.array(matchSpec).min(1).max(64).optional(),
    not: matchSpec.optional(),
  }),
);

const hhmmRange = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, { error: 'must be a time range such as 08:00-18:00' });
const dayHours = z.array(hhmmRange).max(8);

/** Business hours: per weekday, ranges in local time; days left out are entirely outside hours. */
export const businessHours = z.strictObject({
  timezone: z.string().min(1).max(64).optional(),
  days: z
    .strictObject({
      mon: dayHours,
      tue: dayHours,
      wed: dayHours,
      thu: dayHours,
      fri: dayHours,
      sat: dayHours,
      sun: dayHours,
    })
    .partial()
    .optional(),
  holidays: z
    .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date YYYY-MM-DD' }))
    .max(1000)
    .optional(),
});
export type BusinessHoursSpec = z.infer<typeof businessHours>;

const count = (min: number, max: number) => z.number().int().min(min).max(max);

export const detectorSpec = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('any') }),
    z.strictObject({ type: z.literal('threshold'), count: count(1, 100_000), window: duration }),
    z.strictObject({ type: z.literal('distinct'), field: eventField, count: count(2, 10_000), window: duration }),
    z.strictObject({
      type: z.literal('new_value'),
      field: eventField,
      learning: duration.default('24h'),
      forget: duration.default('30d'),
    }),
    z.strictObject({ type: z.literal('dormant'), after: duration, forget: duration.default('365d') }),
    z.strictObject({ type: z.literal('outside_hours'), hours: businessHours.optional() }),
    z.strictObject({
      type: z.literal('sequence'),
      first: matchSpec,
      then: matchSpec,
      window: duration,
      first_count: count(1, 10_000).default(1),
    }),
    z.strictObject({ type: z.literal('silence'), after: duration }),
    z.strictObject({
      type: z.literal('baseline'),
      field: eventField.optional(),
      bucket: duration.default('10m'),
      half_life: duration.default('7d'),
      learning: duration.default('3d'),
      forget: duration.default('14d'),
      z: z.number({ error: 'must be a number' }).positive({ error: 'must be above 0' }).max(1000).default(4),
      min_count: count(1, 1_000_000),
      min_deviation: z
        .number({ error: 'must be a number' })
        .positive({ error: 'must be above 0' })
        .max(1_000_000)
        .default(1),
    }),
  ],
  {
    error:
      'type must be one of any, threshold, distinct, new_value, dormant, outside_hours, sequence, silence, baseline',
  },
);
export type DetectorSpec = z.infer<typeof detectorSpec>;

const expectedAlert = z.strictObject({
  key: z.record(z.string(), z.string()).optional(),
  count: z.number().int().min(1).optional(),
  trigger: z.string().optional(),
});

const testEvents = z.union([z.string().min(1), z.array(z.record(z.string(), z.unknown())).min(1).max(10_000)]);

/**
 * A behaviour test: events in (a JSON-lines file next to the rule file, or inline), alerts out.
 * `history` comes first: its events `repeat` times, each copy `every` later than the one before
 * (ids get `~<copy>`), so a baseline rule can learn days of traffic from an hour of fixture.
 */
export const ruleTest = z.strictObject({
  name: z.string().min(1).max(200),
  history: z.strictObject({ events: testEvents, every: duration, repeat: count(1, 10_000) }).optional(),
  events: testEvents,
  /** For silence rules: the wall-clock time to check at (events arrive at their own times). */
  now: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T/, { error: 'must be an RFC 3339 time' })
    .optional(),
  expect: z.array(expectedAlert).max(10_000),
});
export type RuleTestSpec = z.infer<typeof ruleTest>;

export const ruleSpec = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: 'must be kebab-case (a-z, 0-9, -)' })
    .max(64),
  title: z.string().min(1).max(200),
  description: z.string().max(4000).default(''),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
  enabled: z.boolean().default(true),
  match: matchSpec,
  unless: z.array(matchSpec).max(100).default([]),
  group_by: z.array(eventField).max(5).default([]),
  detector: detectorSpec,
  throttle: duration.optional(),
  summary: z.string().min(1).max(500).optional(),
  tests: z.array(ruleTest).max(100).default([]),
});
export type RuleSpec = z.infer<typeof ruleSpec>;

export const ruleFileSpec = z.strictObject({
  version: z.string().regex(/^\d+\.\d+\.\d+$/, { error: 'must be a semantic version such as 1.2.0' }),
  rules: z.array(ruleSpec).min(1).max(500),
});
export type RuleFileSpec = z.infer<typeof ruleFileSpec>;
