import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { postJson, type PostJsonRequest } from '../../src/sinks/http.js';
import { SinkError } from '../../src/sinks/sink.js';
import { secretLeaks } from '../support/fake-sinks.js';

const SECRET = 'PATHSECRET-7f3c9a1b';
let server: Server | undefined;
const seen: Array<{ path: string; headers: IncomingMessage['headers']; body: string }> = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<URL> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/${SECRET}?token=${SECRET}`);
}

afterEach(async () => {
  seen.length = 0;
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

function request(url: URL, overrides: Partial<PostJsonRequest> = {}): PostJsonRequest {
  return {
    sink: 'test',
    url,
    body: '{"hello":"world"}',
    timeoutMs: 2000,
    signal: new AbortController().signal,
    secrets: [url.href, SECRET],
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<SinkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkError);
  expect((error as SinkError).code).toBe(ErrorCode.sink);
  expect(secretLeaks(error, [SECRET, '127.0.0.1', '{"hello"'])).toEqual([]);
  return error as SinkError;
}

const reply =
  (status: number, body = '', headers: Record<string, string> = {}) =>
  (_req: IncomingMessage, res: ServerResponse) =>
    res.writeHead(status, headers).end(body);

describe('postJson', () => {
  it('POSTs the body as JSON and returns a 2xx answer', async () => {
    const url = await serve(reply(202, '{"status":"success"}'));
    expect(await postJson(request(url, { headers: { 'x-extra': '1' } }))).toEqual({
      status: 202,
      text: '{"status":"success"}',
    });
    expect(seen[0]).toMatchObject({
      body: '{"hello":"world"}',
      headers: { 'content-type': 'application/json', 'x-extra': '1' },
    });
    expect(seen[0]!.headers['user-agent']).toMatch(/^auditwatch\/\d/);
  });

  it('429 is retryable with Retry-After in seconds or as an HTTP date', async () => {
    const url = await serve((req, res) => {
      const date = new Date(Date.now() + 30_000).toUTCString();
      res.writeHead(429, { 'retry-after': seen.length === 1 ? '7' : date }).end('rate_limited');
    });
    const seconds = await failure(postJson(request(url)));
    expect(seconds).toMatchObject({
      retryable: true,
      retryAfterMs: 7000,
      status: 429,
      message: 'test: HTTP 429: rate_limited',
    });
    const date = await failure(postJson(request(url)));
    expect(date.retryAfterMs).toBeGreaterThan(25_000);
    expect(date.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('5xx and 408 are retryable (with Retry-After when given); other 4xx are not', async () => {
    const statuses = [500, 503, 408, 400, 401, 403, 404, 410];
    const url = await serve((_req, res) => {
      const status = statuses[seen.length - 1]!;
      res.writeHead(status, status === 503 ? { 'retry-after': '3' } : {}).end();
    });
    const results = [];
    for (const status of statuses) {
      const error = await failure(postJson(request(url)));
      results.push([status, error.status, error.retryable, error.retryAfterMs]);
    }
    expect(results).toEqual([
      [500, 500, true, undefined],
      [503, 503, true, 3000],
      [408, 408, true, undefined],
      [400, 400, false, undefined],
      [401, 401, false, undefined],
      [403, 403, false, undefined],
      [404, 404, false, undefined],
      [410, 410, false, undefined],
    ]);
  });

  it('does not follow redirects: 3xx is a non-retryable error', async () => {
    const url = await serve(reply(302, '', { location: '/elsewhere' }));
    const error = await failure(postJson(request(url)));
    expect(error).toMatchObject({ status: 302, retryable: false });
    expect(seen.map((s) => s.path)).toEqual([`/hook/${SECRET}?token=${SECRET}`]);
  });

  it('a refused connection is retryable and names only the error code', async () => {
    const url = await serve(reply(200));
    await new Promise((resolve) => server!.close(resolve));
    const error = await failure(postJson(request(url)));
    expect(error).toMatchObject({ retryable: true, message: 'test: request failed (ECONNREFUSED)' });
    expect(error.status).toBeUndefined();
  });

  it('times out a receiver that never answers, as retryable', async () => {
    const url = await serve(() => undefined);
    const started = Date.now();
    const error = await failure(postJson(request(url, { timeoutMs: 200 })));
    expect(error).toMatchObject({ retryable: true, message: 'test: timed out after 200 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("stops when the caller's signal aborts, and says timed out when that signal was a timeout", async () => {
    const url = await serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await failure(postJson(request(url, { signal: controller.signal })))).toMatchObject({
      retryable: true,
      message: 'test: aborted',
    });
    expect(await failure(postJson(request(url, { signal: AbortSignal.timeout(50) })))).toMatchObject({
      retryable: true,
      message: 'test: timed out',
    });
  });

  it('reads only a bounded, flattened part of a huge error body', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(500);
      res.write(`line one\nline\u0000two ${'x'.repeat(1_000_000)}`);
      // Never ends: the client must stop reading on its own.
    });
    const started = Date.now();
    const error = await failure(postJson(request(url, { timeoutMs: 5000 })));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.message.startsWith('test: HTTP 500: line one line two xxx')).toBe(true);
    expect(error.message.length).toBeLessThanOrEqual('test: HTTP 500: '.length + 200);
  });

  it('removes secrets a receiver echoes back', async () => {
    const url = await serve((req, res) =>
      res.writeHead(400).end(`unknown hook ${req.url} at http://${req.headers.host}${req.url}`),
    );
    const error = await failure(postJson(request(url)));
    expect(error.message).toContain('[redacted]');
    expect(error.retryable).toBe(false);
  });

  it('counts a 2xx as delivered even when its body never finishes', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.write('o');
    });
    expect(await postJson(request(url, { timeoutMs: 200 }))).toEqual({ status: 200, text: 'o' });
  });
});
