/** Timeline zoom/pan, time-axis ticks in each zone, the moment in the URL, axis precision from the tick. */
import { describe, expect, test } from 'vitest';
import { linkToMoment, momentFromLink, momentFromSearch, searchOf } from '../../src/renderer/src/session/moment';
import { rangeName } from '../../src/renderer/src/session/controller';
import { priceFormatFor, tickSizeOf } from '../../src/renderer/src/tick-size';
import { timeTicks } from '../../src/renderer/src/time-ticks';
import { clampView, MIN_SPAN_MS, panView, zoomView } from '../../src/renderer/src/timeline-view';

const day: [number, number] = [Date.parse('2026-01-29T05:00:00Z'), Date.parse('2026-01-30T05:00:00Z')];
const H = 3_600_000;

describe('timeline zoom and pan', () => {
  test('zooming keeps the anchor where it is on screen, and zooming back out returns the whole day', () => {
    const anchor = day[0] + 6 * H; // a quarter into the day
    const v = zoomView(null, day, anchor, 0.5)!;
    expect(v.to - v.from).toBe(12 * H);
    expect((anchor - v.from) / (v.to - v.from)).toBeCloseTo(0.25, 9);
    expect(zoomView(v, day, anchor, 2)).toBeNull();
    expect(zoomView(v, day, anchor, 4)).toBeNull(); // never wider than the day
  });

  test('a view stays inside the day and no narrower than the minimum', () => {
    const v = zoomView(null, day, day[1], 1e-9)!;
    expect(v.to - v.from).toBe(MIN_SPAN_MS);
    expect(v.to).toBe(day[1]);
    expect(panView({ from: day[0] + H, to: day[0] + 2 * H }, day, -5 * H)).toEqual({ from: day[0], to: day[0] + H });
    expect(panView({ from: day[0] + H, to: day[0] + 2 * H }, day, 48 * H)).toEqual({ from: day[1] - H, to: day[1] });
    expect(panView(null, day, H)).toBeNull();
    expect(clampView({ from: day[0] - H, to: day[1] + H }, day)).toBeNull();
  });
});

describe('time-axis ticks', () => {
  test('whole hours of the chosen zone over a day, labelled in that zone', () => {
    const nyc = timeTicks(day[0], day[1], 2000, 'nyc');
    const utc = timeTicks(day[0], day[1], 2000, 'utc');
    const madrid = timeTicks(day[0], day[1], 2000, 'madrid');
    expect(nyc[0]).toEqual({ ms: day[0], label: '00:00' });
    expect(utc[0]).toEqual({ ms: day[0], label: '05:00' });
    expect(madrid[0]).toEqual({ ms: day[0], label: '06:00' });
    for (const t of [...nyc, ...utc, ...madrid]) expect(t.label).toMatch(/^\d\d:00$/);
    // a zone switch moves every label, not the instants
    expect(nyc.map((t) => t.ms)).toEqual(utc.map((t) => t.ms));
  });

  test('zoomed in, finer steps and seconds; never closer than the minimum spacing', () => {
    const from = day[0] + 12 * H;
    const ticks = timeTicks(from, from + 60_000, 600, 'utc');
    expect(ticks.length).toBeGreaterThan(4);
    expect(ticks[0]!.label).toBe('17:00:00');
    const spacing = (ticks[1]!.ms - ticks[0]!.ms) / 60_000 * 600;
    expect(spacing).toBeGreaterThanOrEqual(56);
  });

  test('a DST day: 23 hours, each labelled once', () => {
    const [start, end] = [Date.parse('2026-03-08T05:00:00Z'), Date.parse('2026-03-09T04:00:00Z')];
    const labels = timeTicks(start, end, 2000, 'nyc', 20).map((t) => t.label);
    expect(labels).not.toContain('02:00');
    expect(labels.at(-1)).toBe('00:00'); // the next midnight closes the day
    expect(new Set(labels.slice(0, -1)).size).toBe(labels.length - 1);
    expect(labels.filter((l) => l.endsWith(':00'))).toHaveLength(24); // 00:00 … 23:00 except 02:00, plus the next midnight
  });
});

describe('the moment in the address', () => {
  test('round trip: day and cursor, ISO or epoch ms', () => {
    const m = { station_id: 'KLGA', date: '2026-01-29', t_ms: Date.parse('2026-01-29T17:53:02.114Z') };
    expect(searchOf(m)).toBe('?day=KLGA/2026-01-29&t=2026-01-29T17:53:02.114Z');
    expect(momentFromSearch(searchOf(m))).toEqual(m);
    expect(momentFromSearch(`?day=KLGA/2026-01-29&t=${m.t_ms}`)).toEqual(m);
    expect(momentFromSearch('?day=KLGA/2026-01-29')).toEqual({ ...m, t_ms: null });
    expect(linkToMoment('http://127.0.0.1:5174/?day=X/1&t=2#h', m)).toBe('http://127.0.0.1:5174/?day=KLGA/2026-01-29&t=2026-01-29T17:53:02.114Z');
  });

  test('a pasted link: the browser’s, the desktop app’s own address, or the bare query', () => {
    const m = { station_id: 'KLGA', date: '2026-01-29', t_ms: Date.parse('2026-01-29T17:53:02.114Z') };
    expect(momentFromLink(` http://127.0.0.1:5174/${searchOf(m)}#x `)).toEqual(m);
    expect(momentFromLink(`app://helios/index.html${searchOf(m)}`)).toEqual(m);
    expect(momentFromLink(searchOf(m))).toEqual(m);
    for (const text of ['', 'KLGA 2026-01-29', 'http://127.0.0.1:5174/', 'app://helios/index.html?day=KLGA']) expect(momentFromLink(text)).toBeNull();
  });

  test('anything else names no moment', () => {
    for (const q of ['', '?day=../../etc/2026-01-29', '?day=KLGA/29-01-2026', '?day=KLGA', '?t=1']) expect(momentFromSearch(q)).toBeNull();
    expect(momentFromSearch('?day=KLGA/2026-01-29&t=soon')?.t_ms).toBeNull();
  });

  test('a range names its export plainly', () => {
    expect(rangeName({ station_id: 'KLGA', date: '2026-01-29' }, { from: Date.parse('2026-01-29T17:00:00Z'), to: Date.parse('2026-01-29T17:30:15Z') })).toBe('helios-KLGA-2026-01-29-170000-173015Z');
  });
});

describe('price axis precision from the tick size', () => {
  test('the coarsest step every level sits on; one decimal more, half-tick label steps', () => {
    expect(tickSizeOf([{ p: 0.43, s: 1 }, { p: 0.5, s: 2 }])).toBe(0.01);
    expect(tickSizeOf([{ p: 0.43, s: 1 }, { p: 0.997, s: 2 }])).toBe(0.001);
    expect(tickSizeOf([])).toBeNull();
    expect(priceFormatFor(0.01)).toEqual({ precision: 3, minMove: 0.005 });
    expect(priceFormatFor(0.001)).toEqual({ precision: 4, minMove: 0.0005 });
  });
});
