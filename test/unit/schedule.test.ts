import { describe, expect, it } from 'vitest';
import { buildSchedule } from '../../src/engine/schedule.js';

const utc = (text: string) => Date.parse(text);

describe('business hours', () => {
  it('defaults to Monday-Friday 08:00-18:00 UTC', () => {
    const s = buildSchedule({});
    expect(s.isInside(utc('2026-03-02T08:00:00Z'))).toBe(true); // Monday
    expect(s.isInside(utc('2026-03-02T07:59:59Z'))).toBe(false);
    expect(s.isInside(utc('2026-03-02T18:00:00Z'))).toBe(false);
    expect(s.isInside(utc('2026-03-07T12:00:00Z'))).toBe(false); // Saturday
  });

  it('follows daylight saving time in the named zone', () => {
    const s = buildSchedule({ timezone: 'Europe/Berlin' });
    // 07:30 UTC is 08:30 in winter (CET) but 09:30 in summer (CEST): inside both times.
    expect(s.isInside(utc('2026-01-13T07:30:00Z'))).toBe(true);
    // 06:30 UTC: 07:30 CET (outside) in January, 08:30 CEST (inside) in July.
    expect(s.isInside(utc('2026-01-13T06:30:00Z'))).toBe(false);
    expect(s.isInside(utc('2026-07-14T06:30:00Z'))).toBe(true);
    // The spring-forward Monday after 29 March 2026: 06:30 UTC is 08:30 CEST.
    expect(s.isInside(utc('2026-03-30T06:30:00Z'))).toBe(true);
  });

  it('uses the local weekday, not the UTC one', () => {
    const s = buildSchedule({ timezone: 'Pacific/Auckland' });
    // Sunday 21:00 UTC is Monday 10:00 in Auckland (NZDT, +13).
    expect(s.isInside(utc('2026-03-01T21:00:00Z'))).toBe(true);
  });

  it('treats holidays as entirely outside hours, as local dates', () => {
    const s = buildSchedule({ timezone: 'America/New_York', holidays: ['2026-12-25'] });
    expect(s.isInside(utc('2026-12-25T15:00:00Z'))).toBe(false);
    expect(s.isInside(utc('2026-12-24T15:00:00Z'))).toBe(true);
  });

  it('takes custom days and several ranges; rule settings override config defaults', () => {
    const s = buildSchedule(
      { days: { sat: ['09:00-12:00', '13:00-14:00'] } },
      { timezone: 'UTC', days: { mon: ['00:00-24:00'] } },
    );
    expect(s.isInside(utc('2026-03-07T13:30:00Z'))).toBe(true);
    expect(s.isInside(utc('2026-03-07T12:30:00Z'))).toBe(false);
    expect(s.isInside(utc('2026-03-02T12:00:00Z'))).toBe(false);
  });
});
