/**
 * The dormant detector's sorted set (`recent` in Redis): event id → time for a
 * key's newest few events, as two short arrays in (time, member) order. It
 * decides as the Map of memory-zset.ts did (add or move a member as ZADD, keep
 * the newest by rank as ZREMRANGEBYRANK, ties by member), but events mostly come
 * in time order, so an add is a push and the time before it is its neighbour;
 * the Map was scanned whole twice per operation (the time before, then the
 * oldest to drop), and its table was one more object to reach on every
 * authentication with an API key.
 */
export class RecentTimes {
  /** Members and their times, ascending by (time, member). */
  readonly #members: string[] = [];
  readonly #times: number[] = [];

  /** Adds `member` at time `t`, or moves it there; returns the newest time before `t` held, if any. */
  add(member: string, t: number): number | undefined {
    const members = this.#members;
    const times = this.#times;
    const held = members.indexOf(member);
    if (held !== -1) {
      // Rare: the same event again (its decision forgotten, or with another time).
      members.splice(held, 1);
      times.splice(held, 1);
    }
    let at = times.length;
    while (at > 0 && isAfter(times[at - 1] ?? 0, members[at - 1] ?? '', t, member)) at--;
    members.splice(at, 0, member);
    times.splice(at, 0, t);
    // Before `at` every time is at most t: the first smaller one going back is the newest before t.
    let before = at - 1;
    while (before >= 0 && (times[before] ?? 0) >= t) before--;
    return before >= 0 ? times[before] : undefined;
  }

  /** Drops all but the newest `keep` members. */
  keepNewest(keep: number): void {
    const excess = this.#members.length - keep;
    if (excess <= 0) return;
    this.#members.splice(0, excess);
    this.#times.splice(0, excess);
  }
}

/** Whether (ta, a) sorts after (tb, b): by time, then by member (as ZRANGE orders ties). */
function isAfter(ta: number, a: string, tb: number, b: string): boolean {
  return ta > tb || (ta === tb && a > b);
}
