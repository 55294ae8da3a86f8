/**
 * A realistic synthetic audit-log stream for the benchmark, in the real wire
 * shapes (built with test/support/events.ts). Most events are successful Kafka
 * authentications with API keys and `mds.Authorize` checks; a few percent are
 * failures, denials, Kafka admin requests and organization (control-plane)
 * changes; and every `attackEvery` events an attack burst makes most of the
 * built-in rules fire. Thousands of API keys, principals and client IPs, so the
 * state really is spread over many group keys. Deterministic for a seed.
 */
import {
  controlPlane,
  DAY,
  ENV,
  ipFilter,
  kafkaAuth,
  kafkaAuthz,
  mdsAuthorize,
  ORG,
  SECOND,
  type RawEvent,
} from '../test/support/events.js';
import { random } from '../test/support/scenario.js';

export interface AuditStreamOptions {
  /** Background events of the main part (the preamble and attack bursts come on top). */
  events: number;
  /** RFC 3339 time of the first main event; default 2026-03-05T17:40:00Z (a Thursday, so the stream crosses 18:00 UTC, the end of business hours). */
  start?: string;
  /** Event-time density of the main part, events per second; default 50 (a busy organization: 4.3 million events a day). */
  eventsPerSecond?: number;
  /** API keys (each with its own service account, home IP and home cluster); default 4,000. */
  apiKeys?: number;
  /** Users (u-…) making mds.Authorize checks and control-plane calls; default 2,000. */
  users?: number;
  /** Client IP addresses outside the home addresses of keys; default 5,000. */
  ips?: number;
  /** One attack burst per this many background events; default 5,000. */
  attackEvery?: number;
  /**
   * Emit one learning event per API key two days before `start` (one key in a
   * hundred 40 days before), so new-IP, new-cluster and dormant rules see known
   * keys, as a long-running deployment would; default true.
   */
  preamble?: boolean;
  seed?: number;
}

/** One event as it goes to Kafka or a JSON-lines file. */
export interface StreamRecord {
  /** Kafka record key: the credential or principal, so one entity's events stay in order on one partition. */
  key: string;
  /** The event, serialized. */
  value: string;
}

const CLUSTERS = [
  'lkc-9kg320',
  'lkc-abc123',
  'lkc-x1y2z3',
  'lkc-prod01',
  'lkc-prod02',
  'lkc-stg001',
  'lkc-dev001',
  'lkc-anl001',
];
const MDS_OPERATIONS = ['AccessWithToken', 'Describe', 'DescribeAccess', 'ReadCluster', 'Read', 'Alter'];
const KAFKA_AUTHZ = [
  { method: 'kafka.Metadata', operation: 'Describe', resourceType: 'Topic' },
  { method: 'kafka.JoinGroup', operation: 'Read', resourceType: 'Group' },
  { method: 'kafka.OffsetCommit', operation: 'Read', resourceType: 'Group' },
  { method: 'kafka.DescribeConfigs', operation: 'DescribeConfigs', resourceType: 'Topic' },
  { method: 'kafka.CreateTopics', operation: 'Create', resourceType: 'Topic' },
] as const;
const CP_READS = [
  'GetKafkaClusters',
  'ListApiKeys',
  'GetEnvironment',
  'ListServiceAccounts',
  'GetConnector',
  'ListRoleBindings',
];
const CP_CHANGES = [
  { method: 'CreateApiKey', type: 'API_KEY' },
  { method: 'DeleteApiKey', type: 'API_KEY' },
  { method: 'CreateServiceAccount', type: 'SERVICE_ACCOUNT' },
  { method: 'UpdateKafkaCluster', type: 'CLOUD_CLUSTER' },
  { method: 'UpdateConnector', type: 'CONNECTOR' },
] as const;

/** How the background is made up, as cumulative shares (documented in bench/README.md). */
const MIX = [
  ['authSuccess', 0.4745],
  ['mdsAuthorize', 0.34],
  ['kafkaAuthz', 0.1],
  ['authFailure', 0.02],
  ['kafkaDenied', 0.015],
  ['mdsDenied', 0.005],
  ['cpRead', 0.031],
  ['cpChange', 0.002],
  ['roleBinding', 0.0005],
  ['signIn', 0.007],
  ['ipFilterAllow', 0.0045],
  ['ipFilterDeny', 0.0005],
] as const;

type Kind = (typeof MIX)[number][0];

