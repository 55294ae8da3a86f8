import { describe, expect, it } from 'vitest';
import { crnValue, parseCrn } from '../../src/decode/crn.js';
import { ipAddress } from '../../src/decode/read.js';
import { parseEventTime } from '../../src/decode/time.js';

describe('parseCrn', () => {
  it('parses a full Confluent Cloud CRN', () => {
    const crn = parseCrn(
      'crn://confluent.cloud/organization=o1/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1/topic=t',
    );
    expect(crn?.authority).toBe('confluent.cloud');
    expect(crn && crnValue(crn, 'topic')).toBe('t');
    expect(crn?.parts).toHaveLength(5);
  });

  it('parses the empty authority, keeps unknown types, splits at the first =, percent-decodes', () => {
    const crn = parseCrn('crn:///kafka=abc==/future-type=v/cloud-api-key=%2A/topic=a%2Fb');
    expect(crn?.authority).toBe('');
    expect(crn && crnValue(crn, 'kafka')).toBe('abc==');
    expect(crn && crnValue(crn, 'future-type')).toBe('v');
    expect(crn && crnValue(crn, 'cloud-api-key')).toBe('*');
    expect(crn && crnValue(crn, 'topic')).toBe('a/b');
  });

  it('keeps a malformed percent escape as it is, and rejects non-CRNs', () => {
    const crn = parseCrn('crn://confluent.cloud/topic=100%');
    expect(crn && crnValue(crn, 'topic')).toBe('100%');
    expect(parseCrn('https://confluent.cloud/')).toBeUndefined();
    expect(parseCrn('crn://confluent.cloud')?.parts).toEqual([]);
  });
});

describe('parseEventTime', () => {
  it.each([
    ['2022-11-30T04:09:09.999Z', Date.UTC(2022, 10, 30, 4, 9, 9, 999)],
    ['2023-02-21T06:07:38.958333Z', Date.UTC(2023, 1, 21, 6, 7, 38, 958)],
    ['2023-02-21T06:07:38.958333999Z', Date.UTC(2023, 1, 21, 6, 7, 38, 958)],
    ['2023-02-21T06:07:38Z', Date.UTC(2023, 1, 21, 6, 7, 38, 0)],
    ['2023-02-21T06:07:38.5+02:00', Date.UTC(2023, 1, 21, 4, 7, 38, 500)],
    ['2023-02-21t06:07:38.1z', Date.UTC(2023, 1, 21, 6, 7, 38, 100)],
  ])('%s', (text, ms) => {
    expect(parseEventTime(text)).toBe(ms);
  });

  it.each([
    '2023-02-21',
    '2023-02-21T06:07:38',
    '2023-02-30T00:00:00Z',
    '2023-02-21T25:00:00Z',
    'now',
    '2023-02-21T06:07:38.1234567890Z',
  ])('rejects %s', (text) => {
    expect(parseEventTime(text)).toBeUndefined();
  });
});

describe('ipAddress', () => {
  it.each([
    [[{ ip: '1.2.3.4', port: 5 }], '1.2.3.4'],
    ['/172.27.0.3', '172.27.0.3'],
    ['host.example/10.0.0.1', '10.0.0.1'],
    ['10.0.0.1:9092', '10.0.0.1'],
    ['[2001:db8::1]:9092', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    [['198.51.100.1'], '198.51.100.1'],
  ])('%j → %s', (value, ip) => {
    expect(ipAddress(value)).toBe(ip);
  });

  it.each([['not an ip'], [42], [{ ip: 7 }], [''], ['1.2.3.4.5']])('%j → absent', (value) => {
    expect(ipAddress(value)).toBeUndefined();
  });
});
