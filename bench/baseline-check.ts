/**
 * Checks the learned-rate rules (rules/volume.yaml, the baseline detector)
 * against the benchmark's realistic stream (bench/audit-stream.ts): days of it,
 * so that every key has learned, with four synthetic keys mixed in (one per
 * rule) that keep a steady rate and then jump tenfold for one bucket. Prints,
 * per rule, the alerts on the stream's own keys (noise: should be none) and on
 * the injected keys (should be one each, in the jump's bucket).
 *
 *   npx tsx bench/baseline-check.ts [--days 4] [--scale 1] [--seed 42]
 *   npx tsx bench/baseline-check.ts --write FILE [--events 200000]   # the benchmark's stream as is, for `auditwatch replay FILE`
 *
 * `--scale S` divides the organization (events per second, API keys, users,
 * IPs) by S: every key's rate stays the same, there are S times fewer keys.
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Alert } from '../src/alerts/alert.js';
import { decodeRecord, type Decoded } from '../src/decode/decode.js';
import { Engine } from '../src/engine/engine.js';
import { loadRules } from '../src/engine/rule-loader.js';
import { MemoryStateStore } from '../src/state/memory-store.js';
import { controlPlane, DAY, kafkaAuth, kafkaAuthz, MINUTE, type RawEvent } from '../test/support/events.js';
import { random } from '../test/support/scenario.js';
import { auditStream, type AuditStreamOptions } from './audit-stream.js';

const { values: args } = parseArgs({
  options: {
    days: { type: 'string' },
    scale: { type: 'string' },
    seed: { type: 'string' },
    write: { type: 'string' },
    events: { type: 'string' },
  },
});
const START = '2026-03-05T17:40:00.000Z';
const BUCKET = 10 * MINUTE;

if (args.write !== undefined) {
  // The stream of `npm run bench` (bench/run.ts, full mode), unmodified.
  const out = createWriteStream(args.write);
  const options: AuditStreamOptions = {
    events: Number(args.events ?? 200_000),
    apiKeys: 4_000,
    users: 2_000,
    ips: 5_000,
    attackEvery: 5_000,
  };
  for (const r of auditStream(options))
    if (!out.write(`${r.value}\n`))
      await new Promise<void>((done) => {
        out.once('drain', () => {
          done();
        });
      });
  await new Promise<void>((done) => {
    out.end(() => {
      done();
    });
  });
  process.exit(0);
}

const days = Number(args.days ?? 4);
const scale = Number(args.scale ?? 1);
const perSecond = 50 / scale;
const stream: AuditStreamOptions = {
  events: Math.round((perSecond * (days * DAY)) / 1000),
  eventsPerSecond: perSecond,
  apiKeys: 4_000 / scale,
  users: 2_000 / scale,
  ips: 5_000 / scale,
  seed: Number(args.seed ?? 42),
};

/** One synthetic key per rule: its events at a steady (Poisson) rate per bucket, and `rate` × 10 in the jump's bucket. */
interface Injected {
  rule: string;
  key: string;
  rate: number;
  make: (time: string, n: number) => RawEvent;
}
const authz = (principal: string, granted: boolean, topic: string) => (time: string) =>
  kafkaAuthz({
    time,
    principal,
    method: 'kafka.Metadata',
    operation: 'Describe',
    resourceType: 'Topic',
    resourceName: topic,
    granted,
  });
