import { afterEach, describe, expect, it } from 'vitest';
import { alertId } from '../../src/alerts/alert.js';
import { NEW_VALUES_KEPT } from '../../src/state/keys.js';
import { OTHER_DECISIONS_KEPT, type DetectorOp, type OpBase, type StateStore } from '../../src/state/state-store.js';
import type { StoreFactory } from './state-store.contract.js';

const T0 = Date.UTC(2026, 3, 6, 9, 0, 0);
const S = 1000;
const M = 60 * S;
const D = 24 * 60 * M;

/** Later events per case: more than every cap of the stores (sorted sets 256, dormant 16, remembered decisions, new_value values). */
const LATER = Math.max(OTHER_DECISIONS_KEPT, NEW_VALUES_KEPT) + 76;
/** Later events before a quiet event is re-applied: more than the state's caps, fewer than the remembered decisions. */
const SOME_LATER = 300;

function base(ruleId: string, eventId: string, timeMs: number, throttleMs: number): OpBase {
  const groupKey = 'credentialId=K';
  return { ruleId, groupKey, eventId, timeMs, throttleMs, alertId: alertId(ruleId, groupKey, eventId) };
}

/** One detector's story: `ops` raise an alert at `fire` and stay quiet (or throttled) at `quiet`; `later(i)` are the events after. */
interface Case {
  name: string;
  ops: DetectorOp[];
  fire: number;
  quiet: number;
  later: (i: number) => DetectorOp;
}

const fire = (id: string, t: number): DetectorOp => ({ ...base('re-any', id, t, 10 * M), detector: 'fire' });
const threshold = (id: string, t: number): DetectorOp => ({
  ...base('re-thr', id, t, 10 * M),
  detector: 'threshold',
  windowMs: M,
  count: 3,
});
const distinct = (id: string, value: string, t: number): DetectorOp => ({
  ...base('re-dst', id, t, 60 * M),
  detector: 'distinct',
  value,
  windowMs: 5 * M,
  count: 3,
});
const newValue = (id: string, value: string, t: number): DetectorOp => ({
  ...base('re-nv', id, t, 60 * M),
  detector: 'new_value',
  value,
  learningMs: D,
  forgetMs: 30 * D,
});
const dormant = (id: string, t: number): DetectorOp => ({
  ...base('re-dm', id, t, 0),
  detector: 'dormant',
  afterMs: 30 * D,
  forgetMs: 365 * D,
});
const sequence = (id: string, step: 'first' | 'then', t: number): DetectorOp => ({
  ...base('re-seq', id, t, 10 * M),
  detector: 'sequence',
  step,
  windowMs: 10 * M,
  count: 2,
});

const baseline = (id: string, t: number): DetectorOp => ({
  ...base('re-bl', id, t, 10 * M),
  detector: 'baseline',
  countValues: false,
  value: '',
  bucketMs: 10 * M,
  decay: 2 ** (-1 / 1008),
  learningMs: 3 * D,
  forgetMs: 14 * D,
  z: 4,
  minCount: 10,
  minDeviation: 2,
});
/** Three days of 2 or 3 events per 10 minutes, then 11 in one bucket: the 11th fires (2.5 + 4 × 2 ≤ 11), the 10th does not. */
const BASELINE_BUCKETS = 3 * 144 + 1;
const baselineOps = [
  ...Array.from({ length: BASELINE_BUCKETS }, (_, b) =>
    [0, 1, 2].slice(0, 2 + (b % 2)).map((j) => baseline(`h${b}-${j}`, T0 + b * 10 * M + j * M)),
  ).flat(),
  ...Array.from({ length: 11 }, (_, i) => baseline(`s${i}`, T0 + BASELINE_BUCKETS * 10 * M + i * S)),
];

