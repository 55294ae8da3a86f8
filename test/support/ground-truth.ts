import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import type { Alert } from '../../src/alerts/alert.js';
import { decodeRecord } from '../../src/decode/decode.js';
import { Engine } from '../../src/engine/engine.js';
import { loadRules } from '../../src/engine/rule-loader.js';
import { replay } from '../../src/replay.js';
import { BUNDLED_RULES_DIR } from '../../src/settings.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { MINUTE, type RawEvent } from './events.js';
import type { Services } from './services.js';

/** The alerts `auditwatch replay` raises for these events: the ground truth of the service tests. */
export async function groundTruth(events: readonly RawEvent[]): Promise<Alert[]> {
  const alerts: Alert[] = [];
  const engine = new Engine(loadRules(BUNDLED_RULES_DIR).enabled, new MemoryStateStore());
  await replay(
    events.map((e, i) => ({ ...decodeRecord(JSON.stringify(e)), lineNumber: i + 1 })),
    { engine, onAlert: (a) => void alerts.push(a) },
  );
  return alerts;
}

/**
 * The Kafka message key of a scenario event: its 40-minute episode. Each
 * episode (its attack and background) then stays in order on one partition,
 * so the alerts do not depend on how partitions interleave.
 */
export function episodeKey(event: RawEvent, start: string): string {
  return String(Math.max(0, Math.floor((Date.parse(String(event.time)) - Date.parse(start)) / (40 * MINUTE))));
}

export function plainKafka(s: Services, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: s.kafkaBrokers, logLevel: logLevel.NOTHING });
}

/** Sends events in chunks (keyed by episode). */
export async function produceEvents(
  producer: Producer,
  topic: string,
  events: readonly RawEvent[],
  start: string,
  chunk = 1_000,
): Promise<void> {
  for (let i = 0; i < events.length; i += chunk) {
    await producer.send({
      topic,
      messages: events.slice(i, i + chunk).map((e) => ({ key: episodeKey(e, start), value: JSON.stringify(e) })),
    });
  }
}

/** True when the group has committed up to the end of every partition. */
export async function drained(admin: Admin, topic: string, group: string): Promise<boolean> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
  ]);
  const done = new Map(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
  return ends.every((p) => done.get(p.partition) === p.high);
}

/** Ids that occur more than once. */
export function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return [...twice];
}
