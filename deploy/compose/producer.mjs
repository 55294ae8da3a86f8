// Compose demo producer: reads a JSON-lines file of Confluent audit events,
// re-stamps their times so the newest event is "now" (gaps between events are
// kept, so window rules fire exactly as in `auditwatch replay`), and produces
// them to the audit-log topic.
//
// Runs inside the auditwatch image (kafkajs comes from /app/node_modules), with
// this folder mounted at /app/deploy/compose and the examples at /app/examples.
//
// Environment:
//   PRODUCER_BROKERS        comma list, default kafka:9092
//   PRODUCER_TOPIC          default confluent-audit-log-events
//   PRODUCER_FILE           default /app/examples/audit-events.jsonl
//   PRODUCER_MAX_AGE        seconds; older events are moved up to now minus this (default 10800 = 3 h)
//   PRODUCER_REPEAT_SECONDS 0 = produce once and exit (default); N = produce again every N seconds,
//                           with fresh event ids so the service does not drop them as duplicates
//   PRODUCER_KEY            record key; default one constant key, so every event lands on one partition
//                           in time order and the alerts match `auditwatch replay` exactly; "subject"
//                           keys by event subject and spreads events over the partitions as a real
//                           audit-log topic does
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const brokers = (process.env.PRODUCER_BROKERS ?? 'kafka:9092').split(',').map((b) => b.trim()).filter(Boolean);
const topic = process.env.PRODUCER_TOPIC ?? 'confluent-audit-log-events';
const file = process.env.PRODUCER_FILE ?? '/app/examples/audit-events.jsonl';
const defaultMaxAgeMs = Number(process.env.PRODUCER_MAX_AGE ?? 10_800) * 1000;
const repeatMs = Number(process.env.PRODUCER_REPEAT_SECONDS ?? 0) * 1000;
const keyMode = process.env.PRODUCER_KEY ?? 'auditwatch-demo';

/** Parses the file once; each event keeps its original time for re-stamping. */
function readEvents(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/**
 * Moves every event so the newest lands on `now`: t' = now - min(newest - t, maxAge).
 * Events older than maxAge before the newest (the handful of real, years-old
 * samples) are clamped to the start of the window instead of years ago.
 */
export function restamp(events, now, round, maxAgeMs = defaultMaxAgeMs) {
  const times = events.map((e) => Date.parse(e.time));
  const newest = Math.max(...times.filter((t) => !Number.isNaN(t)));
  return events
    .map((event, i) => {
      const t = Number.isNaN(times[i]) ? newest : times[i];
      const at = now - Math.min(newest - t, maxAgeMs);
      const id = round === 0 ? event.id : `${event.id}-r${round}`;
      return { at, event: { ...event, id, time: new Date(at).toISOString() } };
    })
    .sort((a, b) => a.at - b.at)
    .map((x) => x.event);
}

async function produceRound(producer, events, round) {
  const batch = restamp(events, Date.now(), round);
  await producer.send({
    topic,
    messages: batch.map((event) => ({ key: keyMode === 'subject' ? (event.subject ?? event.id ?? null) : keyMode, value: JSON.stringify(event) })),
  });
  console.log(JSON.stringify({ msg: 'produced', topic, events: batch.length, round, newest: batch.at(-1)?.time }));
}

async function main() {
  const events = readEvents(file);
  const kafka = new Kafka({ clientId: 'auditwatch-demo-producer', brokers, logLevel: logLevel.WARN, retry: { retries: 10 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await producer.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let round = 0; !stopping; round++) {
    await produceRound(producer, events, round);
    if (repeatMs <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, repeatMs));
  }
  await producer.disconnect();
}

// Run only as a program, so tests can import restamp().
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(JSON.stringify({ msg: 'producer failed', error: String(error?.message ?? error) }));
    process.exit(1);
  });
}
