import { afterEach, describe, expect, it } from 'vitest';
import { alertId } from '../../src/alerts/alert.js';
import { BASELINE_VALUES_KEPT } from '../../src/state/keys.js';
import type { DetectorOp, OpResult, StateStore } from '../../src/state/state-store.js';
import type { StoreFactory } from './state-store.contract.js';

const T0 = Date.UTC(2026, 2, 2, 0, 0, 0);
const M = 60_000;
const BUCKET = 10 * M;
const D = 24 * 60 * M;
const HALF_LIFE = 7 * D;

export interface BaselineOpOptions {
  key?: string;
  value?: string;
  throttleMs?: number;
  z?: number;
  minCount?: number;
  minDeviation?: number;
  learningMs?: number;
}

/** One baseline operation: 10m buckets, 7d half-life, 3d learning, 14d forget; z 4, min count 10, min deviation 2 unless told. */
export function baselineOp(id: string, t: number, o: BaselineOpOptions = {}): DetectorOp {
  const groupKey = o.key ?? 'credentialId=K';
  return {
    ruleId: 'bl',
    groupKey,
    eventId: id,
    timeMs: t,
    throttleMs: o.throttleMs ?? 0,
    alertId: alertId('bl', groupKey, id),
    detector: 'baseline',
    countValues: o.value !== undefined,
    value: o.value ?? '',
    bucketMs: BUCKET,
    decay: 2 ** (-BUCKET / HALF_LIFE),
    learningMs: o.learningMs ?? 3 * D,
    forgetMs: 14 * D,
    z: o.z ?? 4,
    minCount: o.minCount ?? 10,
    minDeviation: o.minDeviation ?? 2,
  };
}

/** `counts[i]` events in bucket `from + i`, spread evenly inside it, ids `<prefix><bucket>-<n>`. */
export function bucketOps(
  prefix: string,
  from: number,
  counts: readonly number[],
  o: BaselineOpOptions = {},
): DetectorOp[] {
  return counts.flatMap((n, i) =>
    Array.from({ length: n }, (_, j) =>
      baselineOp(`${prefix}${from + i}-${j}`, T0 + (from + i) * BUCKET + Math.floor(((j + 1) * BUCKET) / (n + 1)), o),
    ),
  );
}

/** `buckets` buckets whose counts go round `pattern`. */
const steady = (buckets: number, pattern: readonly number[]) =>
  Array.from({ length: buckets }, (_, i) => pattern[i % pattern.length]!);
const DAY_BUCKETS = D / BUCKET;
const statuses = (r: OpResult[]) => r.map((x) => x.status);

