import { at, controlPlane, kafkaAuth, kafkaAuthz, mdsAuthorize, type RawEvent } from './events.js';
import { random } from './scenario.js';

/**
 * A deterministic corpus of records that are not (quite) audit events, the way
 * an attacker, a broken producer or a bad disk would write them to the audit
 * topic: truncated JSON, a wrong type in every envelope and data field, missing
 * and null fields, arrays where objects belong, integers beyond 2^53, huge
 * strings, 100,000-deep nesting, invalid UTF-8, records just over 1 MiB,
 * unknown types, prototype-pollution keys, tombstones and binary noise.
 *
 *   const corpus = malformedCorpus({ seed: 7, count: 13_000 });
 *   for (const r of corpus) producer.send({ topic, messages: [{ value: r.value, timestamp: String(r.timeMs) }] });
 *
 * The corpus says nothing about how each record must be classified: tests take
 * the real decoder as ground truth and check that the service agrees with it,
 * never throws, and stays bounded. Some records are still decodable (a wrong
 * type deep in `data` only makes a field absent); those are built from templates
 * whose identities (event id, credential, principal, IP) are unique per record
 * and whose times increase with the record's index, so their rule evaluation
 * does not depend on how a consumer batches them.
 */

/** One record: its family (for reports) and the Kafka value (`null` = tombstone). */
export interface MalformedRecord {
  /** Family and variant, e.g. `envelope-type:id`, `deep:array-open`, `utf8:overlong`. */
  kind: string;
  value: Buffer | null;
  /** Event time of the record's template, epoch ms (`startMs + index * stepMs`); use it as the Kafka timestamp. */
  timeMs: number;
}

export interface MalformedOptions {
  /** PRNG seed; the same seed gives the same corpus byte for byte. Default 1. */
  seed?: number;
  /** Records to make; default 10,000. */
  count?: number;
  /** Records of just over 1 MiB (MAX_EVENT_BYTES + 1 … + 64); default 3. */
  oversized?: number;
  /** Records with 100,000-deep nesting and similar (about 100 KB each); default 40. */
  deep?: number;
  /** Records carrying 100 KB strings; default 60. */
  huge?: number;
  /** Time of record 0's template, RFC 3339; default 2026-03-02T00:00:00.000Z. */
  start?: string;
  /** Event-time step between consecutive records, ms; default 1000. */
  stepMs?: number;
}

/** The decoder's default limit, 1 MiB; oversized records are just above it. */
export const MAX_EVENT_BYTES = 1024 * 1024;

const RAW = '@@raw-literal@@';
/** A distinctive marker inside many values, so tests can check that error messages never quote a record. */
export const CORPUS_MARKER = 'MALFORMED-MARKER-7f3a';

/** JSON literal texts of the wrong type for almost any field. `{i}` is replaced by a per-record number. */
const WRONG_LITERALS = [
  '0',
  '-1',
  '1.5',
  '-0',
  '1e308',
  '1e400',
  '-1e400',
  '{i}',
  '9007199254740993{i}',
  '-123456789012345678901234567890{i}',
  'true',
  'false',
  'null',
  '""',
  '" "',
  '"\\u0000"',
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"\\n\\r\\t"',
  '[]',
  '[null]',
  '[1,"a",null,{}]',
  '[[[[[[[[[[]]]]]]]]]]',
  '{}',
  '{"a":{"b":[]}}',
  `{"__proto__":{"polluted":"${CORPUS_MARKER}"}}`,
  `"<!channel> ${CORPUS_MARKER} <https://evil.example|click>"`,
  '"__proto__"',
  '"constructor"',
  '"toString"',
  '"NaN"',
  '"Infinity"',
];

const ENVELOPE = ['id', 'type', 'source', 'specversion', 'time'] as const;

