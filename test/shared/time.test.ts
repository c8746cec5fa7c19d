import { describe, expect, it } from 'vitest';
import { addDays, localDayBoundsUtc, stationDate, toZonedIso, MADRID_TZ, NYC_TZ } from '../../src/shared/time';

describe('zoned timestamps', () => {
  it('formats New York and Madrid local time with the offset in force (winter)', () => {
    const ms = Date.parse('2026-01-29T17:53:02.114Z');
    expect(toZonedIso(ms, NYC_TZ)).toBe('2026-01-29T12:53:02.114-05:00');
    expect(toZonedIso(ms, MADRID_TZ)).toBe('2026-01-29T18:53:02.114+01:00');
  });

  it('switches New York to EDT at 02:00 local on the US spring-forward day (2026-03-08)', () => {
    expect(toZonedIso(Date.parse('2026-03-08T06:59:59.999Z'), NYC_TZ)).toBe('2026-03-08T01:59:59.999-05:00');
    expect(toZonedIso(Date.parse('2026-03-08T07:00:00.000Z'), NYC_TZ)).toBe('2026-03-08T03:00:00.000-04:00');
  });

  it('switches New York back to EST on the US fall-back day (2026-11-01): 01:30 happens twice', () => {
    expect(toZonedIso(Date.parse('2026-11-01T05:30:00.000Z'), NYC_TZ)).toBe('2026-11-01T01:30:00.000-04:00');
    expect(toZonedIso(Date.parse('2026-11-01T06:30:00.000Z'), NYC_TZ)).toBe('2026-11-01T01:30:00.000-05:00');
  });

  it('switches Madrid on the EU dates (last Sunday of March / October at 01:00 UTC)', () => {
    expect(toZonedIso(Date.parse('2026-03-29T00:59:59.000Z'), MADRID_TZ)).toBe('2026-03-29T01:59:59.000+01:00');
    expect(toZonedIso(Date.parse('2026-03-29T01:00:00.000Z'), MADRID_TZ)).toBe('2026-03-29T03:00:00.000+02:00');
    expect(toZonedIso(Date.parse('2026-10-25T00:59:59.000Z'), MADRID_TZ)).toBe('2026-10-25T02:59:59.000+02:00');
    expect(toZonedIso(Date.parse('2026-10-25T01:00:00.000Z'), MADRID_TZ)).toBe('2026-10-25T02:00:00.000+01:00');
  });

  it('shows the three-week window where New York is on EDT but Madrid is still on CET', () => {
    const ms = Date.parse('2026-03-20T12:00:00Z');
    expect(toZonedIso(ms, NYC_TZ)).toBe('2026-03-20T08:00:00.000-04:00');
    expect(toZonedIso(ms, MADRID_TZ)).toBe('2026-03-20T13:00:00.000+01:00');
  });
});

describe('station-local partition date', () => {
  it('puts events around New York midnight on the KLGA local day, not the UTC day', () => {
    expect(stationDate(Date.parse('2026-01-30T04:59:59.999Z'), 'KLGA')).toBe('2026-01-29');
    expect(stationDate(Date.parse('2026-01-30T05:00:00.000Z'), 'KLGA')).toBe('2026-01-30');
    expect(stationDate(Date.parse('2026-07-01T03:59:59.999Z'), 'KLGA')).toBe('2026-06-30');
    expect(stationDate(Date.parse('2026-07-01T04:00:00.000Z'), 'KLGA')).toBe('2026-07-01');
  });

  it('rejects an unknown station with a message saying how to add it', () => {
    expect(() => stationDate(0, 'ZZZZ')).toThrow(/unknown station "ZZZZ".*stations\.ts/);
  });

  it('gives 23 h and 25 h local days on the switch dates', () => {
    const [s1, e1] = localDayBoundsUtc('2026-03-08', NYC_TZ);
    expect(new Date(s1).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect((e1 - s1) / 3_600_000).toBe(23);
    const [s2, e2] = localDayBoundsUtc('2026-11-01', NYC_TZ);
    expect(new Date(s2).toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect((e2 - s2) / 3_600_000).toBe(25);
  });

  it('shifts calendar dates across month, year and DST boundaries, both ways', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-08', 1)).toBe('2026-03-09'); // a 23 h local day is still one date
    expect(addDays('2026-01-29', 0)).toBe('2026-01-29');
  });
});
