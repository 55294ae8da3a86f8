#!/usr/bin/env node
// Helper of scripts/local-services.sh (not meant to be run by hand).
//
//   node local-services-helper.mjs free-ports N
//       prints N distinct free TCP ports on 127.0.0.1, one per line. They are
//       picked below the kernel's ephemeral range, so that while a service is
//       stopped (fault-injection tests) an outgoing client connection cannot
//       take its remembered port as a local port and block the restart.
//
//   node local-services-helper.mjs kafka-ready PLAINTEXT_BROKER SASL_BROKER USER PASSWORD TIMEOUT_S SASL_SSL_BROKER CA_FILE
//       waits until a real KafkaJS admin client can listTopics() over the
//       PLAINTEXT, the SASL_PLAINTEXT (PLAIN) and the SASL_SSL (PLAIN, trusting
//       CA_FILE) listener; exit 0 when ready, 1 on timeout, 2 when kafkajs is not
//       installed (node_modules missing).
//
// All messages go to stderr; only free-ports writes to stdout.
import net from 'node:net';
import fs from 'node:fs';

const [cmd, ...args] = process.argv.slice(2);

function log(msg) {
  process.stderr.write(`[local-services] ${msg}\n`);
}

function tryListen(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(srv));
  });
}

async function freePorts(n) {
  let lo = 32768;
  try {
    const txt = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    lo = Number(txt.trim().split(/\s+/)[0]) || lo;
  } catch {
    /* not Linux: keep default */
  }
  // Below the ephemeral range, above the well-known/"registered popular" ones.
  const min = 20000;
  const max = Math.max(min + 1000, lo - 1);
  const held = [];
  const ports = [];
  for (let attempt = 0; ports.length < n && attempt < 2000; attempt++) {
    const p = min + Math.floor(Math.random() * (max - min));
    if (ports.includes(p)) continue;
    const srv = await tryListen(p);
    if (srv) {
      held.push(srv);
      ports.push(p);
    }
  }
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  if (ports.length < n) {
    log(`could not find ${n} free ports in ${min}-${max}`);
    process.exit(1);
  }
  process.stdout.write(ports.join('\n') + '\n');
}

async function kafkaReady(plainBroker, saslBroker, username, password, timeoutS, saslSslBroker, caFile) {
  let kafkajs;
  try {
    kafkajs = (await import('kafkajs')).default;
  } catch (err) {
    log(`kafkajs not importable (${err.code || err.message}); run npm ci in the repo`);
    process.exit(2);
  }
  const { Kafka, logLevel } = kafkajs;
  const deadline = Date.now() + Number(timeoutS || 90) * 1000;
  const targets = [
    { name: 'PLAINTEXT', brokers: [plainBroker] },
    { name: 'SASL_PLAINTEXT', brokers: [saslBroker], ssl: false, sasl: { mechanism: 'plain', username, password } },
    {
      name: 'SASL_SSL',
      brokers: [saslSslBroker],
      ssl: { ca: [fs.readFileSync(caFile, 'utf8')] },
      sasl: { mechanism: 'plain', username, password },
    },
  ];
  for (const t of targets) {
    for (;;) {
      const kafka = new Kafka({
        clientId: 'auditwatch-local-services-ready',
        brokers: t.brokers,
        ssl: t.ssl,
        sasl: t.sasl,
        connectionTimeout: 2000,
        requestTimeout: 5000,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.listTopics();
        await admin.disconnect().catch(() => {});
        log(`kafka ${t.name} listener ${t.brokers[0]} answers`);
        break;
      } catch (err) {
        await admin.disconnect().catch(() => {});
        if (Date.now() > deadline) {
          log(`kafka ${t.name} listener ${t.brokers[0]} not ready: ${err.name}: ${err.message}`);
          process.exit(1);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
  process.exit(0);
}

switch (cmd) {
  case 'free-ports':
    await freePorts(Number(args[0] || 1));
    break;
  case 'kafka-ready':
    await kafkaReady(...args);
    break;
  default:
    log(`unknown helper command: ${cmd}`);
    process.exit(64);
}