const INJECTED: Injected[] = [
  {
    rule: 'api-key-volume-spike',
    key: 'SPIKEKEY00000001',
    rate: 4,
    make: (time) =>
      kafkaAuth({ time, credential: 'SPIKEKEY00000001', ip: '10.9.9.1', ok: true, principal: 'User:sa-spike01' }),
  },
  {
    rule: 'principal-denial-spike',
    key: 'User:sa-spike02',
    rate: 3,
    make: (time, n) => authz('User:sa-spike02', false, `payments-${n % 3}`)(time),
  },
  {
    rule: 'principal-resource-spread',
    key: 'User:sa-spike03',
    rate: 5,
    make: (time, n) => authz('User:sa-spike03', true, `ledger-${n}`)(time),
  },
  {
    rule: 'org-change-spike',
    key: 'User:u-spike04',
    rate: 1,
    make: (time, n) =>
      controlPlane({
        time,
        method: n % 2 ? 'CreateServiceAccount' : 'CreateAPIKey',
        user: 'u-spike04',
        resource: { type: 'API_KEY', resourceId: `key-${n}` },
      }),
  },
];
const start = Date.parse(START);
/** The jump: a bucket half a day before the end, when every key has learned for days. */
const jumpBucket = Math.floor((start + days * DAY - DAY / 2) / BUCKET);

const rnd = random(7);
function poisson(mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rnd(); p > limit; p *= rnd()) k++;
  return k;
}

/** The injected events of one bucket, in time order. `n` numbers distinct values within the bucket (topics, resources). */
function injectedIn(bucket: number): Decoded[] {
  const out: Decoded[] = [];
  for (const key of INJECTED) {
    const n = bucket === jumpBucket ? 10 * key.rate : poisson(key.rate);
    for (let i = 0; i < n; i++) {
      const time = new Date(bucket * BUCKET + Math.floor(((i + 1) * BUCKET) / (n + 1))).toISOString();
      // Spread: usually `rate` distinct resources out of 8; in the jump, each one new.
      const value = key.rule === 'principal-resource-spread' && bucket !== jumpBucket ? Math.floor(rnd() * 8) : i;
      const decoded = decodeRecord(JSON.stringify({ ...key.make(time, value), id: `inj-${key.rule}-${bucket}-${i}` }));
      if (decoded.ok) out.push(decoded);
    }
  }
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

const rules = loadRules(new URL('../rules/', import.meta.url).pathname).rules.filter((r) =>
  r.file.endsWith('volume.yaml'),
);
const engine = new Engine(rules, new MemoryStateStore());
const alerts: Alert[] = [];
let batch: Decoded[] = [];
let events = 0;
const flush = async (): Promise<void> => {
  alerts.push(...(await engine.evaluate(batch)).alerts);
  batch = [];
};
let nextBucket = Math.floor(start / BUCKET);
const began = performance.now();
for (const record of auditStream(stream)) {
  const decoded = decodeRecord(record.value);
  if (!decoded.ok) continue;
  while (nextBucket * BUCKET <= decoded.timeMs) batch.push(...injectedIn(nextBucket++));
  batch.push(decoded);
  events++;
  if (batch.length >= 1_000) await flush();
  if (events % 1_000_000 === 0)
    process.stderr.write(`${events} events, ${((performance.now() - began) / 1000).toFixed(0)} s\n`);
}
await flush();

const injectedKeys = new Set(INJECTED.map((k) => k.key));
const keyOf = (a: Alert) => Object.values(a.key).join(',');
const org = `${perSecond} per second, ${stream.apiKeys} API keys, ${stream.users} users`;
console.log(`${events.toLocaleString('en-US')} stream events over ${days} days from ${START} (${org}),`);
console.log(
  `plus one injected key per rule; the jump is in the bucket from ${new Date(jumpBucket * BUCKET).toISOString()}`,
);
for (const rule of rules) {
  const mine = alerts.filter((a) => a.rule === rule.id);
  const noise = mine.filter((a) => !injectedKeys.has(keyOf(a)));
  const caught = mine.filter((a) => injectedKeys.has(keyOf(a)));
  console.log(`\n${rule.id}: ${noise.length} alert(s) on the stream's keys, ${caught.length} on the injected key`);
  for (const a of [...caught, ...noise.slice(0, 10)])
    console.log(`  ${a.time} ${a.summary} (z ${a.baseline?.z.toFixed(1)})`);
}