/** Data paths worth breaking, per template kind. */
const DATA_PATHS: Record<TemplateKind, ReadonlyArray<ReadonlyArray<string | number>>> = {
  auth: [
    ['data'],
    ['subject'],
    ['datacontenttype'],
    ['data', 'methodName'],
    ['data', 'serviceName'],
    ['data', 'resourceName'],
    ['data', 'authenticationInfo'],
    ['data', 'authenticationInfo', 'principal'],
    ['data', 'authenticationInfo', 'principalResourceId'],
    ['data', 'authenticationInfo', 'metadata'],
    ['data', 'authenticationInfo', 'metadata', 'identifier'],
    ['data', 'authenticationInfo', 'metadata', 'mechanism'],
    ['data', 'clientAddress'],
    ['data', 'clientAddress', 0],
    ['data', 'clientAddress', 0, 'ip'],
    ['data', 'clientAddress', 0, 'port'],
    ['data', 'requestMetadata'],
    ['data', 'requestMetadata', 'connection_id'],
    ['data', 'result'],
    ['data', 'result', 'status'],
    ['data', 'result', 'message'],
  ],
  authz: [
    ['data', 'authorizationInfo'],
    ['data', 'authorizationInfo', 'granted'],
    ['data', 'authorizationInfo', 'operation'],
    ['data', 'authorizationInfo', 'resourceType'],
    ['data', 'authorizationInfo', 'resourceName'],
    ['data', 'authorizationInfo', 'patternType'],
    ['data', 'authorizationInfo', 'rbacAuthorization'],
    ['data', 'authorizationInfo', 'rbacAuthorization', 'role'],
    ['data', 'authorizationInfo', 'superUserAuthorization'],
    ['data', 'request'],
    ['data', 'request', 'client_id'],
    ['data', 'request', 'correlation_id'],
    ['data', 'requestMetadata', 'client_address'],
    ['data', 'authenticationInfo', 'principal'],
  ],
  mds: [
    ['data', 'authorizationInfo'],
    ['data', 'authorizationInfo', 'rbacAuthorization', 'scope'],
    ['data', 'authenticationInfo'],
    ['data', 'methodName'],
    ['data', 'request'],
  ],
  control: [
    ['data', 'cloudResources'],
    ['data', 'cloudResources', 0],
    ['data', 'cloudResources', 0, 'resource'],
    ['data', 'cloudResources', 0, 'resource', 'type'],
    ['data', 'cloudResources', 0, 'scope', 'resources'],
    ['data', 'authenticationInfo', 'principal'],
    ['data', 'authenticationInfo', 'principal', 'confluentUser'],
    ['data', 'authenticationInfo', 'principal', 'email'],
    ['data', 'authenticationInfo', 'result'],
    ['data', 'requestMetadata', 'requestId'],
    ['data', 'requestMetadata', 'clientAddress'],
    ['data', 'request', 'accessType'],
    ['data', 'result', 'status'],
  ],
};

type TemplateKind = 'auth' | 'authz' | 'mds' | 'control';

/** Byte sequences that are not UTF-8: lone continuation, overlong, surrogate, beyond U+10FFFF, truncated, never-valid bytes. */
const BAD_UTF8: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['continuation', [0x80]],
  ['overlong-slash', [0xc0, 0xaf]],
  ['overlong-3', [0xe0, 0x80, 0xaf]],
  ['surrogate', [0xed, 0xa0, 0x80]],
  ['beyond-max', [0xf4, 0x90, 0x80, 0x80]],
  ['truncated-2', [0xc3]],
  ['truncated-3', [0xe2, 0x82]],
  ['ff', [0xff]],
  ['fe', [0xfe]],
  ['f8', [0xf8, 0x88, 0x80, 0x80, 0x80]],
];

const NOT_JSON = [
  '',
  ' ',
  '\n',
  '\u0000',
  'null',
  'true',
  '0',
  '-0',
  '1e400',
  '"a string"',
  '[]',
  '[1,2,3]',
  'undefined',
  'NaN',
  'Infinity',
  '{',
  '}',
  '{}',
  '{"id"}',
  "{'id':'x'}",
  '{"id":"x",}',
  '{"id":"x"} trailing',
  '{"id":"x"}{"id":"y"}',
  '// comment\n{}',
  '/* c */ {}',
  '\ufeff{"id":"bom-only"}',
  '\ufeff\ufeff{}',
  '{"a":1e99999}',
  '{"a":-}',
  '{"a":01}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"unterminated}',
  '{"a":"\u0001raw control"}',
  'id=x&type=y',
  '<event id="x"/>',
  '---\nid: x\n',
  `${CORPUS_MARKER} plain text`,
];

