import { BlockList, isIP } from 'node:net';
import { messageOf } from '../errors.js';
import { RE2JS } from 're2js';
import { EVENT_FIELDS, type AuditEvent, type EventField } from '../decode/audit-event.js';
import { MAX_DEPTH, type Condition, type ConditionOps, type MatchSpec } from './rule-schema.js';

/** A compiled match expression. */
export type Predicate = (event: AuditEvent) => boolean;
/** A compiled condition on one field's value. */
export type ValueTest = (value: string | boolean | undefined) => boolean;

/** A problem in a match expression, located by its path inside the rule. */
export class MatchCompileError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Fields whose values are Confluent enums or method names: Confluent is not
 * consistent about their case (`UnBindAllRolesForPrincipal` in docs,
 * `UnbindAllRolesForPrincipal` on the wire), so they compare case-insensitively.
 */
export const CASE_INSENSITIVE_FIELDS: ReadonlySet<EventField> = new Set<EventField>([
  'category',
  'method',
  'outcome',
  'status',
  'operation',
  'resourceType',
  'patternType',
  'decidedBy',
  'role',
  'accessType',
  'mechanism',
  'cloudResourceType',
  'exposure',
]);

const TRUE: Predicate = () => true;

/** Compiles a match expression; throws MatchCompileError naming the path of the first problem. */
export function compileMatch(spec: MatchSpec, path = 'match', depth = 0): Predicate {
  if (depth > MAX_DEPTH) throw new MatchCompileError(path, `nests deeper than ${MAX_DEPTH} levels`);
  const parts: Predicate[] = [];
  // Entries as unknown: a spec built in code may hold an undefined value, which means "no condition".
  for (const [key, value] of Object.entries(spec) as Array<[string, unknown]>) {
    if (value === undefined) continue;
    if (key === 'all')
      parts.push(allOf((value as MatchSpec[]).map((m, i) => compileMatch(m, `${path}.all[${i}]`, depth + 1))));
    else if (key === 'any')
      parts.push(anyOf((value as MatchSpec[]).map((m, i) => compileMatch(m, `${path}.any[${i}]`, depth + 1))));
    else if (key === 'not') {
      const inner = compileMatch(value as MatchSpec, `${path}.not`, depth + 1);
      parts.push((e) => !inner(e));
    } else {
      const field = key as EventField;
      const test = compileCondition(
        value as Condition,
        field,
        `${path}.${field}`,
        CASE_INSENSITIVE_FIELDS.has(field),
        depth,
      );
      parts.push((e) => test(e[field]));
    }
  }
  return parts.length === 0 ? TRUE : allOf(parts);
}

/**
 * The test of a top-level `field:` condition of a match expression, the one
 * compileMatch applies; undefined when the expression has none. The match holds
 * only if it does (top-level conditions all have to), so it can pre-filter rules.
 */
export function compileFieldTest(spec: MatchSpec, field: EventField): ValueTest | undefined {
  const condition = (spec as Record<string, unknown>)[field];
  if (condition === undefined) return undefined;
  return compileCondition(condition as Condition, field, `match.${field}`, CASE_INSENSITIVE_FIELDS.has(field), 0);
}

// Loops rather than every()/some(): those would allocate a closure over the event per rule and event.
function allOf(parts: Predicate[]): Predicate {
  if (parts.length === 1 && parts[0]) return parts[0];
  return (e) => {
    for (const p of parts) if (!p(e)) return false;
    return true;
  };
}

/** Whether any predicate holds for the event. */
export function anyOf(parts: readonly Predicate[]): Predicate {
  return (e) => {
    for (const p of parts) if (p(e)) return true;
    return false;
  };
}

function compileCondition(
  condition: Condition,
  field: EventField,
  path: string,
  ignoreCase: boolean,
  depth: number,
): ValueTest {
  if (Array.isArray(condition)) return compileOps({ in: condition }, field, path, ignoreCase, depth);
  if (typeof condition === 'object') return compileOps(condition, field, path, ignoreCase, depth);
  return compileOps({ equals: condition }, field, path, ignoreCase, depth);
}

