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
  'check AUDITWATCH_KAFKA_SASL_USERNAME and AUDITWATCH_KAFKA_SASL_PASSWORD ' +
  '(on Confluent Cloud: an API key and secret of the audit-log cluster) and AUDITWATCH_KAFKA_SASL_MECHANISM';

const TOPIC_HINT =
  'the SASL user needs READ on the topic AUDITWATCH_KAFKA_TOPIC (on Confluent Cloud: a key of the audit-log cluster, which has it)';
const GROUP_HINT = 'the SASL user needs READ on the consumer group AUDITWATCH_KAFKA_GROUP_ID';

function tlsHint(reason: string): string {
  if (/altnames/i.test(reason))
    return 'the broker certificate does not name the host in AUDITWATCH_KAFKA_BROKERS: use the host name the certificate was issued for';
  if (/disconnected before secure TLS/i.test(reason))
    return 'the broker closed the connection during the TLS handshake: is this a TLS (SSL or SASL_SSL) listener? Otherwise set AUDITWATCH_KAFKA_SSL=false';
  return (
    'the broker certificate is not signed by a trusted CA: ' +
    'for a private broker set AUDITWATCH_KAFKA_SSL_CA_FILE to its CA bundle (PEM); Confluent Cloud needs none'
  );
}

/**
 * Classifies a KafkaJS error message (log entry or thrown error). Messages come
 * from KafkaJS, Node's TLS stack or the broker's error string: none carries the
 * SASL password, so they are safe to log. Unknown messages give undefined.
 */
export function diagnoseKafkaMessage(message: string, ssl: boolean): KafkaDiagnosis | undefined {
  const sasl = /SASL .+? authentication failed: (.*)$/.exec(message);
  if (sasl !== null) return { code: ErrorCode.kafkaAuth, reason: sasl[1] ?? message, hint: CREDENTIALS_HINT };
  if (/SASL \S+ mechanism is not supported by the server/.test(message)) {
    return {
      code: ErrorCode.kafkaAuth,
      reason: message,
      hint: 'set AUDITWATCH_KAFKA_SASL_MECHANISM to one the listener enables (Confluent Cloud: plain)',
    };
  }
  const denied = /Not authorized to access (topics|group)/.exec(message);
  if (denied !== null) {
    const hint = denied[1] === 'group' ? GROUP_HINT : TOPIC_HINT;
    return { code: ErrorCode.kafkaAuthz, reason: message.replace(/^Response \S+ /, ''), hint };
  }
  const connection = /Connection error: (.*)$/.exec(message);
  if (connection !== null) {
    const reason = connection[1] ?? message;
    if (ssl && TLS_REASON.test(reason)) return { code: ErrorCode.kafkaTls, reason, hint: tlsHint(reason) };
    return {
      code: ErrorCode.kafkaConnect,
      reason,
      hint: 'check AUDITWATCH_KAFKA_BROKERS and that the brokers are reachable from here',
    };
  }
  if (/^Connection timeout$|^Closed connection$/.test(message)) {
    // A TLS listener drops a client that speaks plaintext to it without an answer.
    const hint = ssl
      ? 'check AUDITWATCH_KAFKA_BROKERS and that the brokers are reachable from here'
      : "the broker closed the connection or did not answer; if its listener uses TLS (Confluent Cloud's do), set AUDITWATCH_KAFKA_SSL=true";
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
      // A broker's error code comes as `error` beside a "Response <Api>(…)" message.
      const fromError = typeof entry.error === 'string' ? diagnoseKafkaMessage(entry.error, ssl) : undefined;
      const diagnosis = diagnoseKafkaMessage(entry.message, ssl) ?? fromError;
      if (diagnosis === undefined) return;
      const key = `${diagnosis.code} ${diagnosis.reason}`;
      const at = now();
      if (at - (lastLogged.get(key) ?? -Infinity) < REPEAT_MS) return;
      lastLogged.set(key, at);
      const broker = typeof entry.broker === 'string' ? { broker: entry.broker } : {};
      log.error(
        { code: diagnosis.code, ...broker, reason: diagnosis.reason, hint: diagnosis.hint },
        messageFor(diagnosis.code),
      );
    };
}

function messageFor(code: ErrorCodeValue): string {
  if (code === ErrorCode.kafkaTls) return 'kafka TLS handshake failed';
  if (code === ErrorCode.kafkaAuth) return 'kafka authentication failed';
  if (code === ErrorCode.kafkaAuthz) return 'kafka authorization failed';
  return 'kafka connection failed';
}