/** The baseline detector in every store: learning, firing, quiet variation, gaps, late events, values, forgetting, replays. */
export function baselineContract(name: string, open: StoreFactory): void {
  describe(`StateStore baseline detector: ${name}`, () => {
    const opened: StateStore[] = [];
    const store = async (): Promise<StateStore> => {
      opened.push(await open());
      return opened[opened.length - 1]!;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('stays quiet while learning (3 days), then fires on a 10× jump, once the count is z deviations above the mean', async () => {
      const s = await store();
      const young = { key: 'credentialId=YOUNG' };
      await s.apply(bucketOps('y', 0, steady(DAY_BUCKETS, [4, 5, 6, 6]), young));
      // A key known for one day: a 10× bucket stays quiet.
      expect(statuses(await s.apply(bucketOps('early', DAY_BUCKETS, [50], young)))).not.toContain('fire');
      await s.apply(bucketOps('h', 0, steady(4 * DAY_BUCKETS, [4, 5, 6, 6])));
      const spike = await s.apply(bucketOps('x', 4 * DAY_BUCKETS + 1, [50]));
      // Mean ≈ 5.25, deviation ≈ 0.8, below the floor of 2: 14 ≥ 5.25 + 4 × 2 is the first count that fires.
      const fired = spike.findIndex((r) => r.status === 'fire');
      expect(fired).toBe(13);
      const figures = spike[fired]!.baseline!;
      expect(figures.count).toBe(14);
      expect(figures.mean).toBeGreaterThan(5.2);
      expect(figures.mean).toBeLessThan(5.3);
      expect(figures.deviation).toBe(2);
      expect(figures.z).toBe((14 - figures.mean) / 2);
      expect(spike[fired]!.evidence).toEqual(['x577-13']);
      expect(spike.slice(0, fired).every((r) => r.status === 'quiet' && r.baseline === undefined)).toBe(true);
      expect(spike.map((r) => r.count)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('stays quiet on normal variation, and a key that was always quiet needs min_count, not just two events', async () => {
      const s = await store();
      const varying = steady(5 * DAY_BUCKETS, [2, 9, 4, 0, 7, 3, 11, 5, 1, 8]);
      const r = await s.apply(bucketOps('v', 0, varying));
      expect(r.filter((x) => x.status !== 'quiet')).toEqual([]);
      const rare = await s.apply(
        [...bucketOps('r', 0, [1]), ...bucketOps('r', 5 * DAY_BUCKETS, [9])].map((op) => ({
          ...op,
          groupKey: 'credentialId=RARE',
        })),
      );
      // One event in five days, then nine in ten minutes: far above a mean of ~0, but below min_count 10.
      expect(r.length).toBeGreaterThan(1000);
      expect(statuses(rare)).not.toContain('fire');
      const tenth = await s.apply([{ ...bucketOps('r', 5 * DAY_BUCKETS, [10])[9]!, groupKey: 'credentialId=RARE' }]);
      expect(tenth[0]).toMatchObject({ status: 'fire', count: 10 });
    });

    it('decays over gaps in closed form: a week of silence halves the weight of what came before', async () => {
      const s = await store();
      await s.apply(bucketOps('h', 0, steady(4 * DAY_BUCKETS, [20])));
      const after = 4 * DAY_BUCKETS + 7 * DAY_BUCKETS;
      const spike = await s.apply(bucketOps('x', after, [60]));
      const fired = spike.find((r) => r.status === 'fire')!.baseline!;
      // The same sums, closing every empty bucket one at a time.
      const r = 2 ** (-BUCKET / HALF_LIFE);
      let [w, sum, sq] = [0, 0, 0];
      for (let i = 0; i < after; i++) {
        const x = i < 4 * DAY_BUCKETS ? 20 : 0;
        [w, sum, sq] = [r * w + 1, r * sum + x, r * sq + x * x];
      }
      const mean = sum / w;
      expect(fired.mean).toBeCloseTo(mean, 9);
      expect(fired.deviation).toBeCloseTo(Math.sqrt(sq / w - mean * mean), 9);
      expect(fired.mean).toBeGreaterThan(4);
      expect(fired.mean).toBeLessThan(6);
      expect(fired.count).toBe(Math.ceil(fired.mean + 4 * fired.deviation));
    });

    it('counts an event of the previous bucket there (late by up to one bucket), and an older one nowhere', async () => {
      const s = await store();
      await s.apply(bucketOps('h', 0, steady(4 * DAY_BUCKETS, [3, 4])));
      const b = 4 * DAY_BUCKETS;
      const now = await s.apply(bucketOps('n', b + 1, [2]));
      expect(now.map((x) => x.count)).toEqual([1, 2]);
      // Late events of bucket b: the previous one, counted there; of bucket b − 1: too old, counted nowhere.
      const old = bucketOps('old', b - 1, [3]);
      const late = await s.apply([...bucketOps('late', b, [12]), ...old]);
      expect(late.map((x) => x.count)).toEqual([...Array.from({ length: 12 }, (_, i) => i + 1), 0, 0, 0]);
      // The previous bucket is judged against the buckets before it: 12 ≥ 3.5 + 4 × 2 fires, 11 does not.
      expect(statuses(late.slice(0, 12))).toEqual([...Array<string>(11).fill('quiet'), 'fire']);
      expect(statuses(late.slice(12))).toEqual(['quiet', 'quiet', 'quiet']);
      // Re-applied, the old event is still quiet and still counts nowhere; the newest bucket goes on from 2.
      expect(await s.apply([old[1]!])).toEqual([late[13]]);
      expect((await s.apply(bucketOps('n2', b + 1, [1])))[0]!.count).toBe(3);
    });

    it('a re-applied event counts once and gets its first decision back, fired or quiet', async () => {
      const s = await store();
      await s.apply(bucketOps('h', 0, steady(4 * DAY_BUCKETS, [5, 6])));
      const ops = bucketOps('x', 4 * DAY_BUCKETS, [20]).map((op) => ({ ...op, throttleMs: 60 * M }));
      const first = await s.apply(ops);
      expect(statuses(first).filter((x) => x === 'fire')).toHaveLength(1);
      expect(statuses(first)).toContain('throttled');
      expect(await s.apply(ops)).toEqual(first);
      expect(await s.apply([...ops].reverse())).toEqual([...first].reverse());
      const next = await s.apply([{ ...baselineOp('x-next', ops[19]!.timeMs + 1), throttleMs: 60 * M }]);
      expect(next[0]!.count).toBe(21);
    });

    it('with a field, counts distinct values per bucket (at most the cap), each value once however often it comes', async () => {
      const s = await store();
      // Two distinct values in one bucket, three in the next: 2.5 on average.
      const history = Array.from({ length: 4 * DAY_BUCKETS }, (_, i) => ['a', 'b', i % 2 === 0 ? 'a' : 'c']);
      await s.apply(
        history.flatMap((values, i) =>
          values.map((value, j) => baselineOp(`h${i}-${j}`, T0 + i * BUCKET + j * M, { value })),
        ),
      );
      const b = 4 * DAY_BUCKETS;
      const repeats = await s.apply(
        Array.from({ length: 30 }, (_, j) => baselineOp(`same${j}`, T0 + b * BUCKET + j, { value: 'orders' })),
      );
      expect(repeats.map((x) => x.count)).toEqual(Array(30).fill(1));
      const values = Array.from({ length: BASELINE_VALUES_KEPT + 5 }, (_, j) =>
        baselineOp(`d${j}`, T0 + b * BUCKET + 100 + j, { value: `topic-${j}` }),
      );
      const spread = await s.apply(values);
      // 11 ≥ 2.5 + 4 × 2 is the first count that fires ('orders' was the first value of the bucket).
      expect(spread.findIndex((x) => x.status === 'fire')).toBe(9);
      expect(spread[9]!.baseline).toMatchObject({ count: 11, deviation: 2 });
      expect(spread[BASELINE_VALUES_KEPT + 4]!.count).toBe(BASELINE_VALUES_KEPT);
      const next = await s.apply([baselineOp('n', T0 + (b + 1) * BUCKET, { value: 'orders' })]);
      expect(next[0]!.count).toBe(1);
    });

    it('forgets a key idle longer than `forget` (event time): it learns again before it can fire', async () => {
      const s = await store();
      await s.apply(bucketOps('h', 0, steady(4 * DAY_BUCKETS, [5])));
      const back = 4 * DAY_BUCKETS + 15 * DAY_BUCKETS;
      expect(statuses(await s.apply(bucketOps('x', back, [60])))).not.toContain('fire');
      // Within forget (13 idle days), the same spike fires.
      const t = await store();
      await t.apply(bucketOps('h', 0, steady(4 * DAY_BUCKETS, [5])));
      expect(statuses(await t.apply(bucketOps('x', 4 * DAY_BUCKETS + 13 * DAY_BUCKETS, [60])))).toContain('fire');
    });
  });
}
