import { describe, expect, it } from 'vitest';
import type { Severity } from '../../src/alerts/alert.js';
import { PAGERDUTY_SUMMARY_MAX, pagerDutyPayload } from '../../src/sinks/pagerduty.js';
import { alertFixture } from '../support/fake-sinks.js';

describe('pagerDutyPayload', () => {
  it('fills every Events API v2 payload field from the alert', () => {
    expect(pagerDutyPayload(alertFixture())).toEqual({
      summary:
        '[high] Brute force against a Kafka credential: 12 failed authentications with credential ABCDEFGHIJKLMNOP from 203.0.113.7 in 1m',
      source: 'auditwatch/org-1111/lkc-abc123',
      severity: 'error',
      timestamp: '2024-05-01T12:00:00.000Z',
      component: 'auth-brute-force',
      class: 'attack.credential_access',
      group: 'attack.credential_access T1110',
      custom_details: {
        rule: 'auth-brute-force',
        rule_version: '1.2.0',
        key: { credentialId: 'ABCDEFGHIJKLMNOP', clientIp: '203.0.113.7' },
        count: 12,
        window: '1m',
        events: ['auth-00000042', 'auth-00000041', 'auth-00000040'],
        context: {
          method: 'kafka.Authentication',
          credentialId: 'ABCDEFGHIJKLMNOP',
          clientIp: '203.0.113.7',
          cluster: 'lkc-abc123',
          organization: 'org-1111',
        },
        trigger: 'auth-00000042',
        alert_id: '0123456789abcdef0123456789abcdef',
      },
    });
  });

  it('maps severities critical→critical, high→error, medium→warning, low→info', () => {
    const map = (severity: Severity): string => pagerDutyPayload(alertFixture({ severity })).severity;
    expect([map('critical'), map('high'), map('medium'), map('low')]).toEqual(['critical', 'error', 'warning', 'info']);
  });

  it('uses plain auditwatch as source and leaves out class and group without context or tags', () => {
    const payload = pagerDutyPayload(alertFixture({ context: {}, tags: [], window: undefined }));
    expect(payload.source).toBe('auditwatch');
    expect(payload).not.toHaveProperty('class');
    expect(payload).not.toHaveProperty('group');
    expect(payload.custom_details).not.toHaveProperty('window');
  });

  it('bounds the summary to 1024 characters and flattens control characters everywhere', () => {
    const payload = pagerDutyPayload(
      alertFixture({ summary: `a\nb\u2028${'z'.repeat(5000)}`, key: { principal: 'x\u0000y' } }),
    );
    expect(payload.summary).toHaveLength(PAGERDUTY_SUMMARY_MAX);
    expect(payload.summary.endsWith('…')).toBe(true);
    expect(JSON.stringify(payload)).not.toMatch(/\\u0000|\\n|\u2028/);
    expect(payload.custom_details.key).toEqual({ principal: 'x y' });
  });
});
