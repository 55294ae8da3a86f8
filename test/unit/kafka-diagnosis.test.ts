import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { diagnoseKafkaMessage, kafkaLogCreator, REPEAT_MS } from '../../src/source/kafka-diagnosis.js';

describe('diagnoseKafkaMessage', () => {
  it.each([
    [
      'Connection error: self-signed certificate in certificate chain',
      true,
      'AW_ERR_KAFKA_TLS',
      /AUDITWATCH_KAFKA_SSL_CA_FILE/,
    ],
    [
      'Failed to connect to seed broker, trying another broker from the list: Connection error: unable to get local issuer certificate',
      true,
      'AW_ERR_KAFKA_TLS',
      /CA_FILE/,
    ],
    [
      "Connection error: Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list: 127.0.0.1",
      true,
      'AW_ERR_KAFKA_TLS',
      /host name/,
    ],
    [
      'Connection error: Client network socket disconnected before secure TLS connection was established',
      true,
      'AW_ERR_KAFKA_TLS',
      /AUDITWATCH_KAFKA_SSL=false/,
    ],
    [
      'SASL PLAIN authentication failed: Authentication failed: Invalid username or password',
      true,
      'AW_ERR_KAFKA_AUTH',
      /AUDITWATCH_KAFKA_SASL_PASSWORD/,
    ],
    [
      'SASL SCRAM SHA512 authentication failed: Invalid server signature in server final message',
      false,
      'AW_ERR_KAFKA_AUTH',
      /AUDITWATCH_KAFKA_SASL_USERNAME/,
    ],
    [
      'SASL SCRAM-SHA-512 mechanism is not supported by the server',
      true,
      'AW_ERR_KAFKA_AUTH',
      /AUDITWATCH_KAFKA_SASL_MECHANISM/,
    ],
    [
      'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      false,
      'AW_ERR_KAFKA_CONNECT',
      /AUDITWATCH_KAFKA_BROKERS/,
    ],
    ['Closed connection', false, 'AW_ERR_KAFKA_CONNECT', /AUDITWATCH_KAFKA_SSL=true/],
  ])('%s (ssl %s) → %s', (message, ssl, code, hint) => {
    const d = diagnoseKafkaMessage(message, ssl);
    expect(d?.code).toBe(code);
    expect(d?.hint).toMatch(hint);
  });

  it('leaves other KafkaJS messages alone', () => {
    expect(diagnoseKafkaMessage('Response GroupCoordinator(key: 10, version: 2)', true)).toBeUndefined();
    expect(diagnoseKafkaMessage('Crash: KafkaJSNumberOfRetriesExceeded', true)).toBeUndefined();
  });
});

describe('kafkaLogCreator', () => {
  function capture(): {
    lines: Array<Record<string, unknown>>;
    log: (message: string, at: number, level?: logLevel) => void;
  } {
    const lines: Array<Record<string, unknown>> = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    let clock = 0;
    const entry = kafkaLogCreator(createLogger('info', out), true, () => clock)(logLevel.ERROR);
    return {
      lines,
      log: (message, at, level = logLevel.ERROR) => {
        clock = at;
        entry({ namespace: 'Connection', level, label: 'ERROR', log: { timestamp: '', message, broker: 'b:9093' } });
      },
    };
  }

  it('logs one line per cause, again only after REPEAT_MS, with code, broker, reason and hint', () => {
    const { lines, log } = capture();
    log('Connection error: self-signed certificate in certificate chain', 0);
    log(
      'Failed to connect to seed broker, trying another broker from the list: Connection error: self-signed certificate in certificate chain',
      1,
    );
    log('Connection error: self-signed certificate in certificate chain', REPEAT_MS - 1);
    log('SASL PLAIN authentication failed: Authentication failed: Invalid username or password', REPEAT_MS - 1);
    log('Connection error: self-signed certificate in certificate chain', REPEAT_MS);
    expect(lines.map((l) => [l.code, l.msg])).toEqual([
      ['AW_ERR_KAFKA_TLS', 'kafka TLS handshake failed'],
      ['AW_ERR_KAFKA_AUTH', 'kafka authentication failed'],
      ['AW_ERR_KAFKA_TLS', 'kafka TLS handshake failed'],
    ]);
    expect(lines[0]).toMatchObject({
      level: 50,
      broker: 'b:9093',
      reason: 'self-signed certificate in certificate chain',
    });
  });

  it('drops entries below ERROR and errors it cannot explain', () => {
    const { lines, log } = capture();
    log('Connection error: self-signed certificate in certificate chain', 0, logLevel.WARN);
    log('Response Fetch(key: 1, version: 11)', 0);
    expect(lines).toEqual([]);
  });
});