/** One line describing the stream, for the report. */
export function describeStream(o: AuditStreamOptions): string {
  const share = (kinds: Kind[]) =>
    `${(100 * MIX.filter(([k]) => kinds.includes(k)).reduce((a, [, v]) => a + v, 0)).toFixed(1)}%`;
  return [
    `${share(['authSuccess'])} Kafka API-key authentications (ok), ${share(['mdsAuthorize'])} mds.Authorize (granted), ${share(['kafkaAuthz'])} Kafka authorizations (granted)`,
    `${share(['authFailure'])} failed authentications, ${share(['kafkaDenied', 'mdsDenied'])} denials, ${share(['cpRead', 'cpChange', 'roleBinding', 'signIn', 'ipFilterAllow', 'ipFilterDeny'])} control plane (sign-ins, reads, changes, role bindings, IP filter)`,
    `an attack burst every ${(o.attackEvery ?? 5_000).toLocaleString('en-US')} events; ${(o.apiKeys ?? 4_000).toLocaleString('en-US')} API keys, ${(o.users ?? 2_000).toLocaleString('en-US')} users, ${(o.ips ?? 5_000).toLocaleString('en-US')} outside IPs; ${o.eventsPerSecond ?? 50} events per second of event time`,
  ].join('; ');
}

/**
 * The stream in event-time order, generated lazily (a few hundred thousand
 * events do not need to sit in memory at once).
 */
