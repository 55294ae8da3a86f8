import { FIRED_DECISIONS_KEPT, OTHER_DECISIONS_KEPT, type DetectorOp, type OpResult } from './state-store.js';

/**
 * One key's remembered decisions (see FIRED_DECISIONS_KEPT): decision id →
 * result, fired ones and the others apart, each in the order decided; a full
 * one drops its oldest. The same decisions as the rings of
 * lua/includes/decisions.lua keep (an id is added only when not remembered, so
 * insertion order is the ring's order). The fired map is rarely needed.
 */
export class Decisions {
  #fired: Map<string, OpResult> | undefined;
  readonly #other = new Map<string, OpResult>();
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
    if (result.status === 'fire') keep((this.#fired ??= new Map<string, OpResult>()), FIRED_DECISIONS_KEPT, id, result);
    else keep(this.#other, OTHER_DECISIONS_KEPT, id, result);
    return result;
  }
}

function keep(decisions: Map<string, OpResult>, kept: number, id: string, result: OpResult): void {
  decisions.set(id, result);
  if (decisions.size <= kept) return;
  const oldest = decisions.keys().next();
  if (oldest.done !== true) decisions.delete(oldest.value);
}

/**
 * What identifies an operation's decision within its rule and group key: the
 * event id, and for a sequence also the step (one event can be both A and B).
 * Lua builds the same (`<step>:<event id>`).
 */
export function decisionId(op: DetectorOp): string {
  return op.detector === 'sequence' ? `${op.step}:${op.eventId}` : op.eventId;
}
