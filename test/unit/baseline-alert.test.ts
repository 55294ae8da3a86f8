import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../src/alerts/summary.js';
import type { AuditEvent } from '../../src/decode/audit-event.js';
import { decodeRecord, type Decoded } from '../../src/decode/decode.js';
import { compileRule } from '../../src/engine/compile.js';
import { Engine } from '../../src/engine/engine.js';
import { loadRules } from '../../src/engine/rule-loader.js';
import { ruleSpec } from '../../src/engine/rule-schema.js';
import { BUNDLED_RULES_DIR } from '../../src/settings.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { at, HOUR, kafkaAuth, MINUTE, type RawEvent } from '../support/events.js';

const H = '2026-03-02T00:00:00.000Z';

function decoded(events: RawEvent[]): Decoded[] {
  return events.map((e) => {
    const r = decodeRecord(JSON.stringify(e));
    if (!r.ok) throw new Error(r.message);
    return r;
  });
}

/** `n` authentications with the key within the 10 minutes from `from`. */
const auths = (credential: string, from: string, n: number, principal = 'User:sa-app001') =>
  Array.from({ length: n }, (_, i) =>
    kafkaAuth({ time: at(from, Math.floor((i * 10 * MINUTE) / n)), credential, ip: '10.0.0.7', ok: true, principal }),
  );

describe('baseline alerts', () => {
  const rule = loadRules(BUNDLED_RULES_DIR).rules.find((r) => r.id === 'api-key-volume-spike')!;

  it('carry the count, the learned mean and deviation and z, and say them in words', async () => {
    const engine = new Engine([rule], new MemoryStateStore());
    // Four days of 37, 38 or 40 authentications per 10 minutes, then 4,012 in one bucket.
    const history = Array.from({ length: 4 * 144 }, (_, b) =>
      auths('ABCDEFGH12345678', at(H, b * 10 * MINUTE), [37, 38, 40][b % 3]!),
    );
    for (const bucket of history) await engine.evaluate(decoded(bucket));
    const spike = await engine.evaluate(
      decoded(auths('ABCDEFGH12345678', at(H, 96 * HOUR), 4_012, 'User:sa-<b>bold</b>')),
    );
    expect(spike.alerts).toHaveLength(1);
    const [alert] = spike.alerts;
    expect(alert!.baseline!.mean).toBeCloseTo(38.33, 1);
    expect(alert!.baseline!.deviation).toBe(3);
    expect(alert!.count).toBe(alert!.baseline!.count);
    expect(alert!.count).toBe(Math.ceil(alert!.baseline!.mean + 6 * 3));
    expect(alert!.baseline!.z).toBeGreaterThanOrEqual(6);
    expect(alert).toMatchObject({ window: '10m', key: { credentialId: 'ABCDEFGH12345678' }, events: [alert!.trigger] });
    expect(alert!.summary).toBe(
      '57 authentications in 10m with API key ABCDEFGH12345678 (User:sa-<b>bold</b>), usually 38 ± 3',
    );
  });

  it('say large counts and small means for people; the default summary names the field', () => {
    const figures = { event: { id: 'e' } as AuditEvent, window: '10m', key: { principal: 'User:sa-x' } };
    const template = '{count} in {window} for {key}, usually {mean} ± {deviation}, z {z}';
    expect(
      renderSummary(template, { ...figures, count: 4012, baseline: { mean: 38.4, deviation: 9.44, z: 420.9 } }),
    ).toBe('4,012 in 10m for principal User:sa-x, usually 38 ± 9.4, z 420.9');
    expect(renderSummary(template, { ...figures, count: 12, baseline: { mean: 0.04, deviation: 1.5, z: 7.97 } })).toBe(
      '12 in 10m for principal User:sa-x, usually 0 ± 1.5, z 8.0',
    );
    const detector = { type: 'baseline', field: 'resource', min_count: 5 };
    const spec = ruleSpec.parse({
      id: 'r',
      title: 'Spread',
      severity: 'low',
      match: {},
      group_by: ['principal'],
      detector,
    });
    const summary = 'Spread: {count} distinct resource values in {window} for {key}, usually {mean} ± {deviation}';
    expect(compileRule(spec, 'r.yaml', '1.0.0', {}).summary).toBe(summary);
  });
});