export function* auditStream(o: AuditStreamOptions): Generator<StreamRecord, void> {
  const rnd = random(o.seed ?? 42);
  const start = Date.parse(o.start ?? '2026-03-05T17:40:00.000Z');
  const perSecond = o.eventsPerSecond ?? 50;
  const nKeys = o.apiKeys ?? 4_000;
  const nUsers = o.users ?? 2_000;
  const nIps = o.ips ?? 5_000;
  const attackEvery = o.attackEvery ?? 5_000;
  const pick = (n: number): number => Math.floor(rnd() * n);
  const uuid = (): string => {
    const hex = (n: number) => Array.from({ length: n }, () => pick(16).toString(16)).join('');
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[pick(4)]}${hex(3)}-${hex(12)}`;
  };
  const iso = (ms: number): string => new Date(ms).toISOString();

  const key = (k: number): string =>
    `K${k.toString(36).toUpperCase().padStart(6, '0')}${(k * 7919).toString(36).toUpperCase().padStart(9, 'X')}`.slice(
      0,
      16,
    );
  const keyOwner = (k: number): string => `User:sa-${(k * 31).toString(36).padStart(6, '0')}`;
  const keyIp = (k: number): string => `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
  const keyCluster = (k: number): string => CLUSTERS[k % CLUSTERS.length]!;
  const user = (u: number): string => `u-${(u * 17).toString(36).padStart(6, '0')}`;
  const ip = (i: number): string =>
    `${[34, 35, 52, 54, 98, 104, 143, 185][i % 8]}.${(i >> 3) & 255}.${(i >> 11) & 255}.${(i * 13) & 255}`;
  const record = (k: string, event: RawEvent): StreamRecord => ({ key: k, value: JSON.stringify(event) });

  if (o.preamble ?? true) {
    for (let k = 0; k < nKeys; k++) {
      const when = start - (k % 100 === 0 ? 40 * DAY : 2 * DAY) + k * 10;
      yield record(
        key(k),
        kafkaAuth({
          id: uuid(),
          time: iso(when),
          credential: key(k),
          ip: keyIp(k),
          ok: true,
          principal: keyOwner(k),
          cluster: keyCluster(k),
        }),
      );
    }
  }

  const background = (kind: Kind, t: number): StreamRecord => {
    const time = iso(t);
    switch (kind) {
      case 'authSuccess': {
        const k = pick(nKeys);
        const r = rnd();
        // 0.2% from an address the key never used, 0.1% on another cluster: api-key-new-ip / -new-cluster fire now and then.
        const address = r < 0.002 ? ip(pick(nIps)) : keyIp(k);
        const cluster = r > 0.999 ? CLUSTERS[pick(CLUSTERS.length)]! : keyCluster(k);
        return record(
          key(k),
          kafkaAuth({ id: uuid(), time, credential: key(k), ip: address, ok: true, principal: keyOwner(k), cluster }),
        );
      }
      case 'mdsAuthorize': {
        const u = user(pick(nUsers));
        return record(
          u,
          mdsAuthorize({
            id: uuid(),
            time,
            principal: `User:${u}`,
            operation: MDS_OPERATIONS[pick(MDS_OPERATIONS.length)]!,
          }),
        );
      }
      case 'mdsDenied': {
        const u = user(pick(nUsers));
        return record(
          u,
          mdsAuthorize({ id: uuid(), time, principal: `User:${u}`, operation: 'Alter', granted: false }),
        );
      }
      case 'kafkaAuthz':
      case 'kafkaDenied': {
        const k = pick(nKeys);
        const a = KAFKA_AUTHZ[pick(kind === 'kafkaDenied' ? 1 : KAFKA_AUTHZ.length)]!;
        const name = a.resourceType === 'Topic' ? `orders-${pick(500)}` : `app-group-${pick(300)}`;
        return record(
          keyOwner(k),
          kafkaAuthz({
            id: uuid(),
            time,
            principal: keyOwner(k),
            method: a.method,
            operation: a.operation,
            resourceType: a.resourceType,
            resourceName: name,
            granted: kind === 'kafkaAuthz',
            cluster: keyCluster(k),
            clientId: `client-${k}`,
            ip: keyIp(k),
          }),
        );
      }
      case 'authFailure': {
        // Isolated failures: a rotated key still in use, a typo; rarely enough in one minute to alert.
        const credential =
          rnd() < 0.7 ? key(pick(nKeys)) : `UNKNOWN${pick(1_000_000).toString(36).toUpperCase().padStart(9, '0')}`;
        return record(credential, kafkaAuth({ id: uuid(), time, credential, ip: ip(pick(nIps)), ok: false }));
      }
      case 'cpRead': {
        const u = user(pick(nUsers));
        return record(
          u,
          controlPlane({
            id: uuid(),
            time,
            method: CP_READS[pick(CP_READS.length)]!,
            user: u,
            email: `${u}@example.com`,
            ip: ip(pick(nIps)),
            accessType: 'READ_ONLY',
          }),
        );
      }
      case 'cpChange': {
        const u = user(pick(nUsers));
        const c = CP_CHANGES[pick(CP_CHANGES.length)]!;
        return record(
          u,
          controlPlane({
            id: uuid(),
            time,
            method: c.method,
            user: u,
            email: `${u}@example.com`,
            ip: ip(pick(nIps)),
            resource: { type: c.type, resourceId: `${c.type.toLowerCase()}-${pick(10_000)}` },
            scope: [
              { type: 'ORGANIZATION', resourceId: ORG },
              { type: 'ENVIRONMENT', resourceId: ENV },
            ],
          }),
        );
      }
      case 'roleBinding': {
        const u = user(pick(nUsers));
        const role = ['DeveloperRead', 'DeveloperWrite', 'ResourceOwner', 'MetricsViewer'][pick(4)]!;
        return record(
          u,
          controlPlane({
            id: uuid(),
            time,
            method: 'BindRoleForPrincipal',
            user: u,
            email: `${u}@example.com`,
            ip: ip(pick(nIps)),
            resource: { type: 'ROLE_BINDING', resourceId: `rb-${pick(100_000)}` },
            requestData: { principal: keyOwner(pick(nKeys)), role_name: role },
          }),
        );
      }
      case 'signIn': {
        const u = user(pick(nUsers));
        return record(
          u,
          controlPlane({
            id: uuid(),
            time,
            method: 'SignIn',
            user: u,
            email: `${u}@example.com`,
            ip: ip(pick(nIps)),
            accessType: 'READ_ONLY',
            failed: rnd() < 0.05,
          }),
        );
      }
      case 'ipFilterAllow':
      case 'ipFilterDeny': {
        const address = kind === 'ipFilterAllow' ? keyIp(pick(nKeys)) : `198.18.${pick(256)}.${pick(256)}`;
        return record(
          address,
          ipFilter({ id: uuid(), time, ip: address, denied: kind === 'ipFilterDeny', user: user(pick(nUsers)) }),
        );
      }
    }
  };

  /** An attack burst within 90 seconds: stuffing, a guessed key, probing, deletion, an admin grant, a blocked IP, and one more. */
  const attack = (e: number, t0: number): StreamRecord[] => {
    const out: StreamRecord[] = [];
    const t = (ms: number) => iso(t0 + ms);
    const attacker = `203.0.${113 + (e % 100)}.${(e * 7) % 250}`;
    const guessed = key(pick(nKeys));
    const owner = `User:sa-ep${e}`;
    for (let n = 0; n < 6; n++) {
      const credential = `STUFF${e.toString(36).toUpperCase().padStart(4, '0')}X${n.toString().padStart(6, '0')}`;
      out.push(
        record(credential, kafkaAuth({ id: uuid(), time: t(n * 5 * SECOND), credential, ip: attacker, ok: false })),
      );
    }
    for (let n = 0; n < 6; n++)
      out.push(
        record(
          guessed,
          kafkaAuth({
            id: uuid(),
            time: t(30 * SECOND + n * 3 * SECOND),
            credential: guessed,
            ip: attacker,
            ok: false,
          }),
        ),
      );
    out.push(
      record(
        guessed,
        kafkaAuth({ id: uuid(), time: t(50 * SECOND), credential: guessed, ip: attacker, ok: true, principal: owner }),
      ),
    );
    for (let n = 0; n < 5; n++) {
      out.push(
        record(
          owner,
          kafkaAuthz({
            id: uuid(),
            time: t(55 * SECOND + n * SECOND),
            principal: owner,
            method: 'kafka.Metadata',
            operation: 'Describe',
            resourceType: 'Topic',
            resourceName: `payments-${e}-${n}`,
            granted: false,
            ip: attacker,
          }),
        ),
      );
      out.push(
        record(
          owner,
          kafkaAuthz({
            id: uuid(),
            time: t(65 * SECOND + n * SECOND),
            principal: owner,
            method: 'kafka.DeleteTopics',
            operation: 'Delete',
            resourceType: 'Topic',
            resourceName: `orders-${e}-${n}`,
            granted: true,
            type: 'request',
            ip: attacker,
          }),
        ),
      );
    }
    out.push(
      record(
        `u-ep${e}`,
        controlPlane({
          id: uuid(),
          time: t(75 * SECOND),
          method: 'BindRoleForPrincipal',
          user: `u-ep${e}`,
          email: `ep${e}@example.com`,
          ip: attacker,
          resource: { type: 'ROLE_BINDING', resourceId: `rb-ep${e}` },
          requestData: { principal: owner, role_name: 'CloudClusterAdmin' },
        }),
      ),
    );
    out.push(record(attacker, ipFilter({ id: uuid(), time: t(80 * SECOND), ip: `198.18.${e % 250}.9`, denied: true })));
    const scope = [
      { type: 'ORGANIZATION', resourceId: ORG },
      { type: 'ENVIRONMENT', resourceId: ENV },
    ];
    switch (e % 5) {
      case 0:
        for (let n = 0; n < 5; n++)
          out.push(
            record(
              `u-victim${e}`,
              controlPlane({
                id: uuid(),
                time: t(n * 10 * SECOND),
                method: 'SignIn',
                user: `u-victim${e}`,
                email: `victim${e}@example.com`,
                ip: attacker,
                accessType: 'READ_ONLY',
                failed: true,
              }),
            ),
          );
        break;
      case 1:
        out.push(
          record(
            owner,
            controlPlane({
              id: uuid(),
              time: t(85 * SECOND),
              method: 'CreateConnector',
              user: `sa-ep${e}`,
              ip: attacker,
              scope,
              resource: { type: 'CONNECTOR', resourceId: `lcc-ep${e}` },
            }),
          ),
        );
        break;
      case 2:
        out.push(
          record(
            owner,
            kafkaAuthz({
              id: uuid(),
              time: t(85 * SECOND),
              principal: owner,
              method: 'kafka.CreateAcls',
              operation: 'Alter',
              resourceType: 'Cluster',
              resourceName: 'kafka-cluster',
              granted: true,
              type: 'request',
              ip: attacker,
            }),
          ),
        );
        break;
      case 3:
        out.push(
          record(
            `u-ep${e}`,
            controlPlane({
              id: uuid(),
              time: t(85 * SECOND),
              method: 'DeleteKafkaCluster',
              user: `u-ep${e}`,
              ip: attacker,
              scope,
              resource: { type: 'CLOUD_CLUSTER', resourceId: CLUSTERS[e % CLUSTERS.length]! },
            }),
          ),
        );
        break;
      case 4:
        out.push(
          record(
            'support',
            controlPlane({
              id: uuid(),
              time: t(85 * SECOND),
              method: 'confluent.privileged.access',
              type: 'io.confluent.cloud/access-transparency',
              user: 'u-support',
              accessType: 'READ_ONLY',
            }),
          ),
        );
        break;
    }
    return out;
  };

  // The main part in blocks: background events spread over the block's span, bursts inside it, sorted by time.
  const block = Math.min(attackEvery, 5_000);
  const spanMs = (block / perSecond) * 1000;
  let episode = 0;
  for (let done = 0, blockNo = 0; done < o.events; blockNo++) {
    const n = Math.min(block, o.events - done);
    const t0 = start + blockNo * spanMs;
    const items: Array<{ t: number; r: StreamRecord }> = [];
    for (let i = 0; i < n; i++) {
      const t = t0 + Math.floor(rnd() * spanMs);
      items.push({ t, r: background(kindOf(rnd()), t) });
      if ((done + i + 1) % attackEvery === 0) {
        const burstStart = t0 + Math.floor(rnd() * Math.max(0, spanMs - 90 * SECOND));
        for (const r of attack(episode++, burstStart))
          items.push({ t: Date.parse((JSON.parse(r.value) as { time: string }).time), r });
      }
    }
    items.sort((a, b) => a.t - b.t);
    for (const { r } of items) yield r;
    done += n;
  }
}

function kindOf(x: number): Kind {
  let sum = 0;
  for (const [kind, share] of MIX) {
    sum += share;
    if (x < sum) return kind;
  }
  return 'authSuccess';
}