/** Builds the corpus; pure and deterministic for given options. */
export function malformedCorpus(options: MalformedOptions = {}): MalformedRecord[] {
  const o = {
    seed: 1,
    count: 10_000,
    oversized: 3,
    deep: 40,
    huge: 60,
    start: '2026-03-02T00:00:00.000Z',
    stepMs: 1000,
    ...options,
  };
  const rnd = random(o.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const records: MalformedRecord[] = [];
  // Heavy families at fixed positions spread over the corpus; light ones fill the rest.
  const heavy = new Map<number, 'oversized' | 'deep' | 'huge'>();
  const place = (n: number, family: 'oversized' | 'deep' | 'huge'): void => {
    for (let k = 0; k < n; k++) {
      let index = Math.floor(rnd() * o.count);
      while (heavy.has(index)) index = (index + 1) % o.count;
      heavy.set(index, family);
    }
  };
  place(Math.min(o.oversized, o.count), 'oversized');
  place(Math.min(o.deep, o.count - heavy.size), 'deep');
  place(Math.min(o.huge, o.count - heavy.size), 'huge');

  for (let i = 0; i < o.count; i++) {
    const time = at(o.start, i * o.stepMs);
    const timeMs = Date.parse(time);
    const base = template(pick(['auth', 'auth', 'authz', 'mds', 'control'] as const), i, o.seed, time);
    const family = heavy.get(i) ?? pick(LIGHT_FAMILIES);
    const [kind, value] = build(family, base, i, rnd, pick);
    records.push({ kind, value, timeMs });
  }
  return records;
}

type Family =
  | 'truncated'
  | 'envelope-type'
  | 'envelope-missing'
  | 'envelope-null'
  | 'data-type'
  | 'array-for-object'
  | 'big-number'
  | 'prototype'
  | 'invalid-utf8'
  | 'binary'
  | 'not-json'
  | 'tombstone'
  | 'unknown-type'
  | 'bad-time'
  | 'duplicate-keys'
  | 'oversized'
  | 'deep'
  | 'huge';

/** Weighted: the families that exercise the decoder's branches most come up most. */
const LIGHT_FAMILIES: readonly Family[] = [
  'truncated',
  'truncated',
  'truncated',
  'envelope-type',
  'envelope-type',
  'envelope-type',
  'envelope-type',
  'envelope-missing',
  'envelope-missing',
  'envelope-null',
  'data-type',
  'data-type',
  'data-type',
  'array-for-object',
  'big-number',
  'prototype',
  'invalid-utf8',
  'invalid-utf8',
  'binary',
  'not-json',
  'not-json',
  'tombstone',
  'unknown-type',
  'bad-time',
  'bad-time',
  'duplicate-keys',
];

interface Template {
  kind: TemplateKind;
  event: RawEvent;
}

/**
 * A benign event of a kind, unique to record `i` (id, credential, principal, IP).
 * The builders number ports and request ids from a module-wide counter; those
 * are overwritten here, so the corpus does not depend on what else was built.
 */
function template(kind: TemplateKind, i: number, seed: number, time: string): Template {
  const made = templateEvent(kind, i, seed, time);
  const data = made.event.data as {
    clientAddress?: Array<{ port?: number }>;
    requestMetadata?: { requestId?: string[] };
  };
  if (data.clientAddress?.[0]?.port !== undefined) data.clientAddress[0].port = 40000 + (i % 20000);
  if (data.requestMetadata?.requestId !== undefined) data.requestMetadata.requestId = [`req-junk-${seed}-${i}`];
  return made;
}

function templateEvent(kind: TemplateKind, i: number, seed: number, time: string): Template {
  const id = `junk-${seed}-${i}`;
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const n = String(i).padStart(8, '0');
  switch (kind) {
    case 'auth':
      return {
        kind,
        event: kafkaAuth({ id, time, credential: `JUNKKEY${n}`, ip, ok: true, principal: `User:sa-junk${n}` }),
      };
    case 'authz':
      return {
        kind,
        event: kafkaAuthz({
          id,
          time,
          principal: `User:sa-junk${n}`,
          method: 'kafka.Metadata',
          operation: 'Describe',
          resourceType: 'Topic',
          resourceName: `junk-topic-${n}`,
          granted: true,
          ip,
          clientId: `junk-client-${n}`,
        }),
      };
    case 'mds':
      return { kind, event: mdsAuthorize({ id, time, principal: `User:u-junk${n}` }) };
    case 'control':
      return {
        kind,
        event: controlPlane({
          id,
          time,
          method: 'GetEnvironment',
          user: `u-junk${n}`,
          email: `junk${n}@example.com`,
          ip,
          accessType: 'READ_ONLY',
          resource: { type: 'ENVIRONMENT', resourceId: `env-junk${n}` },
        }),
      };
  }
}

function build(
  family: Family,
  base: Template,
  i: number,
  rnd: () => number,
  pick: <T>(list: readonly T[]) => T,
): [string, Buffer | null] {
  const event = base.event;
  const json = (value: unknown): string => JSON.stringify(value);
  const literal = (): string => pick(WRONG_LITERALS).replaceAll('{i}', String(i));
  switch (family) {
    case 'truncated': {
      const text = json(event);
      return ['truncated', Buffer.from(text.slice(0, 1 + Math.floor(rnd() * (text.length - 1))))];
    }
    case 'envelope-type': {
      const field = pick(ENVELOPE);
      return [`envelope-type:${field}`, Buffer.from(withRaw(event, [field], literal()))];
    }
    case 'envelope-missing': {
      const field = pick(ENVELOPE);
      const copy = clone(event);
      Reflect.deleteProperty(copy, field);
      return [`envelope-missing:${field}`, Buffer.from(json(copy))];
    }
    case 'envelope-null': {
      const field = pick([...ENVELOPE, 'data'] as const);
      return [`envelope-null:${field}`, Buffer.from(withRaw(event, [field], 'null'))];
    }
    case 'data-type': {
      const path = pick(DATA_PATHS[base.kind]);
      return [`data-type:${path.join('.')}`, Buffer.from(withRaw(event, path, literal()))];
    }
    case 'array-for-object': {
      const variant = pick(['top-level', 'data', 'authenticationInfo', 'principal', 'clientAddress-object'] as const);
      if (variant === 'top-level') return ['array-for-object:top-level', Buffer.from(json([event, event]))];
      const path = {
        data: ['data'],
        authenticationInfo: ['data', 'authenticationInfo'],
        principal: ['data', 'authenticationInfo', 'principal'],
        'clientAddress-object': ['data', 'clientAddress'],
      }[variant];
      const inner = get(event, path);
      const replacement =
        variant === 'clientAddress-object' ? json({ ip: { ip: '1.2.3.4' }, 0: inner }) : json([inner, inner]);
      return [`array-for-object:${variant}`, Buffer.from(withRaw(event, path, replacement))];
    }
    case 'big-number': {
      const path = pick([
        ['id'],
        ['time'],
        ['specversion'],
        ['data', 'requestMetadata', 'connection_id'],
        ['data', 'clientAddress', 0, 'port'],
        ['data', 'request', 'correlation_id'],
        ['data', 'result', 'status'],
        ['data'],
      ] as const);
      const big = pick([
        `${9007199254740993n + BigInt(i)}`,
        `-${9007199254740993n + BigInt(i)}`,
        `1${'0'.repeat(400)}`,
        `0.${'1'.repeat(40)}e-400`,
        `123456789012345678901234567890.5e${i % 400}`,
      ]);
      return [`big-number:${path.join('.')}`, Buffer.from(withRaw(event, path, big))];
    }
    case 'prototype': {
      const variant = pick([
        'top',
        'data',
        'authenticationInfo',
        'constructor',
        'top-lossless',
        'data-lossless',
        'only-proto',
      ] as const);
      const pollution = `{"polluted":"${CORPUS_MARKER}","id":"proto-${i}","type":"io.confluent.kafka.server/authentication","source":"s","specversion":"1.0","time":"${String(event.time)}","toString":1}`;
      const text = json(event);
      const lossless = variant.endsWith('-lossless') ? ',"n":12345678901234567890' : '';
      if (variant === 'only-proto')
        return [
          'prototype:only-proto',
          Buffer.from(`{"__proto__":${pollution}${i % 2 === 0 ? ',"n":12345678901234567890' : ''}}`),
        ];
      if (variant === 'top' || variant === 'top-lossless')
        return [`prototype:${variant}`, Buffer.from(`{"__proto__":${pollution}${lossless},${text.slice(1)}`)];
      if (variant === 'constructor')
        return ['prototype:constructor', Buffer.from(`{"constructor":{"prototype":${pollution}},${text.slice(1)}`)];
      const path = variant === 'authenticationInfo' ? ['data', 'authenticationInfo'] : ['data'];
      const inner = json(get(event, path));
      return [
        `prototype:${variant}`,
        Buffer.from(withRaw(event, path, `{"__proto__":${pollution}${lossless},${inner.slice(1)}`)),
      ];
    }
    case 'invalid-utf8': {
      const [name, bytes] = pick(BAD_UTF8);
      const text = Buffer.from(json(event));
      const position = Math.floor(rnd() * text.length);
      return [`utf8:${name}`, Buffer.concat([text.subarray(0, position), Buffer.from(bytes), text.subarray(position)])];
    }
    case 'binary': {
      const length = 1 + Math.floor(rnd() * 512);
      return ['binary', Buffer.from(Array.from({ length }, () => Math.floor(rnd() * 256)))];
    }
    case 'not-json': {
      const text = pick(NOT_JSON);
      return ['not-json', Buffer.from(text)];
    }
    case 'tombstone':
      return ['tombstone', i % 2 === 0 ? null : Buffer.alloc(0)];
    case 'unknown-type': {
      const type = pick([
        'com.evil/whatever',
        'io.confluent.kafka.server/',
        '/',
        'authentication',
        'io.confluent.cloud/AUTHENTICATION',
        `x/${CORPUS_MARKER}`,
        'io.confluent.kafka.server/authentication/extra',
      ]);
      return [`unknown-type:${type}`, Buffer.from(json({ ...event, type }))];
    }
    case 'bad-time': {
      // Only values the decoder must refuse or that mean the same instant; see the unit test for rolled-over dates.
      const time = pick([
        'yesterday',
        '2026-02-30T00:00:00Z',
        '2026-01-01T24:00:01Z',
        '2026-01-01T00:00:61Z',
        '2026-01-01 00:00:00',
        '2026-01-01T00:00:00.1234567890Z',
        '+002026-01-01T00:00:00Z',
        '2026-1-1T00:00:00Z',
        `${String(event.time)} `,
        'Z',
        '1767225600000',
      ]);
      return ['bad-time', Buffer.from(json({ ...event, time }))];
    }
    case 'duplicate-keys': {
      const text = json(event);
      const variant = pick([`"id":${i}`, '"id":null', '"type":[]', '"time":"never"', '"source":{}']);
      return [
        `duplicate-keys:${variant.slice(1, variant.indexOf('"', 1))}`,
        Buffer.from(`${text.slice(0, -1)},${variant}}`),
      ];
    }
    case 'oversized': {
      const text = json({ ...event, data: { ...(event.data as object), result: { status: 'SUCCESS', message: '' } } });
      const pad = MAX_EVENT_BYTES + 1 + Math.floor(rnd() * 64) - Buffer.byteLength(text);
      return ['oversized', Buffer.from(text.replace('"message":""', `"message":"${'x'.repeat(pad)}"`))];
    }
    case 'deep': {
      const depth = 100_000;
      const variant = pick([
        'array-open',
        'array-closed',
        'object-open',
        'object-closed',
        'data-deep',
        'data-deep-lossless',
        'principal-deep',
      ] as const);
      const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const deepObject = `${'{"a":'.repeat(depth / 2)}1${'}'.repeat(depth / 2)}`;
      const value = {
        'array-open': '['.repeat(depth),
        'array-closed': deepArray,
        'object-open': '{"a":'.repeat(depth / 2),
        'object-closed': deepObject,
        'data-deep': withRaw(event, ['data', 'request'], deepObject),
        'data-deep-lossless': withRaw(event, ['data', 'request'], `[12345678901234567890,${deepArray}]`),
        'principal-deep': withRaw(event, ['data', 'authenticationInfo', 'principal'], deepArray),
      }[variant];
      return [`deep:${variant}`, Buffer.from(value)];
    }
    case 'huge': {
      const big = `${CORPUS_MARKER}${'A'.repeat(100 * 1024)}`;
      const path = pick([
        ['id'],
        ['type'],
        ['source'],
        ['specversion'],
        ['data', 'authenticationInfo', 'principal', 'confluentUser', 'resourceId'],
        ['data', 'request', 'data', 'principal', 'confluentServiceAccount', 'resourceId'],
        ['data', 'methodName'],
        ['data', 'authenticationInfo', 'principal'],
        ['data', 'result', 'message'],
        ['data', 'clientAddress', 0, 'ip'],
        ['subject'],
      ] as const);
      return [`huge:${path.join('.')}`, Buffer.from(withRaw(event, path, JSON.stringify(big)))];
    }
  }
}

function clone(event: RawEvent): RawEvent {
  return JSON.parse(JSON.stringify(event)) as RawEvent;
}

function get(value: unknown, path: ReadonlyArray<string | number>): unknown {
  let current = value;
  for (const key of path) current = (current as Record<string | number, unknown> | undefined)?.[key];
  return current;
}

/** The event as JSON with the value at `path` replaced by a raw JSON literal (created when the path is missing). */
function withRaw(event: RawEvent, path: ReadonlyArray<string | number>, literal: string): string {
  const copy = clone(event);
  let current: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (typeof next !== 'object' || next === null) current[key] = {};
    current = current[key] as Record<string | number, unknown>;
  }
  current[path[path.length - 1]!] = RAW;
  const text = JSON.stringify(copy);
  const at = text.indexOf(JSON.stringify(RAW));
  return `${text.slice(0, at)}${literal}${text.slice(at + RAW.length + 2)}`;
}

