import { pino, type Logger } from 'pino';

/**
 * Paths redacted in every log line. Secrets are never formatted into messages
 * either; redaction is the second line of defence for objects that carry them.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'sasl',
  '*.sasl',
  'kafka.sasl',
  'url',
  '*.url',
  'webhook_url',
  '*.webhook_url',
  'webhookUrl',
  '*.webhookUrl',
  'routing_key',
  '*.routing_key',
  'routingKey',
  '*.routingKey',
  'secret',
  '*.secret',
  'adminToken',
  '*.adminToken',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'redis.url',
  'redisUrl',
  'headers',
  '*.headers',
  'basic_auth',
  '*.basic_auth',
  'basicAuth',
  '*.basicAuth',
  'bearer_token',
  '*.bearer_token',
  'bearerToken',
  '*.bearerToken',
];

/** JSON logs on stdout (or `destination`), secrets redacted by path. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'auditwatch' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export type { Logger };
