import {
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isRedisOutage, StateError } from '../../src/errors.js';

const WRONG_PASSWORD = 'SASL PLAIN authentication failed: Authentication failed: Invalid username or password';
import {
  diagnoseKafkaFailure,
  diagnoseKafkaMessage,
  isFatalKafkaError,
  isRebalanceError,
} from '../../src/source/kafka-diagnosis.js';
import { PartitionHealth } from '../../src/source/partition-health.js';

/** KafkaJS's own error classes (its type declarations leave out their constructors' arguments). */
const make = (Class: unknown, ...args: unknown[]): Error => new (Class as new (...a: unknown[]) => Error)(...args);

/** A broker error as KafkaJS makes it from an error code (the shape of src/protocol/error.js). */
const protocol = (type: string, retriable: boolean) =>
  make(KafkaJSProtocolError, { type, retriable, message: `broker says ${type}` });
const retriesExceeded = (cause: Error) =>
  make(KafkaJSNumberOfRetriesExceeded, cause, { retryCount: 5, retryTime: 10_000 });

const denied = protocol('TOPIC_AUTHORIZATION_FAILED', false);

describe('Kafka errors: fatal or retried', () => {
  it.each([
    ['SASL credentials refused', make(KafkaJSSASLAuthenticationError, WRONG_PASSWORD), true],
    ['no ACL for the topic', protocol('TOPIC_AUTHORIZATION_FAILED', false), true],
    ['no ACL for the group', protocol('GROUP_AUTHORIZATION_FAILED', false), true],
    ['the topic missing', protocol('UNKNOWN_TOPIC_OR_PARTITION', true), true],
    ['the topic missing, after the retries', retriesExceeded(protocol('UNKNOWN_TOPIC_OR_PARTITION', true)), true],
    ['no ACL for the topic, wrapped by the retrier', make(KafkaJSNonRetriableError, denied, { cause: denied }), true],
    ['the coordinator moving', protocol('NOT_COORDINATOR_FOR_GROUP', true), false],
    ['a leader moving', retriesExceeded(protocol('LEADER_NOT_AVAILABLE', true)), false],
    ['a plain network error', new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), false],
  ])('%s → fatal %s', (_, error, fatal) => {
    expect(isFatalKafkaError(error)).toBe(fatal);
  });

  it('names the setting to check, per error and per topic', () => {
    const missing = protocol('UNKNOWN_TOPIC_OR_PARTITION', true);
    const expectDiagnosis = (error: Error, role: 'source' | 'dead-letter', code: string, hint: string) =>
      expect(diagnoseKafkaFailure(error, role, false)).toMatchObject({
        code,
        hint: expect.stringContaining(hint) as unknown,
      });
    expectDiagnosis(retriesExceeded(missing), 'source', 'AW_ERR_KAFKA_TOPIC', 'AUDITWATCH_KAFKA_TOPIC');
    expectDiagnosis(missing, 'dead-letter', 'AW_ERR_KAFKA_TOPIC', 'AUDITWATCH_KAFKA_DLQ_TOPIC');
    expectDiagnosis(denied, 'dead-letter', 'AW_ERR_KAFKA_AUTHZ', 'WRITE');
    expectDiagnosis(
      protocol('GROUP_AUTHORIZATION_FAILED', false),
      'source',
      'AW_ERR_KAFKA_AUTHZ',
      'AUDITWATCH_KAFKA_GROUP_ID',
    );
    expectDiagnosis(
      make(KafkaJSGroupCoordinatorNotFound, 'Failed to find group coordinator'),
      'source',
      'AW_ERR_KAFKA_CONSUMER',
      'AUDITWATCH_KAFKA_GROUP_ID',
    );
    const auth = diagnoseKafkaFailure(make(KafkaJSSASLAuthenticationError, WRONG_PASSWORD), 'source', true);
    expect(auth).toMatchObject({
      code: 'AW_ERR_KAFKA_AUTH',
      reason: 'Authentication failed: Invalid username or password',
    });
  });

  it('recognises the broker refusing a topic or a group in a KafkaJS log entry', () => {
    expect(diagnoseKafkaMessage('Not authorized to access group: Group authorization failed', false)?.hint).toContain(
      'AUDITWATCH_KAFKA_GROUP_ID',
    );
    expect(
      diagnoseKafkaMessage('Not authorized to access topics: [Topic authorization failed]', false)?.hint,
    ).toContain('AUDITWATCH_KAFKA_TOPIC');
  });

  it('tells rebalance errors (re-join) from others', () => {
    for (const type of [
      'REBALANCE_IN_PROGRESS',
      'NOT_COORDINATOR_FOR_GROUP',
      'ILLEGAL_GENERATION',
      'UNKNOWN_MEMBER_ID',
    ]) {
      expect(isRebalanceError(protocol(type, false))).toBe(true);
    }
    expect(isRebalanceError(new Error('Connection error'))).toBe(false);
    expect(isRebalanceError(undefined)).toBe(false);
  });
});

describe('isRedisOutage', () => {
  const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
  it.each([
    [
      'a StateError around a connection failure',
      new StateError('Redis unavailable', { cause: new Error('Connection is closed.') }),
      true,
    ],
    [
      'a StateError around a transient reply (loading)',
      new StateError('Redis unavailable', { cause: reply('LOADING Redis is loading the dataset') }),
      true,
    ],
    [
      'a raw ioredis connection error',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
      true,
    ],
    [
      'a script that fails',
      new StateError('Redis script failed', { cause: reply('ERR user_script:12: attempt to compare nil with number') }),
      false,
    ],
    [
      'a key of the wrong type',
      new StateError('Redis script failed', {
        cause: reply('WRONGTYPE Operation against a key holding the wrong kind'),
      }),
      false,
    ],
    ['an engine bug', new TypeError("Cannot read properties of undefined (reading 'principal')"), false],
  ])('%s → %s', (_, error, outage) => {
    expect(isRedisOutage(error)).toBe(outage);
  });
});

describe('PartitionHealth', () => {
  it("one partition's success does not clear another's failure", () => {
    const health = new PartitionHealth();
    health.fail('audit', 0, 'state store failing');
    health.fail('audit', 1, 'state store failing');
    health.clear('audit', 1);
    expect(health.healthy).toBe(false);
    expect(health.problems()).toEqual(['processing paused: state store failing (audit/0)']);
    health.clear('audit', 0);
    expect(health.healthy).toBe(true);
    expect(health.problems()).toEqual([]);
  });

  it('groups partitions by reason', () => {
    const health = new PartitionHealth();
    health.fail('audit', 2, 'state store failing');
    health.fail('audit', 0, 'state store failing');
    health.fail('audit', 1, 'dead-letter topic unavailable');
    expect(health.problems()).toEqual([
      'processing paused: state store failing (audit/0, audit/2)',
      'processing paused: dead-letter topic unavailable (audit/1)',
    ]);
  });
});
