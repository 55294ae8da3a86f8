// Compose demo webhook receiver: logs every JSON body it receives, so the
// alerts auditwatch sends can be watched with `docker compose logs -f webhook-receiver`.
// Needs only Node's standard library (runs in the plain node image).
//
// If the request carries Standard Webhooks headers (webhook-id, webhook-timestamp,
// webhook-signature: "v1,<base64 HMAC-SHA256 of id.timestamp.body>") and
// RECEIVER_SECRET holds the `whsec_…` secret, the signature is checked and the
// result printed; otherwise it says it was not checked.
//
// Environment: RECEIVER_PORT (default 9000), RECEIVER_SECRET (optional).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const port = Number(process.env.RECEIVER_PORT ?? 9000);
const secret = process.env.RECEIVER_SECRET;

/** "valid", "invalid" or "not checked"; headers as Node gives them (lower-case names). */
export function signatureStatus(headers, body, secret) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!secret || !id || !timestamp || !signatures) return 'not checked';
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  for (const entry of String(signatures).split(' ')) {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || value === undefined) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return 'valid';
  }
  return 'invalid';
}

function serve() {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= 1024 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload;
      try {
        payload = JSON.parse(body);
      } catch {
        payload = { unparsed: body.slice(0, 2000) };
      }
      const signature = signatureStatus(req.headers, body, secret);
      console.log(JSON.stringify({ received: new Date().toISOString(), method: req.method, path: req.url, signature, payload }, null, 2));
      res.writeHead(204).end();
    });
  });

  server.listen(port, () => console.log(JSON.stringify({ msg: 'webhook receiver listening', port })));
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
}

// Serve only as a program, so tests can import signatureStatus().
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) serve();
