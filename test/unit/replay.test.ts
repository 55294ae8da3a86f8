import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { decodeRecord } from '../../src/decode/decode.js';
import { Engine } from '../../src/engine/engine.js';
import { loadRules } from '../../src/engine/rule-loader.js';
import { replay } from '../../src/replay.js';
import { BUNDLED_RULES_DIR } from '../../src/settings.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { MINUTE, type RawEvent } from '../support/events.js';
import { duplicateAndShuffle, scenario } from '../support/scenario.js';

async function run(events: RawEvent[], latenessMs?: number): Promise<{ alerts: Alert[]; duplicates: number }> {
  const rules = loadRules(BUNDLED_RULES_DIR);
  const engine = new Engine(rules.enabled, new MemoryStateStore());
  const alerts: Alert[] = [];
  const input = events.map((e, i) => ({ ...decodeRecord(JSON.stringify(e)), lineNumber: i + 1 }));
  const summary = await replay(input, { engine, latenessMs, onAlert: (a) => void alerts.push(a) });
  return { alerts, duplicates: summary.duplicates };
}

const ids = (alerts: Alert[]) => alerts.map((a) => a.id).sort();

describe('replay', () => {
  const clean = scenario({ start: '2026-03-07T20:00:00.000Z', episodes: 6, noise: 80 });

  it('raises the expected alerts on the clean stream', async () => {
    const { alerts } = await run(clean);
    const perRule = new Map<string, number>();
    for (const a of alerts) perRule.set(a.rule, (perRule.get(a.rule) ?? 0) + 1);
    expect(Object.fromEntries(perRule)).toMatchObject({
      'credential-stuffing': 6,
      'failed-auth-burst': 6,
      'brute-force-success': 6,
      'permission-probing': 6,
      'mass-topic-deletion': 6,
      'privileged-role-granted': 6,
      'ip-filter-denied': 6,
    });
    expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
  });

  it('every event twice, shuffled inside the windows, gives exactly the alerts of the clean stream', async () => {
    const { alerts: expected } = await run(clean);
    const messy = duplicateAndShuffle(clean, 2 * MINUTE);
    expect(messy).toHaveLength(clean.length * 2);
    const { alerts, duplicates } = await run(messy);
    expect(ids(alerts)).toEqual(ids(expected));
    expect(alerts.map((a) => [a.id, a.count, a.events])).toEqual(
      expect.arrayContaining(expected.map((a) => [a.id, a.count, a.events])),
    );
    expect(duplicates).toBe(clean.length);
  });

  it('without reordering, out-of-order events still never alert twice for one burst', async () => {
    const { alerts: expected } = await run(clean);
    const { alerts } = await run(duplicateAndShuffle(clean, 2 * MINUTE, 99), 0);
    const episodes = (list: Alert[]) => list.map((a) => `${a.rule}|${JSON.stringify(a.key)}`).sort();
    expect(episodes(alerts)).toEqual(episodes(expected));
  });

  it('gives the same alerts twice in a row (deterministic ids)', async () => {
    expect(ids((await run(clean)).alerts)).toEqual(ids((await run(clean)).alerts));
  });
});
