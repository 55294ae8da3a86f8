import { FIRED_DECISIONS_KEPT, OTHER_DECISIONS_KEPT, type DetectorOp, type OpResult } from './state-store.js';

/**
 * One key's remembered decisions (see FIRED_DECISIONS_KEPT): decision id →
 * result, fired ones and the others apart, each in two generations: a full
 * current one becomes the previous one, and the previous one is dropped. The
 * same decisions as lua/includes/decisions.lua keep (an id is added only when
 * not remembered, so a generation's size is the Lua count). The fired ring is
 * rarely needed.
 */
export class Decisions {
  #fired: Generations | undefined;
  readonly #other = new Generations(OTHER_DECISIONS_KEPT);
  /** Newest event time decided (`n` in Redis). */
  #newestMs = -Infinity;

  /** The result first given for this decision id (an event at `timeMs`), if still remembered. */
  get(id: string, timeMs: number): OpResult | undefined {
    // An event newer than every decision was never decided: most are, and need no lookup.
    if (timeMs > this.#newestMs) return undefined;
    return this.#other.get(id) ?? this.#fired?.get(id);
  }

  /** Remembers a new decision (one not remembered now) for an event at `timeMs`; returns it. */
  remember(id: string, timeMs: number, result: OpResult): OpResult {
    if (timeMs > this.#newestMs) this.#newestMs = timeMs;
    if (result.status === 'fire') (this.#fired ??= new Generations(FIRED_DECISIONS_KEPT)).set(id, result);
    else this.#other.set(id, result);
    return result;
  }
}

/** Decisions in two generations of `kept` each. */
class Generations {
  #current = new Map<string, OpResult>();
  #previous: Map<string, OpResult> | undefined;

  constructor(private readonly kept: number) {}

  get(id: string): OpResult | undefined {
    return this.#current.get(id) ?? this.#previous?.get(id);
  }

  set(id: string, result: OpResult): void {
    if (this.#current.size >= this.kept) {
      this.#previous = this.#current;
      this.#current = new Map<string, OpResult>();
    }
    this.#current.set(id, result);
  }
}

/**
 * What identifies an operation's decision within its rule and group key: the
 * event id, and for a sequence also the step (one event can be both A and B).
 * Lua builds the same (`<step>:<event id>`).
 */
export function decisionId(op: DetectorOp): string {
  return op.detector === 'sequence' ? `${op.step}:${op.eventId}` : op.eventId;
}
