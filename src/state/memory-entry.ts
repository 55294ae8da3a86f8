import type { BaselineState } from './baseline.js';
import { Decisions } from './memory-decisions.js';
import { RecentTimes } from './memory-recent.js';

/** A value's record under a new_value key: the event that introduced it, its time, and the newest time seen. */
export interface Seen {
  firstId: string;
  firstMs: number;
  lastMs: number;
}

/**
 * One key's state: its remembered decisions (`decided` in Redis) and the
 * detector's collections, created on first use (a key needs at most two of
 * them, and a throttle key none). An entry is its Decisions rather than holding
 * them: both are reached on every operation, scattered over the heap, and one
 * object less on the way is one cache miss less.
 */
export class Entry extends Decisions {
  #zset: Map<string, number> | undefined;
  #recent: RecentTimes | undefined;
  #later: RecentTimes | undefined;
  #hash: Map<string, string> | undefined;
  #seen: Map<string, Seen> | undefined;
  /** new_value: when the key was first seen (`s` in Redis). */
  sinceMs: number | undefined;
  /** baseline: the key's buckets and weighted sums (`baseline` hash and value sets in Redis). */
  baseline: BaselineState | undefined;
  /** Throttle: the last alert let through (`<alertId>|<time>` in Redis). */
  mark: { alertId: string; timeMs: number } | undefined;

  constructor(
    /** Newest event time that touched the entry; expiry is by event time. */
    public lastMs: number,
    public spanMs: number,
  ) {
    super();
  }

  /** Sorted set: member → score (event time). */
  get zset(): Map<string, number> {
    return (this.#zset ??= new Map());
  }

  /** dormant: the key's newest events and their times. */
  get recent(): RecentTimes {
    return (this.#recent ??= new RecentTimes());
  }

  /** sequence: the B events. */
  get later(): RecentTimes {
    return (this.#later ??= new RecentTimes());
  }

  /** The B events when there are any. */
  get laterIfAny(): RecentTimes | undefined {
    return this.#later;
  }

  /** Hash: field → value. */
  get hash(): Map<string, string> {
    return (this.#hash ??= new Map());
  }

  /** new_value: value → its record (`v:<value>` in Redis). */
  get seen(): Map<string, Seen> {
    return (this.#seen ??= new Map());
  }
}
