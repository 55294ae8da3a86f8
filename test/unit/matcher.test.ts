import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/decode/audit-event.js';
import { compileMatch, MatchCompileError } from '../../src/engine/matcher.js';
import type { MatchSpec } from '../../src/engine/rule-schema.js';

const event: AuditEvent = {
  id: 'e1',
  time: '2026-01-01T00:00:00.000Z',
  type: 'io.confluent.kafka.server/authentication',
  category: 'authentication',
  specversion: '1.0',
  source: 'crn:///kafka=x',
  method: 'kafka.Authentication',
  principal: 'User:sa-abc123',
  credentialId: 'ABCDEFGHIJKLMNOP',
  clientIp: '203.0.113.7',
  outcome: 'failure',
  granted: false,
  connectionId: '12345678901234567890',
};

const matches = (spec: MatchSpec, e: AuditEvent = event) => compileMatch(spec)(e);

describe('compileMatch', () => {
  it.each<[string, MatchSpec, boolean]>([
    ['equals', { outcome: 'failure' }, true],
    ['equals, other value', { outcome: 'success' }, false],
    ['method names ignore case', { method: 'KAFKA.authentication' }, true],
    ['principals do not', { principal: 'user:sa-abc123' }, false],
    ['ignore_case on request', { principal: { equals: 'user:SA-abc123', ignore_case: true } }, true],
    ['one of a list', { outcome: ['success', 'failure'] }, true],
    ['in', { clientIp: { in: ['1.1.1.1'] } }, false],
    ['prefix', { principal: { prefix: 'User:sa-' } }, true],
    ['suffix list', { principal: { suffix: ['xyz', '123'] } }, true],
    ['contains', { credentialId: { contains: 'HIJ' } }, true],
    ['regex', { credentialId: { regex: '^[A-Z0-9]{16}$' } }, true],
    ['regex ignore_case', { principal: { regex: '^user:', ignore_case: true } }, true],
    ['cidr v4', { clientIp: { cidr: ['203.0.113.0/24'] } }, true],
    ['cidr miss', { clientIp: { cidr: '10.0.0.0/8' } }, false],
    ['exists', { email: { exists: false } }, true],
    ['boolean equals', { granted: false }, true],
    ['numeric compare on an exact id', { connectionId: { gt: 1 } }, true],
    ['numeric compare on text', { principal: { gt: 1 } }, false],
    ['not', { outcome: { not: 'success' } }, true],
    ['not of absent field holds', { email: { not: 'x@example.com' } }, true],
    ['absent field never equals', { email: 'x@example.com' }, false],
    ['all', { all: [{ outcome: 'failure' }, { category: 'authentication' }] }, true],
    ['any', { any: [{ outcome: 'success' }, { clientIp: { cidr: '203.0.113.0/24' } }] }, true],
    ['not block', { not: { outcome: 'failure' } }, false],
    ['several fields all hold', { outcome: 'failure', clientIp: '1.1.1.1' }, false],
    ['empty match holds', {}, true],
  ])('%s', (_name, spec, want) => {
    expect(matches(spec)).toBe(want);
  });

  it('matches IPv6 CIDR blocks', () => {
    expect(matches({ clientIp: { cidr: '2001:db8::/32' } }, { ...event, clientIp: '2001:db8::5' })).toBe(true);
  });

  it.each<[string, MatchSpec, string]>([
    ['bad CIDR', { clientIp: { cidr: '300.1.1.1/8' } }, 'match.clientIp.cidr'],
    ['backreference', { principal: { regex: '(a)\\1' } }, 'match.principal.regex'],
    ['string for a boolean field', { granted: 'false' }, 'match.granted.equals'],
    ['boolean for a text field', { principal: true }, 'match.principal.equals'],
    ['prefix on a boolean', { granted: { prefix: 'x' } }, 'match.granted.prefix'],
  ])('rejects %s, naming %s', (_name, spec, field) => {
    expect(() => compileMatch(spec)).toThrow(MatchCompileError);
    try {
      compileMatch(spec);
    } catch (error) {
      expect((error as MatchCompileError).field).toBe(field);
    }
  });

  it('rejects nesting deeper than the bound', () => {
    let spec: MatchSpec = { outcome: 'failure' };
    for (let i = 0; i < 12; i++) spec = { not: spec };
    expect(() => compileMatch(spec)).toThrow(/deeper/);
  });

  it('evaluates a catastrophic-backtracking pattern in linear time (RE2)', () => {
    const test = compileMatch({ clientId: { regex: '^(a+)+$' } });
    const started = performance.now();
    expect(test({ ...event, clientId: `${'a'.repeat(1000)}!` })).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
