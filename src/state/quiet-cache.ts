import type { DetectorOp } from './state-store.js';

/**
 * The share of a detector's span within which a known fact is not refreshed in
 * Redis: 1 % of `forget` (new_value) or of `after` (dormant), so 7.2 hours of
 * event time for the bundled 30-day rules.
 */
export const QUIET_REFRESH_SHARE = 0.01;
/** Default bound on entries: 100,000 (about 15 MB with 40-character group keys and values). */
export const QUIET_CACHE_ENTRIES = 100_000;
/** Default bound on the entries' size, estimated from their key strings: 32 MiB. */
export const QUIET_CACHE_BYTES = 32 * 1024 * 1024;
/** Estimated bytes of one entry beyond its key text (map slot, fact object, numbers). */
const ENTRY_OVERHEAD = 96;

export interface QuietCacheOptions {
  /** Most entries kept (least recently used go first); default QUIET_CACHE_ENTRIES. */
  maxEntries?: number;
  /** Most bytes kept (2 per UTF-16 unit of the key, plus ENTRY_OVERHEAD each); default QUIET_CACHE_BYTES. */
  maxBytes?: number;
  /** Wall clock in ms (tests); default Date.now. */
  now?: () => number;
}

interface Fact {
  /** Newest event time (epoch ms) Redis holds for the value (new_value) or the key (dormant), as a fresh reply said. */
  recordedMs: number;
  /** Wall-clock time (epoch ms) after which the fact is asked again, whatever the event time. */
  wallUntilMs: number;
  bytes: number;
}

/**
 * One replica's memory of state known to need no change, so that an operation
 * whose outcome is certain skips its Redis script call. Only `new_value` and
 * `dormant` are cached; every other detector's write matters.
 *
 * A fact is learned only from a *fresh* script reply (never from a remembered
 * decision, whose state may have moved since): "Redis holds this value for this
 * rule and key, newest at R" (new_value), "Redis holds an event of this key at
 * R, the newest" (dormant). With δ = QUIET_REFRESH_SHARE of `forget` / `after`,
 * an operation at event time t with R < t < R + δ (and learned less than δ ago
 * on the wall clock) is skipped and answered quiet:
 * - new_value: the value is known and not forgotten (t − R < δ < forget), so it is
 *   not new, in the learning period or after; the key cannot start over (its
 *   newest ≥ R). Redis would only move the value's and key's newest time to t.
 * - dormant: the newest event strictly before t is at R or later, so the gap is
 *   under δ < after. Redis would only add t to the key's recent events.
 * Strictly after R: an event at R itself (or earlier: out of order) may be the
 * one that fired, or may change the value's first event, so it goes to Redis.
 *
 * The tolerance is the skipped refresh: the newest time Redis holds lags the
 * true one by less than δ, so an idle gap measured later — dormant's silence,
 * new_value's `forget`, a key's idle start-over, the 1,000-values cap — can be
 * measured up to δ too long, never too short: a key back after a silence just
 * short of `after` (within δ) can alert, as if its last uses within δ of R had
 * not happened. Replay (memory store, no cache) measures exactly.
 *
 * A skipped event has no remembered decision. That is fine: it is quiet by
 * construction, and applied again (a re-delivered record) it is either skipped
 * again or reaches a script that finds the value known (or an event of the key)
 * at R or later, at most δ before it: quiet again. Only a value pushed out of the
 * key's bounded memory meanwhile (more than 900 newer values of one key, see
 * NEW_VALUES_KEPT) could answer otherwise, the same kind of bound as the
 * decision memory's own 1,024 quiet decisions per key.
 *
 * Across replicas and rebalances a fact stays true because another replica's
 * operations only move the newest times forward or add values; a Redis that
 * lost its data starts new_value keys learning (quiet) and dormant keys with no
 * previous event (quiet), and the store clears the cache whenever its
 * connection becomes ready again.
 */
export class QuietCache {
  private readonly facts = new Map<string, Fact>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private bytes = 0;
  private skippedSinceTaken = 0;

  constructor(options: QuietCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? QUIET_CACHE_ENTRIES;
    this.maxBytes = options.maxBytes ?? QUIET_CACHE_BYTES;
    this.now = options.now ?? Date.now;
  }

  /** Entries held. */
  get size(): number {
    return this.facts.size;
  }

  /** Estimated bytes held. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Operations skipped since the last call (for the metric). */
  takeSkipped(): number {
    const n = this.skippedSinceTaken;
    this.skippedSinceTaken = 0;
    return n;
  }

  /** True when the operation's outcome is certainly quiet and the refresh it would write is not yet due. */
  skips(op: DetectorOp): boolean {
    const refreshMs = refreshOf(op);
    if (refreshMs < 1) return false;
    const key = keyOf(op);
    const fact = this.facts.get(key);
    if (fact === undefined || op.timeMs <= fact.recordedMs || op.timeMs - fact.recordedMs >= refreshMs) return false;
    if (this.now() >= fact.wallUntilMs) {
      this.drop(key, fact);
      return false;
    }
    this.facts.delete(key);
    this.facts.set(key, fact);
    this.skippedSinceTaken++;
    return true;
  }

  /** Learns from a fresh reply to `op`: Redis now holds its value (new_value) or key (dormant) with newest time `recordedMs`. */
  learn(op: DetectorOp, recordedMs: number): void {
    const refreshMs = refreshOf(op);
    if (refreshMs < 1 || !Number.isFinite(recordedMs) || this.maxEntries <= 0) return;
    const key = keyOf(op);
    const old = this.facts.get(key);
    if (old !== undefined) this.drop(key, old);
    const bytes = 2 * key.length + ENTRY_OVERHEAD;
    if (bytes > this.maxBytes) return;
    this.facts.set(key, { recordedMs, wallUntilMs: this.now() + refreshMs, bytes });
    this.bytes += bytes;
    for (const [oldest, fact] of this.facts) {
      if (this.facts.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.drop(oldest, fact);
    }
  }

  clear(): void {
    this.facts.clear();
    this.bytes = 0;
  }

  private drop(key: string, fact: Fact): void {
    this.facts.delete(key);
    this.bytes -= fact.bytes;
  }
}

/** δ for this operation in ms, 0 when its detector is not cached. */
function refreshOf(op: DetectorOp): number {
  if (op.detector === 'new_value') return Math.floor(op.forgetMs * QUIET_REFRESH_SHARE);
  if (op.detector === 'dormant') return Math.floor(op.afterMs * QUIET_REFRESH_SHARE);
  return 0;
}

/**
 * The fact's key: detector, rule, group key, and for new_value the value. The
 * group key's length goes first, so attacker-chosen text in the group key and
 * the value can never make two different pairs one key.
 */
function keyOf(op: DetectorOp): string {
  const head = `${op.ruleId}\n${op.groupKey.length}\n${op.groupKey}`;
  return op.detector === 'new_value' ? `n\n${head}\n${op.value}` : `d\n${head}`;
}
