#!/usr/bin/env node
// Smoke test of the services started by scripts/local-services.sh, with the
// project's own clients (kafkajs, ioredis from node_modules). Exits non-zero on
// any failure. CI:
//
//   bash scripts/local-services.sh start
//   node scripts/local-services-check.mjs --restart
//   bash scripts/local-services.sh stop
//
// Connection settings come from the AUDITWATCH_* variables when all are set,
// else from `bash scripts/local-services.sh env`.
//
// Checks: PLAINTEXT + SASL_PLAINTEXT (PLAIN) admin; create a 3-partition topic;
// produce over SASL_PLAINTEXT and over SASL_SSL (trusting the local CA); consume
// back with a consumer group over each and verify the committed offsets; a wrong
// password is rejected on both SASL listeners, a CA that did not sign the broker's
// certificate is rejected by TLS; redis PING/SET/GET.
// --restart additionally: `stop kafka` + `start kafka` (and the same for redis)
// through local-services.sh, then verifies the same addresses and CA certificate,
// that the topic and the group's committed offsets survived, and that
// produce/consume still work.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';

const { Kafka, logLevel, Partitioners } = kafkajs;
const here = path.dirname(fileURLToPath(import.meta.url));
const servicesSh = path.join(here, 'local-services.sh');
const restart = process.argv.includes('--restart');
const keep = process.argv.includes('--keep-topic');

const VARS = [
  'AUDITWATCH_KAFKA_BROKERS',
  'AUDITWATCH_KAFKA_SASL_BROKERS',
  'AUDITWATCH_KAFKA_SASL_USERNAME',
  'AUDITWATCH_KAFKA_SASL_PASSWORD',
  'AUDITWATCH_KAFKA_SASL_SSL_BROKERS',
  'AUDITWATCH_KAFKA_SSL_CA_FILE',
  'AUDITWATCH_REDIS_URL',
];

function log(msg) {
  process.stderr.write(`[check] ${msg}\n`);
}

