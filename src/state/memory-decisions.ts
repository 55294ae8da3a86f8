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
  #current = new Generation();
  #previous: Generation | undefined;

  constructor(private readonly kept: number) {}

  get(id: string): OpResult | undefined {
    return this.#current.get(id) ?? this.#previous?.get(id);
  }

  set(id: string, result: OpResult): void {
    if (this.#current.size >= this.kept) {
      this.#previous = this.#current;
      this.#current = new Generation();
    }
    this.#current.set(id, result);
  }
}

/**
 * One generation's decisions in the order made. Nearly all are never asked
 * for (Decisions.get looks up only an event no newer than the key's newest
 * decision; none in the benchmark's replay), so they are appended to two
 * arrays and the Map that finds an id is built at the first lookup and kept up
 * to date from then on: a Map insert for every operation, never read, was
 * about a tenth of replay time (GC included). Like Lua's counter, the size
 * counts every decision added; an id added again (an event seen again with a
 * newer time, never looked up) is found with its newest result.
 */
class Generation {
  readonly #ids: string[] = [];
  readonly #results: OpResult[] = [];
  /** Id → its newest position, once a lookup has needed it. */
  #index: Map<string, number> | undefined;

  get size(): number {
    return this.#ids.length;
  }

  get(id: string): OpResult | undefined {
    const at = this.indexed().get(id);
    return at === undefined ? undefined : this.#results[at];
  }

  set(id: string, result: OpResult): void {
    this.#index?.set(id, this.#ids.length);
    this.#ids.push(id);
    this.#results.push(result);
  }

  private indexed(): Map<string, number> {
    if (this.#index === undefined) {
      const index = new Map<string, number>();
      this.#ids.forEach((id, at) => index.set(id, at));
      this.#index = index;
    }
    return this.#index;
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
