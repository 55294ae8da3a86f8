/**
 * The one catalogue of auditwatch error codes. Tests assert on `.code`, never on
 * message text, so a code keeps its meaning for as long as it exists.
 */
export const ErrorCode = {
  /** A record could not be decoded into an audit event (see `DecodeReason`). */
  decode: 'AW_ERR_DECODE',
  /** A configuration value or file is invalid. */
  config: 'AW_ERR_CONFIG',
  /** A rule file is invalid (schema, YAML syntax, duplicate id, unsafe pattern). */
  rule: 'AW_ERR_RULE',
  /** An input file could not be read. */
  input: 'AW_ERR_INPUT',
  /** The state store failed (Redis unreachable, script error). */
  state: 'AW_ERR_STATE',
  /** A sink rejected or could not take a delivery. */
  sink: 'AW_ERR_SINK',
  /** The TLS handshake with a Kafka broker failed (untrusted CA, wrong host name, not a TLS listener). */
  kafkaTls: 'AW_ERR_KAFKA_TLS',
  /** A Kafka broker refused the SASL credentials. */
  kafkaAuth: 'AW_ERR_KAFKA_AUTH',
  /** A Kafka broker could not be reached or closed the connection. */
  kafkaConnect: 'AW_ERR_KAFKA_CONNECT',
  /** A Kafka broker refused an operation: no ACL for the topic, the consumer group or the dead-letter topic. */
  kafkaAuthz: 'AW_ERR_KAFKA_AUTHZ',
  /** The audit topic or the dead-letter topic does not exist (never there, or deleted while running). */
  kafkaTopic: 'AW_ERR_KAFKA_TOPIC',
  /** The Kafka consumer stopped for another reason and KafkaJS will not restart it. */
  kafkaConsumer: 'AW_ERR_KAFKA_CONSUMER',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Structured context carried by every auditwatch error; never holds a secret. */
export interface ErrorContext {
  file?: string;
  rule?: string;
  field?: string;
  line?: number;
  sink?: string;
  reason?: string;
}

/** Base class: a code from the catalogue plus structured context. */
export class AuditwatchError extends Error {
  readonly code: ErrorCodeValue;
  readonly context: ErrorContext;

  constructor(code: ErrorCodeValue, message: string, context: ErrorContext = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/** Configuration problems, all collected before the service refuses to start. */
export class ConfigError extends AuditwatchError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], context: ErrorContext = {}) {
    super(ErrorCode.config, problems.join('\n'), context);
    this.problems = problems;
  }
}

/** One problem in one rule file; `problems` lists every one found in the load. */
export class RuleError extends AuditwatchError {
  readonly problems: readonly RuleProblem[];

  constructor(problems: readonly RuleProblem[]) {
    super(ErrorCode.rule, problems.map(formatRuleProblem).join('\n'), problems[0] ?? {});
    this.problems = problems;
  }
}

/** A rule problem located by file, rule id, field path and (when known) line. */
export interface RuleProblem {
  file: string;
  rule?: string;
  field?: string;
  line?: number;
  message: string;
}

export function formatRuleProblem(p: RuleProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  const rule = p.rule === undefined ? '' : ` rule ${p.rule}`;
  const field = p.field === undefined || p.field === '' ? '' : ` field ${p.field}`;
  return `${where}:${rule}${field}: ${p.message}`;
}

/** The state store failed; the pipeline pauses and retries rather than losing work. */
export class StateError extends AuditwatchError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.state, message, {}, options);
  }
}

/** Redis errors that are not about the connection: a script failed or a key holds the wrong type. Retrying cannot fix them. */
const REDIS_COMMAND_ERROR = /^(ERR (user_script|Error running script)|WRONGTYPE)/;
/** Errors of Node's sockets and of ioredis when the server cannot be reached. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * True when an error means "Redis is not answering" (an outage that ends by
 * itself), false for anything retrying cannot fix. StateError wraps every Redis
 * failure of the state store and the delivery queues; of those, only a command
 * that Redis ran and refused (a failing script, a wrong type) is not an outage.
 * Raw ioredis connection errors count as outages too, in case one escapes a guard.
 */
export function isRedisOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof StateError) {
    const cause = error.cause;
    return !(cause instanceof Error && cause.name === 'ReplyError' && REDIS_COMMAND_ERROR.test(cause.message));
  }
  const code = (error as NodeJS.ErrnoException).code;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    error.message === 'Connection is closed.' ||
    (code !== undefined && CONNECTION_CODES.has(code))
  );
}

/** The message of anything thrown or rejected (errors carry one; anything else is stringified). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
