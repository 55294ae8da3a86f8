/**
 * Writes examples/audit-events.jsonl, the bundled sample the Quick start
 * replays: the eight real public Confluent events plus a synthetic Saturday in
 * which an attacker probes, guesses and gets in. Run `npx tsx scripts/make-example.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  at,
  controlPlane,
  ipFilter,
  jsonLines,
  kafkaAuth,
  kafkaAuthz,
  mdsAuthorize,
  MINUTE,
  SECOND,
  type RawEvent,
} from '../test/support/events.js';

const DAY_START = '2026-03-07T21:00:00.000Z'; // a Saturday evening, UTC
const events: RawEvent[] = [];
const t = (ms: number) => at(DAY_START, ms);

// Background: an application that authenticates and is checked all evening.
for (let i = 0; i < 120; i++) {
  events.push(
    kafkaAuth({
      time: t(i * MINUTE),
      credential: 'APPKEY0000000001',
      ip: '10.0.0.7',
      ok: true,
      principal: 'User:sa-app001',
    }),
  );
  events.push(mdsAuthorize({ time: t(i * MINUTE + 500), principal: 'User:u-ops001' }));
}
// 21:10 — one source tries a list of stolen keys, then hammers one of them.
for (let n = 1; n <= 6; n++)
  events.push(
    kafkaAuth({
      time: t(10 * MINUTE + n * 10 * SECOND),
      credential: `STOLENKEY00000${String(n).padStart(2, '0')}`,
      ip: '203.0.113.66',
      ok: false,
    }),
  );
for (let n = 0; n < 6; n++)
  events.push(
    kafkaAuth({ time: t(12 * MINUTE + n * 5 * SECOND), credential: 'APPKEY0000000042', ip: '203.0.113.66', ok: false }),
  );
// 21:14 — the guessed key works, from the attacker's address.
events.push(
  kafkaAuth({
    time: t(14 * MINUTE),
    credential: 'APPKEY0000000042',
    ip: '203.0.113.66',
    ok: true,
    principal: 'User:sa-legacy9',
  }),
);
// 21:20 — the attacker maps what the key can reach.
for (const [i, topic] of ['payments', 'payroll', 'customers', 'invoices', 'audit'].entries()) {
  events.push(
    kafkaAuthz({
      time: t(20 * MINUTE + i * 20 * SECOND),
      principal: 'User:sa-legacy9',
      method: 'kafka.Metadata',
      operation: 'Describe',
      resourceType: 'Topic',
      resourceName: topic,
      granted: false,
      clientId: '<!channel> urgent: <https://evil.example|click here>',
      ip: '203.0.113.66',
    }),
  );
}
// 21:40 — a console user makes changes on a Saturday night, grants admin, deletes topics.
events.push(
  controlPlane({
    time: t(40 * MINUTE),
    method: 'CreateAPIKey',
    email: 'night-owl@example.com',
    user: 'u-night01',
    ip: '192.0.2.10',
    resource: { type: 'API_KEY', resourceId: 'NEWKEY0000000001' },
  }),
);
events.push(
  controlPlane({
    time: t(42 * MINUTE),
    method: 'BindRoleForPrincipal',
    email: 'night-owl@example.com',
    user: 'u-night01',
    ip: '192.0.2.10',
    resource: { type: 'ROLE_BINDING', resourceId: 'rb-9' },
    requestData: { principal: 'User:sa-legacy9', role_name: 'OrganizationAdmin' },
  }),
);
for (const [i, topic] of ['orders', 'shipments', 'returns', 'refunds', 'ledger'].entries()) {
  events.push(
    kafkaAuthz({
      time: t(50 * MINUTE + i * 30 * SECOND),
      principal: 'User:sa-legacy9',
      method: 'kafka.DeleteTopics',
      operation: 'Delete',
      resourceType: 'Topic',
      resourceName: topic,
      granted: true,
      type: 'request',
      ip: '203.0.113.66',
    }),
  );
}
// 22:10 — a request from outside the IP filter, and a connector to move data out.
events.push(ipFilter({ time: t(70 * MINUTE), ip: '198.18.0.99', denied: true, user: 'u-night01' }));
events.push(
  controlPlane({
    time: t(75 * MINUTE),
    method: 'CreateConnector',
    user: 'sa-legacy9',
    ip: '203.0.113.66',
    resource: { type: 'CONNECTOR', resourceId: 'lcc-exfil01' },
  }),
);

const real = readFileSync(new URL('../test/fixtures/real-events.jsonl', import.meta.url), 'utf8');
writeFileSync(new URL('../examples/audit-events.jsonl', import.meta.url), real + jsonLines(events));