/** Which topic a failure is about: the audit topic the consumer reads, or the dead-letter topic it writes. */
export type KafkaRole = 'source' | 'dead-letter';

/** The innermost cause: KafkaJS wraps the broker's error in retry errors (KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError). */
export function rootCause(error: unknown): Error & { type?: string } {
  let e = error as Error & { type?: string };
  for (let depth = 0; e.cause instanceof Error && depth < 10; depth++) e = e.cause;
  return e;
}

const AUTHORIZATION_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
]);

/** True when a KafkaJS error says the topic does not exist (UNKNOWN_TOPIC_OR_PARTITION, possibly wrapped). */
export function isUnknownTopic(error: unknown): boolean {
  return rootCause(error).type === 'UNKNOWN_TOPIC_OR_PARTITION';
}

/**
 * Errors a Kafka client cannot get over by retrying: refused credentials, a
 * missing ACL, a missing topic. Anything else (unreachable, timeouts, a moving
 * coordinator) is retried.
 */
export function isFatalKafkaError(error: unknown): boolean {
  const cause = rootCause(error);
  return (
    cause.name === 'KafkaJSSASLAuthenticationError' ||
    isUnknownTopic(cause) ||
    AUTHORIZATION_TYPES.has(cause.type ?? '')
  );
}

/** A rebalance error from heartbeat() or a commit: the partition is no longer ours until the consumer rejoins. */
export function isRebalanceError(error: unknown): boolean {
  const type = (error as { type?: string } | undefined)?.type;
  return (
    type === 'REBALANCE_IN_PROGRESS' ||
    type === 'NOT_COORDINATOR_FOR_GROUP' ||
    type === 'ILLEGAL_GENERATION' ||
    type === 'UNKNOWN_MEMBER_ID'
  );
}

/**
 * Why the consumer (or the dead-letter producer) can no longer work, for the
 * last log line before the service exits. KafkaJS's and the broker's messages
 * never carry the SASL password.
 */
export function diagnoseKafkaFailure(error: unknown, role: KafkaRole, ssl: boolean): KafkaDiagnosis {
  const cause = rootCause(error);
  const reason = `${cause.name}: ${cause.message}`;
  const variable = role === 'source' ? 'AUDITWATCH_KAFKA_TOPIC' : 'AUDITWATCH_KAFKA_DLQ_TOPIC';
  if (cause.name === 'KafkaJSSASLAuthenticationError') {
    return diagnoseKafkaMessage(cause.message, ssl) ?? { code: ErrorCode.kafkaAuth, reason, hint: CREDENTIALS_HINT };
  }
  if (isUnknownTopic(cause)) {
    const hint =
      role === 'source'
        ? 'check AUDITWATCH_KAFKA_TOPIC (Confluent Cloud: confluent-audit-log-events, on the audit-log cluster); it may have been deleted'
        : 'create the dead-letter topic AUDITWATCH_KAFKA_DLQ_TOPIC, or unset it';
    return { code: ErrorCode.kafkaTopic, reason: `${variable} does not exist (${cause.message})`, hint };
  }
  if (cause.type === 'GROUP_AUTHORIZATION_FAILED') return { code: ErrorCode.kafkaAuthz, reason, hint: GROUP_HINT };
  if (AUTHORIZATION_TYPES.has(cause.type ?? '')) {
    // A broker answers "not authorized" also for a topic that does not exist, when the user may not see it.
    const hint =
      role === 'source'
        ? TOPIC_HINT
        : 'the SASL user needs WRITE (and DESCRIBE) on the topic AUDITWATCH_KAFKA_DLQ_TOPIC, or unset it';
    return { code: ErrorCode.kafkaAuthz, reason, hint };
  }
  if (cause.name === 'KafkaJSGroupCoordinatorNotFound') {
    // KafkaJS drops the broker's answer here; a missing group ACL is the usual cause, logged just before as kafka authorization failed.
    const hint = `no broker named a coordinator for the consumer group; if a line with ${ErrorCode.kafkaAuthz} precedes this one, ${GROUP_HINT}`;
    return { code: ErrorCode.kafkaConsumer, reason, hint };
  }
  const hint =
    'the Kafka consumer stopped and KafkaJS does not restart it after this error; a restart of the service may help';
  return { code: ErrorCode.kafkaConsumer, reason, hint };
}
