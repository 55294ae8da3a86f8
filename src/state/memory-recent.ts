/**
 * A sorted set of event ids by event time, as two arrays in (time, member)
 * order: the dormant detector's newest events (`recent` in Redis) and the B
 * events of a sequence (`then`). It decides as the Maps of memory-zset.ts do
 * (ZADD adds or moves a member; ranges, trims and ties by member as in Redis),
 * but events mostly come in time order, so an add is a push, the time before
 * it is its neighbour and what a trim drops is a prefix; the Maps were scanned
 * whole for each, two or three times per operation, and each Map's table was
 * one more object to reach on every authentication with an API key.
 */
export class RecentTimes {
  /** Members, their times and their tags (tagOf), ascending by (time, member). */
  readonly #members: string[] = [];
  readonly #times: number[] = [];
  readonly #tags: number[] = [];

  /** Adds `member` at time `t`, or moves it there (as ZADD). */
  add(member: string, t: number): void {
    const members = this.#members;
    const times = this.#times;
    const held = this.indexOf(member);
    if (held !== -1) {
      // Rare: the same event again (its decision forgotten, or with another time).
      this.removeRange(held, 1);
    }
    let at = times.length;
    while (at > 0 && isAfter(times[at - 1] ?? 0, members[at - 1] ?? '', t, member)) at--;
    members.splice(at, 0, member);
    times.splice(at, 0, t);
    this.#tags.splice(at, 0, tagOf(member));
  }

  /** The newest time held that is earlier than `t`, if any. */
  newestBefore(t: number): number | undefined {
    const times = this.#times;
    let i = times.length - 1;
    while (i >= 0 && (times[i] ?? 0) >= t) i--;
    return i >= 0 ? times[i] : undefined;
  }

  /** Times in [from, to], ascending, at most `limit` (as ZRANGEBYSCORE … LIMIT 0 limit). */
  timesIn(from: number, to: number, limit: number): number[] {
    const found: number[] = [];
    for (const t of this.#times) {
      if (t > to || found.length >= limit) break;
      if (t >= from) found.push(t);
    }
    return found;
  }

  /** Drops members older than `before`, then all but the newest `keep` (as ZREMRANGEBYSCORE + ZREMRANGEBYRANK). */
  trim(before: number, keep: number): void {
    let drop = 0;
    while (drop < this.#times.length && (this.#times[drop] ?? 0) < before) drop++;
    drop = Math.max(drop, this.#times.length - keep);
    if (drop > 0) this.removeRange(0, drop);
  }

  /**
   * Where `member` is held, or -1. Tags first: the member strings lie apart on
   * the heap, and comparing with each of them (indexOf) cost a cache miss per
   * member held, a third of the detector's time.
   */
  private indexOf(member: string): number {
    const tag = tagOf(member);
    const tags = this.#tags;
    for (let i = 0; i < tags.length; i++) if (tags[i] === tag && this.#members[i] === member) return i;
    return -1;
  }

  private removeRange(start: number, count: number): void {
    this.#members.splice(start, count);
    this.#times.splice(start, count);
    this.#tags.splice(start, count);
  }
}

/**
 * A number read from a member's length and its first and last two characters
 * (random hex digits in an event id): different for nearly all pairs of
 * different members, always equal for equal ones.
 */
function tagOf(member: string): number {
  const n = member.length;
  const ends = member.charCodeAt(0) * 0x1000000 + member.charCodeAt(1) * 0x10000 + member.charCodeAt(n - 2) * 0x100;
  // charCodeAt past the end is NaN, and NaN equals nothing: || 0 keeps short members' tags equal to themselves.
  return (ends + member.charCodeAt(n - 1) || 0) + n * 0x100000000;
}

/** Whether (ta, a) sorts after (tb, b): by time, then by member (as ZRANGE orders ties). */
function isAfter(ta: number, a: string, tb: number, b: string): boolean {
  return ta > tb || (ta === tb && a > b);
}
