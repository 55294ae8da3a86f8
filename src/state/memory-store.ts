import { MAX_EVIDENCE, spanOf, type DetectorOp, type OpResult, type OpStatus, type StateStore } from './state-store.js';
import { applyBaseline, BaselineState } from './baseline.js';
import { memberCap, NEW_VALUES_DROPPED, NEW_VALUES_KEPT } from './keys.js';
import { decisionId } from './memory-decisions.js';
import type { Entry, Seen } from './memory-entry.js';
import { EntryTable } from './memory-table.js';
import { countIn, densest, newestIn, trim } from './memory-zset.js';

const SWEEP_EVERY = 10_000;

/**
 * In-memory state for replay and the embedded default. Same decisions as the
 * Redis store (one contract suite runs against both); state expires by event
 * time, so replaying a long export keeps memory bounded by the windows.
 */
export class MemoryStateStore implements StateStore {
  /** State entries, and apart the throttle marks, by rule and group key. */
  private readonly entries = new EntryTable();
  private readonly throttles = new EntryTable();
  private maxEventMs = 0;
  private opsSinceSweep = 0;
  private lastTouch: number | undefined;

  apply(ops: readonly DetectorOp[], arrivedAtMs?: number): Promise<OpResult[]> {
    if (arrivedAtMs !== undefined) void this.touch(arrivedAtMs);
    return Promise.resolve(ops.map((op) => this.applyOne(op)));
  }

  touch(nowMs: number): Promise<void> {
    this.lastTouch = Math.max(this.lastTouch ?? 0, nowMs);
    return Promise.resolve();
  }

  lastEventAt(): Promise<number | undefined> {
    return Promise.resolve(this.lastTouch);
  }

  async ping(): Promise<void> {}

  close(): Promise<void> {
    this.entries.clear();
    this.throttles.clear();
    return Promise.resolve();
  }

  /** Number of live state entries (for tests and memory checks). */
  get size(): number {
    return this.entries.size + this.throttles.size;
  }

  private applyOne(op: DetectorOp): OpResult {
    this.maxEventMs = Math.max(this.maxEventMs, op.timeMs);
    if (++this.opsSinceSweep >= SWEEP_EVERY) this.sweep();
    const entry = this.entries.get(op.ruleId, op.groupKey, op.timeMs, spanOf(op));
    const id = decisionId(op);
    // A decision once made is the decision: the event is back (a re-delivered record), its state is already applied.
    const known = entry.recall(id, op.timeMs);
    if (known !== undefined) return known;
    return entry.remember(id, op.timeMs, this.decideOp(op, entry));
  }

  private decideOp(op: DetectorOp, entry: Entry): OpResult {
    switch (op.detector) {
      case 'fire':
        return this.decide(op, 1, [op.eventId]);
      case 'threshold':
        return this.threshold(op, entry);
      case 'distinct':
        return this.distinct(op, entry);
      case 'new_value':
        return this.newValue(op, entry);
      case 'dormant':
        return this.dormant(op, entry);
      case 'sequence':
        return this.sequence(op, entry);
      case 'baseline':
        return this.baseline(op, entry);
    }
  }

  private threshold(op: DetectorOp & { detector: 'threshold' }, e: Entry): OpResult {
    e.zset.set(op.eventId, op.timeMs);
    const { count: n, members } = densest(e.zset, op.timeMs, op.windowMs);
    trim(e.zset, op.timeMs - 2 * op.windowMs, memberCap(op.count));
    if (n < op.count) return quiet(n);
    return this.decide(op, n, members);
  }

  private distinct(op: DetectorOp & { detector: 'distinct' }, e: Entry): OpResult {
    const seen = e.zset.get(op.value);
    if (seen === undefined || op.timeMs >= seen) {
      e.zset.set(op.value, op.timeMs);
      e.hash.set(op.value, op.eventId);
    }
    const { count: n, members: values } = densest(e.zset, op.timeMs, op.windowMs);
    trim(e.zset, op.timeMs - 2 * op.windowMs, memberCap(op.count), e.hash);
    if (n < op.count) return quiet(n);
    const result = this.decide(
      op,
      n,
      values.map((v) => e.hash.get(v) ?? ''),
    );
    return result.status === 'fire' ? { ...result, values } : result;
  }

  private newValue(op: DetectorOp & { detector: 'new_value' }, e: Entry): OpResult {
    const start = Math.min(e.sinceMs ?? op.timeMs, op.timeMs);
    e.sinceMs = start;
    const record = e.seen.get(op.value);
    let isNew: boolean;
    if (record === undefined) {
      e.seen.set(op.value, { firstId: op.eventId, firstMs: op.timeMs, lastMs: op.timeMs });
      if (e.seen.size > NEW_VALUES_KEPT) dropLeastRecent(e.seen);
      isNew = true;
    } else if (record.firstId === op.eventId) {
      isNew = true;
    } else if (op.timeMs - record.lastMs > op.forgetMs) {
      e.seen.set(op.value, { firstId: op.eventId, firstMs: op.timeMs, lastMs: op.timeMs });
      isNew = true;
    } else {
      if (op.timeMs < record.firstMs) {
        record.firstId = op.eventId;
        record.firstMs = op.timeMs;
      }
      record.lastMs = Math.max(record.lastMs, op.timeMs);
      isNew = false;
    }
    if (!isNew || op.timeMs - start < op.learningMs) return quiet(0);
    return this.decide(op, 1, [op.eventId]);
  }