const CASES: Case[] = [
  // The throttle period moves on (l0 fires 20 min later): re-applied, `b` must stay throttled, not become an alert.
  {
    name: 'any',
    ops: [fire('a', T0), fire('b', T0 + M)],
    fire: 0,
    quiet: 1,
    later: (i) => fire(`l${i}`, T0 + 20 * M + i * 100),
  },
  // The burst goes on: the window would count hundreds, and the sorted set has dropped e1..e3.
  {
    name: 'threshold',
    ops: [threshold('e1', T0), threshold('e2', T0 + S), threshold('e3', T0 + 2 * S)],
    fire: 2,
    quiet: 0,
    later: (i) => threshold(`l${i}`, T0 + 3 * S + i * 10),
  },
  // Later repeats of K1..K3 move their newest times out of e3's window; new values overflow the sorted set.
  {
    name: 'distinct',
    ops: [distinct('e1', 'K1', T0), distinct('e2', 'K2', T0 + S), distinct('e3', 'K3', T0 + 2 * S)],
    fire: 2,
    quiet: 0,
    later: (i) => distinct(`l${i}`, i % 2 === 0 ? `K${(i % 3) + 1}` : `N${i}`, T0 + 10 * M + i * S),
  },
  // l0 is an older event with B (it takes over as B's first event); then more new values than the value cap.
  {
    name: 'new_value',
    ops: [newValue('e1', 'A', T0), newValue('e2', 'B', T0 + 2 * D)],
    fire: 1,
    quiet: 0,
    later: (i) => (i === 0 ? newValue('l0', 'B', T0 + 2 * D - 1) : newValue(`l${i}`, `V${i}`, T0 + 2 * D + i * S)),
  },
  // More than 16 later events: the recent-events set no longer holds e1.
  {
    name: 'dormant',
    ops: [dormant('e1', T0), dormant('e2', T0 + 40 * D)],
    fire: 1,
    quiet: 0,
    later: (i) => dormant(`l${i}`, T0 + 40 * D + (i + 1) * S),
  },
  // Later A and B events (B ones throttled); the A set drops a1 and a2.
  {
    name: 'sequence',
    ops: [sequence('a1', 'first', T0), sequence('a2', 'first', T0 + S), sequence('b1', 'then', T0 + 2 * S)],
    fire: 2,
    quiet: 0,
    later: (i) => sequence(`l${i}`, i % 2 === 0 ? 'first' : 'then', T0 + 3 * S + i * 10),
  },
  // The burst goes on (throttled), the bucket's count grows past a thousand; the counts must not include the re-applied events twice.
  {
    name: 'baseline',
    ops: baselineOps,
    fire: baselineOps.length - 1,
    quiet: baselineOps.length - 2,
    later: (i) => baseline(`l${i}`, T0 + BASELINE_BUCKETS * 10 * M + 20 * S + i * 100),
  },
];

/**
 * A decision, once made, is the decision: re-applying an event (a re-delivered
 * Kafka record, on this replica or another) returns what it returned the first
 * time, whatever has happened to the state since.
 */
export function decisionContract(name: string, open: StoreFactory): void {
  describe(`StateStore remembered decisions: ${name}`, () => {
    const opened: StateStore[] = [];
    const track = async (s: Promise<StateStore>): Promise<StateStore> => {
      opened.push(await s);
      return opened[opened.length - 1]!;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    const laterOps = (c: Case, n: number) => Array.from({ length: n }, (_, i) => c.later(i));

    for (const c of CASES) {
      it(`${c.name}: a firing event re-applied after ${LATER} later events gives the same alert and evidence, on any replica`, async () => {
        const s = await track(open());
        const first = await s.apply(c.ops);
        expect(first[c.fire]!.status).toBe('fire');
        await s.apply(laterOps(c, LATER));
        const other = await track(open.again());
        expect(await s.apply([c.ops[c.fire]!])).toEqual([first[c.fire]]);
        expect(await other.apply([c.ops[c.fire]!])).toEqual([first[c.fire]]);
      });

      it(`${c.name}: a quiet (or throttled) event re-applied stays as it was, at once and after ${SOME_LATER} later events`, async () => {
        const s = await track(open());
        const first = await s.apply(c.ops);
        expect(first[c.quiet]!.status).not.toBe('fire');
        expect(await s.apply([c.ops[c.quiet]!])).toEqual([first[c.quiet]]);
        await s.apply(laterOps(c, SOME_LATER));
        expect(await s.apply([c.ops[c.quiet]!])).toEqual([first[c.quiet]]);
      });
    }

    it('sequence: one event that is both A and B has one decision per step', async () => {
      const s = await track(open());
      const r = await s.apply([
        sequence('a1', 'first', T0),
        sequence('x', 'first', T0 + S),
        sequence('x', 'then', T0 + S),
      ]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'quiet', 'fire']);
      expect(await s.apply([sequence('x', 'then', T0 + S), sequence('x', 'first', T0 + S)])).toEqual([r[2], r[1]]);
    });

    it(`threshold: a decision is kept for ${OTHER_DECISIONS_KEPT} later other decisions, forgotten after twice as many (decided anew); fired ones are kept apart`, async () => {
      const c = CASES.find((x) => x.name === 'threshold')!;
      const s = await track(open());
      const first = await s.apply(c.ops);
      await s.apply(laterOps(c, OTHER_DECISIONS_KEPT));
      expect(await s.apply([c.ops[c.quiet]!])).toEqual([first[c.quiet]]);
      await s.apply(laterOps(c, 2 * OTHER_DECISIONS_KEPT).slice(OTHER_DECISIONS_KEPT));
      // e1's generation was dropped: decided again, the burst around it is now throttled.
      expect((await s.apply([c.ops[c.quiet]!]))[0]!.status).toBe('throttled');
      expect(await s.apply([c.ops[c.fire]!])).toEqual([first[c.fire]]);
    });
  });
}