function compileOps(
  ops: ConditionOps,
  field: EventField,
  path: string,
  defaultIgnoreCase: boolean,
  depth: number,
): ValueTest {
  if (depth > MAX_DEPTH) throw new MatchCompileError(path, `nests deeper than ${MAX_DEPTH} levels`);
  const ignoreCase = ops.ignore_case ?? defaultIgnoreCase;
  const fold = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  const isBoolean = EVENT_FIELDS[field] === 'boolean';
  const tests: ValueTest[] = [];
  const asString = (v: string | boolean | undefined): string | undefined =>
    typeof v === 'string' ? fold(v) : undefined;

  const expectType = (value: unknown, op: string): void => {
    if (isBoolean && typeof value !== 'boolean')
      throw new MatchCompileError(`${path}.${op}`, `${field} is true or false; compare it with a boolean`);
    if (!isBoolean && typeof value === 'boolean')
      throw new MatchCompileError(`${path}.${op}`, `${field} is text; compare it with a string`);
  };
  const norm = (v: string | number | boolean): string | boolean => (typeof v === 'boolean' ? v : fold(String(v)));

  if (ops.equals !== undefined) {
    expectType(ops.equals, 'equals');
    const want = norm(ops.equals);
    tests.push((v) => v !== undefined && (typeof v === 'string' ? fold(v) : v) === want);
  }
  if (ops.in !== undefined) {
    ops.in.forEach((v) => expectType(v, 'in'));
    const set = new Set(ops.in.map(norm));
    tests.push((v) => v !== undefined && set.has(typeof v === 'string' ? fold(v) : v));
  }
  for (const op of ['prefix', 'suffix', 'contains'] as const) {
    const raw = ops[op];
    if (raw === undefined) continue;
    if (isBoolean) throw new MatchCompileError(`${path}.${op}`, `${op} needs a text field; ${field} is true or false`);
    const wants = (Array.isArray(raw) ? raw : [raw]).map(fold);
    const check =
      op === 'prefix'
        ? (s: string, w: string) => s.startsWith(w)
        : op === 'suffix'
          ? (s: string, w: string) => s.endsWith(w)
          : (s: string, w: string) => s.includes(w);
    tests.push((v) => {
      const s = asString(v);
      if (s === undefined) return false;
      for (const w of wants) if (check(s, w)) return true;
      return false;
    });
  }
  if (ops.regex !== undefined) tests.push(compileRegex(ops.regex, ignoreCase, `${path}.regex`));
  if (ops.cidr !== undefined) tests.push(compileCidr(ops.cidr, `${path}.cidr`));
  if (ops.exists !== undefined) {
    const want = ops.exists;
    tests.push((v) => (v !== undefined) === want);
  }
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    const bound = ops[op];
    if (bound === undefined) continue;
    const cmp = {
      gt: (a: number) => a > bound,
      gte: (a: number) => a >= bound,
      lt: (a: number) => a < bound,
      lte: (a: number) => a <= bound,
    }[op];
    tests.push((v) => typeof v === 'string' && v.trim() !== '' && cmp(Number(v)));
  }
  if (ops.not !== undefined) {
    const inner = compileCondition(ops.not, field, `${path}.not`, ignoreCase, depth + 1);
    tests.push((v) => !inner(v));
  }
  if (tests.length === 1 && tests[0]) return tests[0];
  return (v) => {
    for (const t of tests) if (!t(v)) return false;
    return true;
  };
}

/** Bounds of each regex's memo of results: entries, and the longest value remembered. */
const REGEX_MEMO_ENTRIES = 10_000;
const REGEX_MEMO_MAX_LENGTH = 128;
/** Bound on the number of memos (distinct patterns and flags) kept across rule reloads. */
const REGEX_MEMOS = 1_000;

/** A regex's results by value, and the value it was asked about last. */
interface RegexMemo {
  results: Map<string, boolean>;
  lastValue: string | undefined;
  lastFound: boolean;
}

/**
 * One memo per pattern and flags, shared by every condition compiled from
 * them: rules with the same condition (three built-in rules test `credentialId`
 * alike) ask about the same event's value one after another, and the last value
 * answers those without a lookup.
 */
const regexMemos = new Map<string, RegexMemo>();

function memoFor(pattern: string, ignoreCase: boolean): RegexMemo {
  const id = `${ignoreCase ? 'i' : ''}/${pattern}`;
  let memo = regexMemos.get(id);
  if (memo === undefined) {
    if (regexMemos.size >= REGEX_MEMOS) regexMemos.clear();
    memo = { results: new Map(), lastValue: undefined, lastFound: false };
    regexMemos.set(id, memo);
  }
  return memo;
}

/**
 * RE2 semantics: matching time is linear in the input, so no pattern can hang
 * evaluation. re2js is plain JavaScript and slow next to native regexps, while
 * the values a rule tests repeat (credential ids, method names): results are
 * memoized, with bounded memory.
 */
function compileRegex(pattern: string, ignoreCase: boolean, path: string): ValueTest {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    throw new MatchCompileError(
      path,
      `invalid regular expression (RE2 syntax; no backreferences or lookaround): ${messageOf(error)}`,
    );
  }
  const memo = memoFor(pattern, ignoreCase);
  return (v) => {
    if (typeof v !== 'string') return false;
    if (v === memo.lastValue) return memo.lastFound;
    let found = memo.results.get(v);
    if (found === undefined) {
      found = re.matcher(v).find();
      if (v.length <= REGEX_MEMO_MAX_LENGTH) {
        if (memo.results.size >= REGEX_MEMO_ENTRIES) memo.results.clear();
        memo.results.set(v, found);
      }
    }
    memo.lastValue = v;
    memo.lastFound = found;
    return found;
  };
}

function compileCidr(raw: string | string[], path: string): ValueTest {
  const list = new BlockList();
  for (const entry of Array.isArray(raw) ? raw : [raw]) {
    const [address = '', prefixText] = entry.split('/');
    const family = isIP(address);
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new MatchCompileError(path, `"${entry}" is not an IP address or CIDR block`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return (v) => {
    if (typeof v !== 'string') return false;
    const family = isIP(v);
    return family !== 0 && list.check(v, family === 6 ? 'ipv6' : 'ipv4');
  };
}
