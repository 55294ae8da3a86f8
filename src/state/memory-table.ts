import { TTL_MARGIN_MS } from './state-store.js';
import { Entry } from './memory-entry.js';

/**
 * The memory store's entries: group key → rule id → entry. Keyed by group key
 * first because the rules an event matches mostly share its group key (five
 * built-in rules group an API-key authentication by `credentialId`), and the
 * engine plans one event's operations one after another with the same key
 * string: the table remembers the key it looked up last, so those operations
 * cost one lookup in the large map, not one each. The per-key maps are small
 * and their rule ids are the rules' own strings.
 */
export class EntryTable {
  private readonly byKey = new Map<string, Map<string, Entry>>();
  private lastKey: string | undefined;
  private lastRules: Map<string, Entry> | undefined;
  /**
   * No entry expires before this event time: the least expiry time when last
   * swept, lowered by each entry created since (an entry's expiry only ever
   * moves later). A sweep before it would find nothing and is skipped.
   */
  private noExpiryBeforeMs = Infinity;

  /**
   * The entry of a rule and group key at event time `timeMs`, created or
   * started over when absent or idle longer than its span (as the Lua scripts
   * decide it); `spanMs` is how long the caller's state must live.
   */
  get(ruleId: string, groupKey: string, timeMs: number, spanMs: number): Entry {
    const rules = this.rulesOf(groupKey);
    let entry = rules.get(ruleId);
    if (entry === undefined || timeMs - entry.lastMs > Math.max(entry.spanMs, spanMs) + TTL_MARGIN_MS) {
      entry = new Entry(timeMs, spanMs);
      rules.set(ruleId, entry);
      this.noExpiryBeforeMs = Math.min(this.noExpiryBeforeMs, timeMs + spanMs + TTL_MARGIN_MS);
    }
    entry.lastMs = Math.max(entry.lastMs, timeMs);
    entry.spanMs = Math.max(entry.spanMs, spanMs);
    return entry;
  }

  /** Drops entries no event within their span has touched, up to event time `nowMs` (as Redis TTLs do). */
  sweep(nowMs: number): void {
    if (nowMs <= this.noExpiryBeforeMs) return;
    this.forget();
    this.noExpiryBeforeMs = Infinity;
    const expired = (entry: Entry, ruleId: string, rules: Map<string, Entry>): void => {
      const expiresMs = entry.lastMs + entry.spanMs + TTL_MARGIN_MS;
      if (nowMs > expiresMs) rules.delete(ruleId);
      else this.noExpiryBeforeMs = Math.min(this.noExpiryBeforeMs, expiresMs);
    };
    // forEach, not for…of over entries: that allocates a [key, value] pair per entry, for every entry held.
    this.byKey.forEach((rules, groupKey) => {
      rules.forEach(expired);
      if (rules.size === 0) this.byKey.delete(groupKey);
    });
  }

  /** Number of entries. */
  get size(): number {
    let n = 0;
    this.byKey.forEach((rules) => (n += rules.size));
    return n;
  }

  clear(): void {
    this.forget();
    this.byKey.clear();
    this.noExpiryBeforeMs = Infinity;
  }

  private rulesOf(groupKey: string): Map<string, Entry> {
    if (groupKey === this.lastKey && this.lastRules !== undefined) return this.lastRules;
    let rules = this.byKey.get(groupKey);
    if (rules === undefined) {
      rules = new Map();
      this.byKey.set(groupKey, rules);
    }
    this.lastKey = groupKey;
    this.lastRules = rules;
    return rules;
  }

  /** Forgets the key looked up last (its map may be dropped). */
  private forget(): void {
    this.lastKey = undefined;
    this.lastRules = undefined;
  }
}
