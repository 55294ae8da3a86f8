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
  #other: Generations | undefined;
  /** Newest event time decided (`n` in Redis). */
  #newestMs = -Infinity;

  /** The result first given for this decision id (an event at `timeMs`), if still remembered. */
  recall(id: string, timeMs: number): OpResult | undefined {
    // An event newer than every decision was never decided: most are, and need no lookup.
    if (timeMs > this.#newestMs) return undefined;
    return this.#other?.get(id) ?? this.#fired?.get(id);
  }

  /** Remembers a new decision (one not remembered now) for an event at `timeMs`; returns it. */
  remember(id: string, timeMs: number, result: OpResult): OpResult {
    if (timeMs > this.#newestMs) this.#newestMs = timeMs;
    if (result.status === 'fire') (this.#fired ??= new Generations(FIRED_DECISIONS_KEPT)).set(id, result);
    else (this.#other ??= new Generations(OTHER_DECISIONS_KEPT)).set(id, result);
    return result;
  }
}

/**
 * Decisions in two generations of `kept` each. Nearly all are never asked for
 * (Decisions.recall looks up only an event no newer than the key's newest
 * decision; none in the benchmark's replay), so a generation is one array of
 * ids and results, alternating, in the order made, and the Map that finds an
 * id is built at the generation's first lookup and kept up to date from then
 * on. A Map insert for every operation, never read, and the objects between
 * an entry and its decisions, cost about 6 % of replay time: this state is
 * touched once per operation, scattered over the heap, so each object on the
 * way is a cache miss. Like Lua's counter, a generation's size counts every
 * decision added; an id added again (an event seen again with a newer time,
 * so not looked up) is found with its newest result.
 */
class Generations {
  #current: Generation = [];
  #previous: Generation | undefined;
  /** Id → result of each generation, once a lookup has needed it. */
  #currentIndex: Map<string, OpResult> | undefined;
  #previousIndex: Map<string, OpResult> | undefined;

  constructor(private readonly kept: number) {}

  get(id: string): OpResult | undefined {
    this.#currentIndex ??= indexOf(this.#current);
    const result = this.#currentIndex.get(id);
    if (result !== undefined || this.#previous === undefined) return result;
    this.#previousIndex ??= indexOf(this.#previous);
    return this.#previousIndex.get(id);
  }

  set(id: string, result: OpResult): void {
    if (this.#current.length >= 2 * this.kept) {
      this.#previous = this.#current;
      this.#previousIndex = this.#currentIndex;
      this.#current = [];
      this.#currentIndex = undefined;
    }
    this.#current.push(id, result);
    this.#currentIndex?.set(id, result);
  }
}

/** A generation's decision ids and results, alternating. */
type Generation = Array<string | OpResult>;

/** Id → result; of an id added twice, the newer result. */
function indexOf(generation: Generation): Map<string, OpResult> {
  const index = new Map<string, OpResult>();
  for (let i = 0; i < generation.length; i += 2) index.set(generation[i] as string, generation[i + 1] as OpResult);
  return index;
}

/**
 * What identifies an operation's decision within its rule and group key: the
 * event id, and for a sequence also the step (one event can be both A and B).
 * Lua builds the same (`<step>:<event id>`).
 */
export function decisionId(op: DetectorOp): string {
  return op.detector === 'sequence' ? `${op.step}:${op.eventId}` : op.eventId;
}
