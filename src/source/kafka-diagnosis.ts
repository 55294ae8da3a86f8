import { logLevel, type logCreator } from 'kafkajs';
import { ErrorCode, type ErrorCodeValue } from '../errors.js';
import type { Logger } from '../log.js';

/** What went wrong talking to Kafka, in an operator's words. Never holds a secret. */
export interface KafkaDiagnosis {
  code: ErrorCodeValue;
  /** The client's or broker's own reason, e.g. "self-signed certificate in certificate chain". */
  reason: string;
  /** What to check, naming the AUDITWATCH_* variables involved. */
  hint: string;
}

/** Same cause logged again at most this often, in ms: KafkaJS retries every few seconds, forever. */
export const REPEAT_MS = 60_000;

const TLS_REASON = /certificate|TLS|SSL|altnames|issuer/i;
const CREDENTIALS_HINT =
  'check AUDITWATCH_KAFKA_SASL_USERNAME and AUDITWATCH_KAFKA_SASL_PASSWORD (on Confluent Cloud: an API key and secret of the audit-log cluster) and AUDITWATCH_KAFKA_SASL_MECHANISM';

function tlsHint(reason: string): string {
  if (/altnames/i.test(reason)) return 'the broker certificate does not name the host in AUDITWATCH_KAFKA_BROKERS: use the host name the certificate was issued for';
  if (/disconnected before secure TLS/i.test(reason)) return 'the broker closed the connection during the TLS handshake: is this a TLS (SSL or SASL_SSL) listener? Otherwise set AUDITWATCH_KAFKA_SSL=false';
  return 'the broker certificate is not signed by a trusted CA: for a private broker set AUDITWATCH_KAFKA_SSL_CA_FILE to its CA bundle (PEM); Confluent Cloud needs none';
}

/**
 * Classifies a KafkaJS error message (log entry or thrown error). Messages come
 * from KafkaJS, Node's TLS stack or the broker's error string: none carries the
 * SASL password, so they are safe to log. Unknown messages give undefined.
 */
export function diagnoseKafkaMessage(message: string, ssl: boolean): KafkaDiagnosis | undefined {
  const sasl = /SASL .+? authentication failed: (.*)$/.exec(message);
  if (sasl !== null) return { code: ErrorCode.kafkaAuth, reason: sasl[1]!, hint: CREDENTIALS_HINT };
  if (/SASL \S+ mechanism is not supported by the server/.test(message)) {
    return { code: ErrorCode.kafkaAuth, reason: message, hint: 'set AUDITWATCH_KAFKA_SASL_MECHANISM to one the listener enables (Confluent Cloud: plain)' };
  }
  const connection = /Connection error: (.*)$/.exec(message);
  if (connection !== null) {
    const reason = connection[1]!;
    if (ssl && TLS_REASON.test(reason)) return { code: ErrorCode.kafkaTls, reason, hint: tlsHint(reason) };
    return { code: ErrorCode.kafkaConnect, reason, hint: 'check AUDITWATCH_KAFKA_BROKERS and that the brokers are reachable from here' };
  }
  if (/^Connection timeout$|^Closed connection$/.test(message)) {
    // A TLS listener drops a client that speaks plaintext to it without an answer.
    const hint = ssl
      ? 'check AUDITWATCH_KAFKA_BROKERS and that the brokers are reachable from here'
      : 'the broker closed the connection or did not answer; if its listener uses TLS (Confluent Cloud\'s do), set AUDITWATCH_KAFKA_SSL=true';
    return { code: ErrorCode.kafkaConnect, reason: message, hint };
  }
  return undefined;
}

/**
 * A KafkaJS logCreator that reports connection, TLS and authentication failures
 * as one clear error line per cause (again every REPEAT_MS while it lasts), and
 * drops the rest of KafkaJS's chatter. Without it a TLS failure is retried
 * silently forever. Use with `logLevel: logLevel.ERROR`.
 */
export function kafkaLogCreator(log: Logger, ssl: boolean, now: () => number = Date.now): logCreator {
  const lastLogged = new Map<string, number>();
  return () =>
    ({ level, log: entry }) => {
      if (level !== logLevel.ERROR) return;
      const diagnosis = diagnoseKafkaMessage(String(entry.message), ssl);
      if (diagnosis === undefined) return;
      const key = `${diagnosis.code} ${diagnosis.reason}`;
      const at = now();
      if (at - (lastLogged.get(key) ?? -Infinity) < REPEAT_MS) return;
      lastLogged.set(key, at);
      const broker = typeof entry.broker === 'string' ? { broker: entry.broker } : {};
      log.error({ code: diagnosis.code, ...broker, reason: diagnosis.reason, hint: diagnosis.hint }, messageFor(diagnosis.code));
    };
}

function messageFor(code: ErrorCodeValue): string {
  if (code === ErrorCode.kafkaTls) return 'kafka TLS handshake failed';
  if (code === ErrorCode.kafkaAuth) return 'kafka authentication failed';
  return 'kafka connection failed';
}
