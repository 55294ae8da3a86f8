import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, tokenMatches } from '../../src/http/server.js';
import { Metrics } from '../../src/metrics.js';

/** A token of the documented minimum-plus shape: letters and digits, so case and last-character changes are possible. */
const TOKEN = 'Adm1n-T0ken-4c7e9b2f8a1d6e3c';

/** The same length, one character different at `index`. */
function differentAt(index: number): string {
  const ch = TOKEN[index]!;
  return `${TOKEN.slice(0, index)}${ch === 'x' ? 'y' : 'x'}${TOKEN.slice(index + 1)}`;
}

/** Authorization headers (undefined = none) that must all be refused; the names say why. */
const REFUSED: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['no header', {}],
  ['empty header', { authorization: '' }],
  ['scheme only', { authorization: 'Bearer' }],
  ['scheme and space, no token', { authorization: 'Bearer ' }],
  ['token without scheme', { authorization: TOKEN }],
  ['Basic scheme with the token', { authorization: `Basic ${TOKEN}` }],
  [
    'Basic credentials carrying the token',
    { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
  ],
  ['Token scheme', { authorization: `Token ${TOKEN}` }],
  ['Digest scheme', { authorization: `Digest ${TOKEN}` }],
  ['one character short (length differs)', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
  ['one character long (length differs)', { authorization: `Bearer ${TOKEN}x` }],
  ['prefix only', { authorization: `Bearer ${TOKEN.slice(0, 8)}` }],
  ['last character differs (same length)', { authorization: `Bearer ${differentAt(TOKEN.length - 1)}` }],
  ['first character differs (same length)', { authorization: `Bearer ${differentAt(0)}` }],
  ['middle character differs (same length)', { authorization: `Bearer ${differentAt(TOKEN.length >> 1)}` }],
  ['different case', { authorization: `Bearer ${TOKEN.toUpperCase()}` }],
  ['two credentials in one header', { authorization: `Bearer ${TOKEN}, Bearer ${TOKEN}` }],
  ['8 KB token', { authorization: `Bearer ${TOKEN}${'A'.repeat(8192)}` }],
  ['token in Proxy-Authorization only', { 'proxy-authorization': `Bearer ${TOKEN}` }],
  ['token in a custom header only', { 'x-admin-token': TOKEN }],
];

let app: FastifyInstance;
let reloads = 0;

beforeAll(async () => {
  app = buildServer({
    metrics: new Metrics(),
    notReadyReasons: () => Promise.resolve([]),
    rules: () => [],
    adminToken: TOKEN,
    reload: () => Promise.resolve({ ok: true, rules: ++reloads }),
  });
  await app.ready();
});
afterAll(() => app.close());

describe('POST /-/reload refuses everything but `Authorization: Bearer <the token>`', () => {
  it.each(REFUSED)('%s → 401', async (_name, headers) => {
    const before = reloads;
    const res = await app.inject({ method: 'POST', url: '/-/reload', headers });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toEqual({ error: 'unauthorized' });
    expect(reloads, 'reload ran').toBe(before);
  });

  it('the token in the query string or the body is not a credential', async () => {
    const before = reloads;
    expect(
      (await app.inject({ method: 'POST', url: `/-/reload?token=${TOKEN}&access_token=${TOKEN}` })).statusCode,
    ).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/-/reload', payload: { token: TOKEN } })).statusCode).toBe(401);
    expect(reloads).toBe(before);
  });

  it('other methods on the route never reload', async () => {
    const before = reloads;
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'] as const) {
      const res = await app.inject({ method, url: '/-/reload', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.statusCode, method).toBeGreaterThanOrEqual(400);
    }
    expect(reloads).toBe(before);
  });

  it('the right token reloads, and no answer ever echoes the token', async () => {
    const before = reloads;
    const ok = await app.inject({ method: 'POST', url: '/-/reload', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ reloaded: true, rules: before + 1 });
    for (const [, headers] of REFUSED) {
      const res = await app.inject({ method: 'POST', url: '/-/reload', headers });
      expect(res.body).not.toContain(TOKEN);
      expect(JSON.stringify(res.headers)).not.toContain(TOKEN);
    }
  });

  it('tokenMatches agrees, whatever the length or position of the difference', () => {
    expect(tokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    for (const [name, headers] of REFUSED) expect(tokenMatches(headers.authorization, TOKEN), name).toBe(false);
    // An empty configured token must not let an empty presented token through.
    expect(tokenMatches('Bearer ', '')).toBe(false);
    expect(tokenMatches(undefined, '')).toBe(false);
  });
});
