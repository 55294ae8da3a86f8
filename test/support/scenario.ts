import {
  at,
  controlPlane,
  DAY,
  ipFilter,
  kafkaAuth,
  kafkaAuthz,
  mdsAuthorize,
  MINUTE,
  SECOND,
  type RawEvent,
} from './events.js';

/** A small deterministic PRNG (mulberry32), so shuffles and streams repeat exactly. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScenarioOptions {
  start: string;
  /** Number of attack episodes; each makes several rules fire. */
  episodes: number;
  /** Background events per episode (authentications and mds.Authorize checks). */
  noise: number;
  seed?: number;
}

/**
 * A realistic mixed stream in time order: background traffic of many principals,
 * keys and IPs, and attack episodes (stolen-key stuffing, a guessed key, probing,
 * admin grants at night, mass deletion, IP-filter denials) spaced 40 minutes apart.
 */
export function scenario(o: ScenarioOptions): RawEvent[] {
  const rnd = random(o.seed ?? 1);
  const events: RawEvent[] = [];
  // Background keys learn for two days before the first episode.
  for (let k = 0; k < 20; k++) {
    events.push(
      kafkaAuth({
        time: at(o.start, -2 * DAY + k * SECOND),
        credential: `BGKEY${String(k).padStart(11, '0')}`,
        ip: `10.0.${k}.1`,
        ok: true,
        principal: `User:sa-bg${k}`,
      }),
    );
  }
  for (let e = 0; e < o.episodes; e++) {
    const base = e * 40 * MINUTE;
    const t = (ms: number) => at(o.start, base + ms);
    const ip = `203.0.${113 + (e % 100)}.${e % 250}`;
    const key = `EPKEY${String(e).padStart(11, '0')}`;
    for (let i = 0; i < o.noise; i++) {
      const k = Math.floor(rnd() * 20);
      const when = Math.floor(rnd() * 40 * MINUTE);
      events.push(
        rnd() < 0.5
          ? kafkaAuth({
              time: t(when),
              credential: `BGKEY${String(k).padStart(11, '0')}`,
              ip: `10.0.${k}.1`,
              ok: true,
              principal: `User:sa-bg${k}`,
            })
          : mdsAuthorize({ time: t(when), principal: `User:u-bg${k}` }),
      );
    }
    for (let n = 0; n < 6; n++)
      events.push(
        kafkaAuth({ time: t(n * 10 * SECOND), credential: `STUFF${e}X${String(n).padStart(9, '0')}`, ip, ok: false }),
      );
    for (let n = 0; n < 6; n++)
      events.push(kafkaAuth({ time: t(MINUTE + n * 5 * SECOND), credential: key, ip, ok: false }));
    events.push(kafkaAuth({ time: t(3 * MINUTE), credential: key, ip, ok: true, principal: `User:sa-ep${e}` }));
    for (let n = 0; n < 5; n++) {
      events.push(
        kafkaAuthz({
          time: t(5 * MINUTE + n * 20 * SECOND),
          principal: `User:sa-ep${e}`,
          method: 'kafka.Metadata',
          operation: 'Describe',
          resourceType: 'Topic',
          resourceName: `secret-${n}`,
          granted: false,
          ip,
        }),
      );
      events.push(
        kafkaAuthz({
          time: t(10 * MINUTE + n * 20 * SECOND),
          principal: `User:sa-ep${e}`,
          method: 'kafka.DeleteTopics',
          operation: 'Delete',
          resourceType: 'Topic',
          resourceName: `topic-${e}-${n}`,
          granted: true,
          type: 'request',
          ip,
        }),
      );
    }
    events.push(
      controlPlane({
        time: t(15 * MINUTE),
        method: 'BindRoleForPrincipal',
        user: `u-ep${e}`,
        ip,
        resource: { type: 'ROLE_BINDING', resourceId: `rb-${e}` },
        requestData: { principal: `User:sa-ep${e}`, role_name: 'CloudClusterAdmin' },
      }),
    );
    events.push(ipFilter({ time: t(20 * MINUTE), ip: `198.18.${e % 250}.9`, denied: true }));
  }
  return events.sort((a, b) => Date.parse(String(a.time)) - Date.parse(String(b.time)));
}

/** Duplicates every event and shuffles them within blocks of `blockMs` of event time (out of order, inside the windows). */
export function duplicateAndShuffle(events: RawEvent[], blockMs: number, seed = 7): RawEvent[] {
  const rnd = random(seed);
  const blocks = new Map<number, RawEvent[]>();
  for (const e of [...events, ...events]) {
    const block = Math.floor(Date.parse(String(e.time)) / blockMs);
    blocks.set(block, [...(blocks.get(block) ?? []), e]);
  }
  return [...blocks.keys()]
    .sort((a, b) => a - b)
    .flatMap((k) => {
      const list = blocks.get(k)!;
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      return list;
    });
}