  private dormant(op: DetectorOp & { detector: 'dormant' }, e: Entry): OpResult {
    e.recent.add(op.eventId, op.timeMs);
    const previous = e.recent.newestBefore(op.timeMs);
    e.recent.trim(-Infinity, 16);
    if (previous === undefined || op.timeMs - previous < op.afterMs) return quiet(0);
    return this.decide(op, 1, [op.eventId]);
  }

  private sequence(op: DetectorOp & { detector: 'sequence' }, e: Entry): OpResult {
    let b: number | undefined;
    if (op.step === 'first') {
      e.zset.set(op.eventId, op.timeMs);
      trim(e.zset, op.timeMs - 2 * op.windowMs, memberCap(op.count));
      // A late A: is there already a B after it that now has enough A events before it?
      // Most keys never see a B: look without creating the set (it would be kept for the key's span).
      if (e.laterIfAny === undefined) return quiet(0);
      const laters = e.laterIfAny.timesIn(op.timeMs, op.timeMs + op.windowMs, 10);
      b = laters.find((t) => countIn(e.zset, t - op.windowMs, t) >= op.count);
      if (b === undefined) return quiet(0);
    } else {
      e.later.add(op.eventId, op.timeMs);
      e.later.trim(op.timeMs - 2 * op.windowMs, memberCap(op.count));
      b = op.timeMs;
    }
    const n = countIn(e.zset, b - op.windowMs, b);
    if (n < op.count) return quiet(n);
    const firsts = newestIn(e.zset, b - op.windowMs, b).filter((id) => id !== op.eventId);
    return this.decide(op, n, [op.eventId, ...firsts].slice(0, MAX_EVIDENCE));
  }

  private baseline(op: DetectorOp & { detector: 'baseline' }, e: Entry): OpResult {
    const state = (e.baseline ??= new BaselineState(op.timeMs, Math.floor(op.timeMs / op.bucketMs)));
    const verdict = applyBaseline(state, op, op.timeMs);
    if (verdict.figures === undefined) return quiet(verdict.count);
    const result = this.decide(op, verdict.count, [op.eventId]);
    return result.status === 'fire' ? { ...result, baseline: verdict.figures } : result;
  }

  /** The throttle: one alert per rule and key per throttle period; the same alert id always passes (see lua/includes/common.lua). */
  private decide(op: DetectorOp, count: number, evidence: string[]): OpResult {
    const status = this.throttle(op);
    return { status, count, evidence: status === 'fire' ? evidence : [] };
  }

  private throttle(op: DetectorOp): OpStatus {
    if (op.throttleMs <= 0) return 'fire';
    const entry = this.throttles.get(op.ruleId, op.groupKey, op.timeMs, op.throttleMs);
    const mark = entry.mark;
    if (mark !== undefined) {
      if (mark.alertId === op.alertId) return 'fire';
      if (Math.abs(op.timeMs - mark.timeMs) < op.throttleMs) return 'throttled';
      if (op.timeMs < mark.timeMs) return 'fire';
    }
    entry.mark = { alertId: op.alertId, timeMs: op.timeMs };
    return 'fire';
  }

  /** Drops entries no event within their span has touched (event time), as Redis TTLs do. */
  private sweep(): void {
    this.opsSinceSweep = 0;
    this.entries.sweep(this.maxEventMs);
    this.throttles.sweep(this.maxEventMs);
  }
}

/**
 * Quiet results are most results, all alike, and each is kept as a remembered
 * decision: one frozen object per small count rather than one per operation.
 */
const QUIET: readonly OpResult[] = Array.from({ length: 256 }, (_, count) =>
  Object.freeze({ status: 'quiet' as const, count, evidence: Object.freeze([]) as unknown as string[] }),
);

function quiet(count: number): OpResult {
  return QUIET[count] ?? { status: 'quiet', count, evidence: [] };
}

/** Drops the values least recently seen: every one seen no later than the NEW_VALUES_DROPPED-th oldest (as new-value-3.lua). */
function dropLeastRecent(seen: Map<string, Seen>): void {
  const lasts = Array.from(seen.values(), (r) => r.lastMs).sort((a, b) => a - b);
  const cutoff = lasts[NEW_VALUES_DROPPED - 1] ?? Infinity;
  seen.forEach((r, value) => {
    if (r.lastMs <= cutoff) seen.delete(value);
  });
}