/** What a correct loader does with a hostile rule file. */
export type HostileExpectation =
  /** Refuse the file with problems naming it, and (when given) the rule id and the start of the field path. */
  | { reject: { rule?: string; field?: string } }
  /** Accept it: the rule's conditions are bounded (RE2, bounded lists) however hostile the input. */
  | { load: { rule: string } };

/** A rule file written to hurt the loader or the engine. */
export interface HostileRuleFile {
  /** File name: `<case>.yaml`. */
  name: string;
  /** Builds the file's text (some are megabytes, so only when asked). */
  text(): string;
  expect: HostileExpectation;
}

const hostileRule = (id: string, match: string, extra = ''): string =>
  `version: 1.0.0\nrules:\n  - id: ${id}\n    title: Hostile ${id}\n    severity: low\n    match: ${match}\n    detector: { type: any }\n${extra}`;

/** Nested `not:` blocks, `depth` deep, around one condition (flow style, one line). */
export function nestedNot(id: string, depth: number): string {
  return hostileRule(id, `${'{ not: '.repeat(depth)}{ method: x }${' }'.repeat(depth)}`);
}

/** Billion laughs: ten levels of nine aliases each, 10^9 strings if expanded. */
function billionLaughs(): string {
  const lines = ['version: 1.0.0', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level <= 9; level++)
    lines.push(
      `a${level}: &a${level} [${Array(9)
        .fill(`*a${level - 1}`)
        .join(',')}]`,
    );
  lines.push(hostileRule('billion-laughs', '{ method: *a9 }').split('\n').slice(1).join('\n'));
  return lines.join('\n');
}

