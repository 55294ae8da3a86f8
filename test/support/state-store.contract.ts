import { afterEach, describe, expect, it } from 'vitest';
import { alertId } from '../../src/alerts/alert.js';
import type { DetectorOp, OpBase, StateStore } from '../../src/state/state-store.js';
import { NEW_VALUES_KEPT } from '../../src/state/keys.js';
import { baselineContract } from './state-store-baseline.contract.js';
import { decisionContract } from './state-store-decisions.contract.js';

/**
 * One set of expectations for every StateStore implementation. `open` returns a
 * store on fresh, isolated state; calling `open.again()` returns another client
 * on the same state (a second replica).
 */
export interface StoreFactory {
  (): Promise<StateStore>;
  again(): Promise<StateStore>;
}

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const S = 1000;
const M = 60 * S;
const D = 24 * 60 * M;

function base(ruleId: string, eventId: string, timeMs: number, groupKey = 'credentialId=K', throttleMs = 0): OpBase {
  return { ruleId, groupKey, eventId, timeMs, throttleMs, alertId: alertId(ruleId, groupKey, eventId) };
}

export function stateStoreContract(name: string, open: StoreFactory): void {
  describe(`StateStore contract: ${name}`, () => {
    const opened: StateStore[] = [];
    const store = async (): Promise<StateStore> => {
      const s = await open();
      opened.push(s);
      return s;
    };
    const again = async (): Promise<StateStore> => {
      const s = await open.again();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    const threshold = (id: string, t: number, extra: Partial<OpBase> = {}): DetectorOp => ({
      ...base('thr', id, t),
      ...extra,
      detector: 'threshold',
      windowMs: M,
      count: 3,
    });

    it('threshold: fires at the count, with the newest evidence first', async () => {
      const s = await store();
      const r = await s.apply([threshold('e1', T0), threshold('e2', T0 + S), threshold('e3', T0 + 2 * S)]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'quiet', 'fire']);
      expect(r.map((x) => x.count)).toEqual([1, 2, 3]);
      expect(r[2]!.evidence).toEqual(['e3', 'e2', 'e1']);
    });

    it('threshold: the same event id never counts twice, and re-applying it gives the same decision', async () => {
      const s = await store();
      const before = await s.apply([threshold('e1', T0), threshold('e2', T0 + S)]);
      const first = await s.apply([threshold('e3', T0 + 2 * S)]);
      const again1 = await s.apply([threshold('e3', T0 + 2 * S), threshold('e1', T0), threshold('e2', T0 + S)]);
      expect(first[0]).toMatchObject({ status: 'fire', count: 3 });
      // Each event gets its first decision back: e1 and e2 stay quiet, though their window now holds all three.
      expect(again1).toEqual([first[0], ...before]);
      // Three events, never six.
      expect((await s.apply([threshold('e4', T0 + 3 * S)]))[0]!.count).toBe(4);
    });

    it('threshold: counts the densest window containing the event, so out-of-order events count', async () => {
      const s = await store();
      const r = await s.apply([
        threshold('c', T0 + 20 * S),
        threshold('b', T0 + 10 * S),
        threshold('a', T0),
        threshold('d', T0 + 90 * S),
      ]);
      expect(r.map((x) => x.count)).toEqual([1, 2, 3, 1]);
    });

    it('threshold: a burst arriving newest first still fires, on the event that completes it', async () => {
      const s = await store();
      const r = await s.apply([threshold('e3', T0 + 2 * S), threshold('e2', T0 + S), threshold('e1', T0)]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'quiet', 'fire']);
      expect(r[2]!.evidence).toEqual(['e3', 'e2', 'e1']);
    });

    it('distinct: values arriving out of order still reach the count', async () => {
      const s = await store();
      const op = (id: string, value: string, t: number): DetectorOp => ({
        ...base('dst', id, t, 'clientIp=9.9.9.9'),
        detector: 'distinct',
        value,
        windowMs: 5 * M,
        count: 3,
      });
      const r = await s.apply([op('e3', 'K3', T0 + 2 * M), op('e1', 'K1', T0), op('e2', 'K2', T0 + M)]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'quiet', 'fire']);
    });

    it('threshold: events outside the window are not counted', async () => {
      const s = await store();
      const r = await s.apply([
        threshold('a', T0),
        threshold('b', T0 + 30 * S),
        threshold('c', T0 + 61 * S),
        threshold('d', T0 + 62 * S),
      ]);
      expect(r.map((x) => x.count)).toEqual([1, 2, 2, 3]);
      expect(r[3]!.status).toBe('fire');
    });

    it('threshold: separate group keys and rules do not share counts', async () => {
      const s = await store();
      const r = await s.apply([
        threshold('a', T0),
        threshold('b', T0, { groupKey: 'credentialId=OTHER', alertId: 'x1' }),
        threshold('c', T0, { ruleId: 'thr2', alertId: 'x2' }),
        threshold('d', T0 + S),
      ]);
      expect(r.map((x) => x.count)).toEqual([1, 1, 1, 2]);
    });

    it('throttle: one alert per key per period; the same alert id always passes; a later period fires again', async () => {
      const s = await store();
      const t = (id: string, at: number) => threshold(id, at, { throttleMs: 10 * M, alertId: `alert-${id}` });
      const r = await s.apply([t('a', T0), t('b', T0 + S), t('c', T0 + 2 * S), t('d', T0 + 3 * S), t('c', T0 + 2 * S)]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'quiet', 'fire', 'throttled', 'fire']);
      const later = await s.apply([t('x', T0 + 11 * M), t('y', T0 + 11 * M + S), t('z', T0 + 11 * M + 2 * S)]);
      expect(later.map((x) => x.status)).toEqual(['quiet', 'quiet', 'fire']);
    });

    it('distinct: counts distinct values, not events, and returns values with their events', async () => {
      const s = await store();
      const op = (id: string, value: string, t: number): DetectorOp => ({
        ...base('dst', id, t, 'clientIp=1.2.3.4'),
        detector: 'distinct',
        value,
        windowMs: 5 * M,
        count: 3,
      });
      const r = await s.apply([
        op('e1', 'K1', T0),
        op('e2', 'K1', T0 + S),
        op('e3', 'K2', T0 + 2 * S),
        op('e4', 'K3', T0 + 3 * S),
      ]);
      expect(r.map((x) => x.count)).toEqual([1, 1, 2, 3]);
      expect(r[3]).toMatchObject({ status: 'fire', values: ['K3', 'K2', 'K1'], evidence: ['e4', 'e3', 'e2'] });
      const outside = await s.apply([op('e5', 'K4', T0 + 10 * M)]);
      expect(outside[0]!.count).toBe(1);
    });

    it('new_value: learns first, then fires on a value never seen; re-applying the introducing event decides the same', async () => {
      const s = await store();
      const op = (id: string, value: string, t: number): DetectorOp => ({
        ...base('nv', id, t),
        detector: 'new_value',
        value,
        learningMs: D,
        forgetMs: 30 * D,
      });
      const r = await s.apply([
        op('e1', '10.0.0.1', T0),
        op('e2', '10.0.0.2', T0 + 60 * M),
        op('e3', '10.0.0.1', T0 + 2 * D),
        op('e4', '203.0.113.9', T0 + 2 * D),
        op('e5', '203.0.113.9', T0 + 2 * D + S),
      ]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'quiet', 'quiet', 'fire', 'quiet']);
      expect(r[3]!.evidence).toEqual(['e4']);
      expect((await s.apply([op('e4', '203.0.113.9', T0 + 2 * D)]))[0]!.status).toBe('fire');
    });

    it('new_value: a value unused for longer than forget is new again', async () => {
      const s = await store();
      const op = (id: string, value: string, t: number): DetectorOp => ({
        ...base('nv', id, t),
        detector: 'new_value',
        value,
        learningMs: D,
        forgetMs: 30 * D,
      });
      // 'A' keeps the key alive; 'B' alone is unused for 38 days.
      const r = await s.apply([
        op('e1', 'A', T0),
        op('e2', 'B', T0 + 2 * D),
        op('e2b', 'A', T0 + 20 * D),
        op('e3', 'B', T0 + 40 * D),
      ]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'fire', 'quiet', 'fire']);
    });

    it(`new_value: at most ${NEW_VALUES_KEPT} values per key; beyond, the least recently seen go first and are new again`, async () => {
      const s = await store();
      const op = (id: string, value: string, t: number): DetectorOp => ({
        ...base('nv-cap', id, t),
        detector: 'new_value',
        value,
        learningMs: D,
        forgetMs: 30 * D,
      });
      await s.apply([op('a1', 'A', T0), op('b1', 'B', T0 + 2 * D - 1)]);
      // B is seen again, later than all that follows: a recently used value stays, however early it came.
      const values = Array.from({ length: NEW_VALUES_KEPT - 1 }, (_, i) => op(`v${i}`, `V${i}`, T0 + 2 * D + i * S));
      await s.apply([op('b2', 'B', T0 + 3 * D), ...values]);
      // That made NEW_VALUES_KEPT + 1 values: A and V0..V98, the 100 least recently seen, went.
      const t = T0 + 4 * D;
      const r = await s.apply([
        op('a2', 'A', t),
        op('v0b', 'V0', t),
        op('v98b', 'V98', t),
        op('v99b', 'V99', t),
        op('b3', 'B', t),
        op('vlast', `V${NEW_VALUES_KEPT - 2}`, t),
      ]);
      expect(r.map((x) => x.status)).toEqual(['fire', 'fire', 'fire', 'quiet', 'quiet', 'quiet']);
    });

    it('dormant: fires when the previous event is at least `after` older, also on re-application', async () => {
      const s = await store();
      const op = (id: string, t: number): DetectorOp => ({
        ...base('dm', id, t),
        detector: 'dormant',
        afterMs: 30 * D,
        forgetMs: 365 * D,
      });
      const r = await s.apply([op('e1', T0), op('e2', T0 + D), op('e3', T0 + 32 * D), op('e4', T0 + 33 * D)]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'quiet', 'fire', 'quiet']);
      expect((await s.apply([op('e3', T0 + 32 * D)]))[0]!.status).toBe('fire');
    });

    it('state idle longer than its span of event time starts over, whatever the wall clock (new_value learns again, dormant forgets)', async () => {
      const s = await store();
      const nv = (id: string, value: string, t: number): DetectorOp => ({
        ...base('nv3', id, t),
        detector: 'new_value',
        value,
        learningMs: D,
        forgetMs: 30 * D,
      });
      const dm = (id: string, t: number): DetectorOp => ({
        ...base('dm3', id, t),
        detector: 'dormant',
        afterMs: 30 * D,
        forgetMs: 365 * D,
      });
      const r = await s.apply([
        nv('n1', 'A', T0),
        nv('n2', 'B', T0 + 2 * D),
        nv('n3', 'C', T0 + 40 * D),
        nv('n4', 'D', T0 + 42 * D),
        dm('d1', T0),
        dm('d2', T0 + 400 * D),
        dm('d3', T0 + 440 * D),
      ]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'fire', 'quiet', 'fire', 'quiet', 'quiet', 'fire']);
      // Re-applying the event that restarted the state gives the same decision.
      expect((await s.apply([nv('n3', 'C', T0 + 40 * D), dm('d2', T0 + 400 * D)])).map((x) => x.status)).toEqual([
        'quiet',
        'quiet',
      ]);
    });

    it('dormant: a key unused far longer than `after` (but within `forget`) still fires, however much else happens meanwhile', async () => {
      const s = await store();
      const op = (id: string, t: number, key = 'credentialId=K'): DetectorOp => ({
        ...base('dm2', id, t, key),
        detector: 'dormant',
        afterMs: 30 * D,
        forgetMs: 365 * D,
      });
      await s.apply([op('e1', T0)]);
      // Enough other keys' events, 200 days later, for the memory store to sweep expired state.
      await s.apply(Array.from({ length: 10_050 }, (_, i) => op(`o${i}`, T0 + 200 * D, `credentialId=O${i}`)));
      expect((await s.apply([op('e2', T0 + 200 * D + 1)]))[0]!.status).toBe('fire');
    });

    it('sequence: enough A events then B within the window fires; too few or too old stay quiet', async () => {
      const s = await store();
      const op = (id: string, step: 'first' | 'then', t: number, key = 'credentialId=K'): DetectorOp => ({
        ...base('seq', id, t, key),
        detector: 'sequence',
        step,
        windowMs: 10 * M,
        count: 2,
      });
      const r = await s.apply([
        op('a1', 'first', T0),
        op('b0', 'then', T0 + S),
        op('a2', 'first', T0 + 2 * S),
        op('b1', 'then', T0 + 3 * S),
        op('x1', 'first', T0, 'credentialId=OLD'),
        op('x2', 'first', T0 + S, 'credentialId=OLD'),
        op('y1', 'then', T0 + 20 * M, 'credentialId=OLD'),
      ]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'quiet', 'quiet', 'fire', 'quiet', 'quiet', 'quiet']);
      expect(r[3]!.evidence).toEqual(['b1', 'a2', 'a1']);
    });

    it('sequence: A events that arrive after their B still complete the sequence', async () => {
      const s = await store();
      const op = (id: string, step: 'first' | 'then', t: number): DetectorOp => ({
        ...base('seq-late', id, t),
        detector: 'sequence',
        step,
        windowMs: 10 * M,
        count: 2,
      });
      const r = await s.apply([op('b1', 'then', T0 + 5 * S), op('a1', 'first', T0), op('a2', 'first', T0 + S)]);
      expect(r.map((x) => x.status)).toEqual(['quiet', 'quiet', 'fire']);
      expect(r[2]!.evidence).toEqual(['a2', 'a1']);
    });

    it('fire (any / outside_hours): throttles per key only', async () => {
      const s = await store();
      const op = (id: string, t: number): DetectorOp => ({ ...base('any', id, t, '', 5 * M), detector: 'fire' });
      const r = await s.apply([op('a', T0), op('b', T0 + M), op('c', T0 + 6 * M)]);
      expect(r.map((x) => x.status)).toEqual(['fire', 'throttled', 'fire']);
      expect(r[0]!.evidence).toEqual(['a']);
    });

    it('touch: the newest arrival time wins, whatever the order', async () => {
      const s = await store();
      expect(await s.lastEventAt()).toBeUndefined();
      await s.touch(T0 + 5 * S);
      await s.touch(T0);
      expect(await s.lastEventAt()).toBe(T0 + 5 * S);
    });

    it('apply with an arrival time records it as touch does (never backwards), with or without operations', async () => {
      const s = await store();
      const arrived = async (t: number, ...ids: string[]) =>
        (
          await s.apply(
            ids.map((id, i) => threshold(id, T0 + i * S)),
            t,
          )
        ).map((x) => x.count);
      expect(await arrived(T0 + 5 * S, 'arr1')).toEqual([1]);
      expect(await s.lastEventAt()).toBe(T0 + 5 * S);
      expect(await arrived(T0, 'arr1', 'arr2')).toEqual([1, 2]);
      expect(await s.lastEventAt()).toBe(T0 + 5 * S);
      expect(await arrived(T0 + 9 * S)).toEqual([]);
      expect(await s.lastEventAt()).toBe(T0 + 9 * S);
      // Many keys: on a cluster some calls go to nodes without `last-event-at`, and the replies keep their order.
      const ops = Array.from({ length: 40 }, (_, i) => ({ ...threshold(`k${i}`, T0), groupKey: `credentialId=K${i}` }));
      expect((await s.apply(ops, T0 + 10 * S)).map((x) => x.count)).toEqual(ops.map(() => 1));
      expect(await s.lastEventAt()).toBe(T0 + 10 * S);
    });

    it('two clients applying at once count exactly like one', async () => {
      const one = await store();
      const two = await again();
      const ops = Array.from({ length: 200 }, (_, i) => ({
        ...base('conc', `e${i}`, T0 + (i % 50) * S),
        detector: 'threshold' as const,
        windowMs: 10 * M,
        count: 1000,
      }));
      await Promise.all([
        one.apply(ops.filter((_, i) => i % 2 === 0)),
        two.apply(ops.filter((_, i) => i % 2 === 1)),
        one.apply(ops.slice(0, 50)),
      ]);
      const check = await one.apply([
        { ...base('conc', 'last', T0 + 60 * S), detector: 'threshold', windowMs: 10 * M, count: 1000 },
      ]);
      expect(check[0]!.count).toBe(201);
    });
  });
  decisionContract(name, open);
  baselineContract(name, open);
}