function services(...args) {
  return execFileSync('bash', [servicesSh, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function readEnv(fromScript) {
  if (!fromScript && VARS.every((v) => process.env[v])) {
    return Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
  }
  const out = services('env');
  const env = {};
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  for (const v of VARS) if (!env[v]) throw new Error(`${v} missing from local-services.sh env output`);
  return env;
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

const LISTENER = { plaintext: 'PLAINTEXT', sasl: 'SASL_PLAINTEXT', sasl_ssl: 'SASL_SSL' };

// listener: a key of LISTENER; ca: PEM trusted instead of the local CA.
function kafkaClient(env, { listener = 'sasl', password, ca, quiet = false } = {}) {
  const sasl = listener !== 'plaintext';
  const brokers = {
    plaintext: env.AUDITWATCH_KAFKA_BROKERS,
    sasl: env.AUDITWATCH_KAFKA_SASL_BROKERS,
    sasl_ssl: env.AUDITWATCH_KAFKA_SASL_SSL_BROKERS,
  };
  return new Kafka({
    clientId: 'auditwatch-local-services-check',
    brokers: [brokers[listener]],
    ssl: listener === 'sasl_ssl' ? { ca: [ca ?? fs.readFileSync(env.AUDITWATCH_KAFKA_SSL_CA_FILE, 'utf8')] } : false,
    sasl: sasl
      ? {
          mechanism: 'plain',
          username: env.AUDITWATCH_KAFKA_SASL_USERNAME,
          password: password ?? env.AUDITWATCH_KAFKA_SASL_PASSWORD,
        }
      : undefined,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 5, initialRetryTime: 300 },
    logLevel: quiet ? logLevel.NOTHING : logLevel.WARN,
  });
}

async function withTimeout(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function produce(env, listener, topic, runId, tag, count) {
  const producer = kafkaClient(env, { listener }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `${tag}-${i}`,
    value: JSON.stringify({ runId, tag, i }),
    partition: i % 3,
  }));
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
  log(`produced ${count} messages (${tag}) over ${LISTENER[listener]}`);
  return new Set(messages.map((m) => m.key));
}

async function consume(env, listener, topic, groupId, expectedKeys) {
  const consumer = kafkaClient(env, { listener }).consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  const seen = new Set();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done;
  const all = new Promise((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString();
      if (expectedKeys.has(key)) seen.add(key);
      if (seen.size === expectedKeys.size) done();
    },
  });
  try {
    await withTimeout(all, 60000, `consume ${expectedKeys.size} messages from ${topic} with group ${groupId}`);
  } finally {
    await consumer.disconnect();
  }
  log(`consumed ${seen.size}/${expectedKeys.size} messages with group ${groupId} over ${LISTENER[listener]}`);
}

async function committedTotal(admin, groupId, topic) {
  const res = await admin.fetchOffsets({ groupId, topics: [topic] });
  return res.find((t) => t.topic === topic).partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

async function waitCommitted(admin, groupId, topic, expected) {
  const deadline = Date.now() + 20000;
  let total = -1;
  while (Date.now() < deadline) {
    total = await committedTotal(admin, groupId, topic);
    if (total >= expected) return total;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`group ${groupId} committed ${total} offsets on ${topic}, expected ${expected}`);
}

async function checkKafka(env, state) {
  const { topic, groupId, runId } = state;

  // PLAINTEXT listener
  const plainAdmin = kafkaClient(env, { listener: 'plaintext' }).admin();
  await plainAdmin.connect();
  await plainAdmin.listTopics();
  log(`PLAINTEXT ${env.AUDITWATCH_KAFKA_BROKERS}: listTopics ok`);

  // SASL listener
  const admin = kafkaClient(env).admin();
  await admin.connect();
  if (!state.created) {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    assert(created, `createTopics(${topic}) returned false`);
    state.created = true;
    log(`created topic ${topic} (3 partitions) over SASL_PLAINTEXT`);
  }
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  assert(meta.topics[0].partitions.length === 3, `${topic} has 3 partitions`);
  assert((await plainAdmin.listTopics()).includes(topic), `${topic} visible over PLAINTEXT`);

  for (const listener of ['sasl', 'sasl_ssl']) {
    const tag = `${state.restarted ? 'after-restart' : 'before-restart'}-${listener}`;
    const keys = await produce(env, listener, topic, runId, tag, 6);
    await consume(env, listener, topic, groupId, keys);
    state.expectedCommitted += keys.size;
    const total = await waitCommitted(admin, groupId, topic, state.expectedCommitted);
    log(`group ${groupId} committed offsets total ${total}`);

    await expectRejected(
      env,
      { listener, password: `wrong-${randomBytes(4).toString('hex')}` },
      /SASL|authenticat/i,
      'a wrong SASL password',
    );
  }
  // A public root CA (Node's bundle) did not sign the local broker's certificate.
  await expectRejected(
    env,
    { listener: 'sasl_ssl', ca: tls.rootCertificates[0] },
    /certificate/i,
    'a CA that did not sign the broker certificate',
  );

  await admin.disconnect();
  await plainAdmin.disconnect();
}

async function expectRejected(env, options, reason, what) {
  const bad = kafkaClient(env, { ...options, quiet: true }).admin();
  let rejected = false;
  try {
    await bad.connect();
    await bad.listTopics();
  } catch (err) {
    rejected = reason.test(`${err.name} ${err.message}`);
    if (!rejected)
      throw new Error(
        `${what} over ${LISTENER[options.listener]} failed for an unexpected reason: ${err.name}: ${err.message}`,
        { cause: err },
      );
    log(`${what} rejected over ${LISTENER[options.listener]} (${err.name}: ${err.message})`);
  } finally {
    await bad.disconnect().catch(() => {});
  }
  assert(rejected, `${what} must be rejected over ${LISTENER[options.listener]}`);
}

async function checkRedis(env, key) {
  const redis = new Redis(env.AUDITWATCH_REDIS_URL, { maxRetriesPerRequest: 3, connectTimeout: 5000 });
  try {
    assert((await redis.ping()) === 'PONG', 'redis PING');
    await redis.set(key, 'ok', 'EX', 60);
    assert((await redis.get(key)) === 'ok', 'redis GET returns SET value');
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
    log(`redis ${env.AUDITWATCH_REDIS_URL}: PING/SET/GET ok (redis ${version})`);
  } finally {
    redis.disconnect();
  }
}

async function main() {
  const runId = `${Date.now()}-${randomBytes(3).toString('hex')}`;
  const state = {
    runId,
    topic: `auditwatch-smoke-${runId}`,
    groupId: `auditwatch-smoke-${runId}`,
    created: false,
    restarted: false,
    expectedCommitted: 0,
  };
  let env = readEnv(false);
  await checkKafka(env, state);
  await checkRedis(env, `auditwatch-smoke:${runId}`);

  if (restart) {
    const caBefore = fs.readFileSync(env.AUDITWATCH_KAFKA_SSL_CA_FILE, 'utf8');
    log('restarting kafka and redis through local-services.sh');
    services('stop', 'kafka');
    services('start', 'kafka');
    services('stop', 'redis');
    services('start', 'redis');
    const env2 = readEnv(true);
    for (const v of VARS) assert(env2[v] === env[v], `${v} unchanged after restart (${env[v]} -> ${env2[v]})`);
    // The CA is made once: clients that trust it keep working across restarts.
    assert(
      fs.readFileSync(env2.AUDITWATCH_KAFKA_SSL_CA_FILE, 'utf8') === caBefore,
      'the CA certificate is unchanged after restart',
    );
    env = env2;
    state.restarted = true;

    const admin = kafkaClient(env).admin();
    await admin.connect();
    assert((await admin.listTopics()).includes(state.topic), `topic ${state.topic} survives a broker restart`);
    const total = await committedTotal(admin, state.groupId, state.topic);
    assert(
      total === state.expectedCommitted,
      `committed offsets survive a restart (${total} vs ${state.expectedCommitted})`,
    );
    log(`after restart: same addresses, topic present, committed offsets ${total}`);
    await admin.disconnect();

    await checkKafka(env, state);
    await checkRedis(env, `auditwatch-smoke:${runId}:2`);
  }

  if (!keep) {
    const admin = kafkaClient(env).admin();
    await admin.connect();
    await admin.deleteGroups([state.groupId]).catch(() => {});
    await admin.deleteTopics({ topics: [state.topic] }).catch(() => {});
    await admin.disconnect();
  }
  log('OK');
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`FAILED: ${err.stack || err}`);
    process.exit(1);
  },
);