/**
 * Rule files that try to run code (YAML tags that construct objects), exhaust
 * memory (alias bombs, huge lists, huge files), recurse without end (deep
 * nesting), hang evaluation (catastrophic regular expressions) or pollute
 * prototypes. Each says what a correct loader does with it.
 */
export const HOSTILE_RULE_FILES: readonly HostileRuleFile[] = [
  {
    name: 'js-function.yaml',
    text: () => hostileRule('js-function', '{ method: !!js/function "function () { process.exit(3) }" }'),
    expect: { reject: {} },
  },
  {
    name: 'python-object.yaml',
    text: () =>
      hostileRule('python-object', '{ method: !!python/object/apply:os.system ["touch /tmp/auditwatch-pwned"] }'),
    expect: { reject: {} },
  },
  {
    name: 'custom-tag.yaml',
    text: () => hostileRule('custom-tag', '{ method: !include /etc/passwd }'),
    expect: { reject: {} },
  },
  { name: 'billion-laughs.yaml', text: billionLaughs, expect: { reject: {} } },
  {
    name: 'alias-flood.yaml',
    text: () =>
      hostileRule('alias-flood', `{ method: [${Array(150).fill('*m').join(', ')}] }`).replace(
        'title: Hostile alias-flood',
        'title: &m Hostile alias-flood',
      ),
    expect: { reject: {} },
  },
  {
    name: 'regex-catastrophic.yaml',
    text: () =>
      hostileRule(
        'regex-catastrophic',
        "{ credentialId: { regex: '(a+)+$' }, clientId: { regex: '^(a|aa)+$' }, email: { regex: '(.*a){20}$' } }",
      ),
    expect: { load: { rule: 'regex-catastrophic' } },
  },
  {
    name: 'regex-backreference.yaml',
    text: () => hostileRule('regex-backreference', "{ credentialId: { regex: '(a+)\\1' } }"),
    expect: { reject: { rule: 'regex-backreference', field: 'match.credentialId.regex' } },
  },
  {
    name: 'regex-lookahead.yaml',
    text: () => hostileRule('regex-lookahead', "{ credentialId: { regex: '(?=a+)+b' } }"),
    expect: { reject: { rule: 'regex-lookahead', field: 'match.credentialId.regex' } },
  },
  {
    name: 'regex-too-long.yaml',
    text: () => hostileRule('regex-too-long', `{ credentialId: { regex: '${'(a|b)'.repeat(103)}' } }`),
    expect: { reject: { rule: 'regex-too-long', field: 'match.credentialId' } },
  },
  {
    name: 'list-100k.yaml',
    text: () =>
      hostileRule('list-100k', `{ clientId: [${Array.from({ length: 100_000 }, (_, i) => `c${i % 10}`).join(',')}] }`),
    expect: { reject: { rule: 'list-100k', field: 'match.clientId' } },
  },
  {
    name: 'list-10k.yaml',
    text: () =>
      hostileRule(
        'list-10k',
        `{ clientId: { contains: [${Array.from({ length: 10_000 }, (_, i) => `needle-${i}-`).join(',')}] } }`,
      ),
    expect: { load: { rule: 'list-10k' } },
  },
  {
    name: 'nesting-9.yaml',
    text: () => nestedNot('nesting-9', 9),
    expect: { reject: { rule: 'nesting-9', field: 'match.not' } },
  },
  { name: 'nesting-600.yaml', text: () => nestedNot('nesting-600', 600), expect: { reject: { rule: 'nesting-600' } } },
  {
    name: 'nesting-flow-300k.yaml',
    text: () => `version: 1.0.0\nrules: ${'['.repeat(300_000)}${']'.repeat(300_000)}\n`,
    expect: { reject: {} },
  },
  {
    name: 'huge-file.yaml',
    text: () => hostileRule('huge-file', '{ method: x }', `    description: "${'x'.repeat(2 * 1024 * 1024)}"\n`),
    expect: { reject: {} },
  },
  {
    name: 'too-many-rules.yaml',
    text: () =>
      `version: 1.0.0\nrules:\n${Array.from({ length: 501 }, (_, i) => `  - { id: r${i}, title: T, severity: low, match: { method: x }, detector: { type: any } }`).join('\n')}\n`,
    expect: { reject: {} },
  },
  {
    name: 'proto-keys.yaml',
    text: () =>
      `version: 1.0.0\n__proto__: { polluted: yes }\nrules:\n  - id: proto-keys\n    title: T\n    severity: low\n    match: { method: x, __proto__: { polluted: yes }, constructor: { prototype: { polluted: yes } } }\n    detector: { type: any }\n`,
    expect: { reject: { rule: 'proto-keys', field: 'match' } },
  },
];
