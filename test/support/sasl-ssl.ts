import { readFileSync } from 'node:fs';
import type { KafkaConfig } from 'kafkajs';
import type { Services } from './services.js';

function listener(s: Services): { brokers: string[]; caFile: string; username: string; password: string } {
  const { saslSslBrokers, sslCaFile, saslUsername, saslPassword } = s;
  if (
    saslSslBrokers === undefined ||
    sslCaFile === undefined ||
    saslUsername === undefined ||
    saslPassword === undefined
  ) {
    throw new Error(
      'no SASL_SSL listener: set AUDITWATCH_KAFKA_SASL_SSL_BROKERS, AUDITWATCH_KAFKA_SSL_CA_FILE and the SASL user (scripts/local-services.sh provides them)',
    );
  }
  return { brokers: saslSslBrokers, caFile: sslCaFile, username: saslUsername, password: saslPassword };
}

/** KafkaJS settings for the SASL_SSL listener: a Confluent Cloud client's, with the local CA instead of the public ones. */
export function saslSslClient(s: Services): Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> {
  const l = listener(s);
  return {
    brokers: l.brokers,
    ssl: { ca: [readFileSync(l.caFile, 'utf8')] },
    sasl: { mechanism: 'plain', username: l.username, password: l.password },
  };
}

/** The service's variables for the SASL_SSL listener: what a Confluent Cloud user sets, plus the local CA file. */
export function saslSslServiceEnv(s: Services): NodeJS.ProcessEnv {
  const l = listener(s);
  return {
    AUDITWATCH_KAFKA_BROKERS: l.brokers.join(','),
    AUDITWATCH_KAFKA_SASL_USERNAME: l.username,
    AUDITWATCH_KAFKA_SASL_PASSWORD: l.password,
    AUDITWATCH_KAFKA_SASL_MECHANISM: 'plain',
    AUDITWATCH_KAFKA_SSL: 'true',
    AUDITWATCH_KAFKA_SSL_CA_FILE: l.caFile,
  };
}
