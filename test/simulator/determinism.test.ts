import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { simulateDay, simulatedMarket } from '../../src/services/sources/simulator';
import type { SourceMessage } from '../../src/services/sources/source';
import { buildWeatherDay } from '../../src/services/sources/simulator/weather';
import { localDayBoundsUtc, NYC_TZ } from '../../src/shared/time';

const DATE = '2026-03-08'; // US spring-forward: a 23-hour local day
const [DAY_START, DAY_END] = localDayBoundsUtc(DATE, NYC_TZ);
const HOUR = 3_600_000;

function digest(messages: Iterable<SourceMessage>): { hash: string; count: number } {
  const h = createHash('sha256');
  let count = 0;
  for (const m of messages) {
    h.update(JSON.stringify(m));
    count++;
  }
  return { hash: h.digest('hex'), count };
}

function take<T>(it: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const x of it) {
    out.push(x);
    if (out.length >= n) break;
  }
  return out;
}

describe('simulator determinism', () => {
  it('gives the identical stream for the same seed', () => {
    const window = { date: DATE, seed: 42, from: DAY_START + 1 * HOUR, to: DAY_START + 1.5 * HOUR };
    const a = digest(simulateDay(window));
    const b = digest(simulateDay(window));
    expect(a.count).toBeGreaterThan(2000);
    expect(a).toEqual(b);
  });

  it('gives a different day (weather, market ids, book) for a different seed', () => {
    const a = take(simulateDay({ date: DATE, seed: 1 }), 300);
    const b = take(simulateDay({ date: DATE, seed: 2 }), 300);
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(simulatedMarket({ date: DATE, seed: 1 }).tokens[0]!.token_id).not.toBe(simulatedMarket({ date: DATE, seed: 2 }).tokens[0]!.token_id);
    const metars = (seed: number) => buildWeatherDay({ station: 'KLGA', date: DATE, seed }).reports.map((r) => r.raw);
    expect(metars(1)).not.toEqual(metars(2));
    expect(metars(1)).toEqual(metars(1));
  });

  it('starts a mid-day stream with a connect, then continues exactly as the full day does', () => {
    const from = DAY_START + 3 * HOUR + 123;
    const to = from + 10 * 60_000;
    const late = [...simulateDay({ date: DATE, seed: 5, from, to })];
    // The client joins at `from`: the connection comes up and every token's book follows.
    expect(late[0]).toMatchObject({ kind: 'clob_connection', state: 'up', received_ms: from });
    const market = simulatedMarket({ date: DATE, seed: 5 });
    const booked = new Set(late.slice(0, 40).flatMap((m) => (m.kind === 'clob' && m.message.event_type === 'book' ? [m.message.asset_id] : [])));
    expect(booked.size).toBe(market.tokens.length);
    // After the first second (books are in), it is the same stream a client connected since earlier gets.
    const afterBooks = (m: SourceMessage) => m.received_ms >= from + 1000;
    const earlier = digest([...simulateDay({ date: DATE, seed: 5, from: from - HOUR / 4, to })].filter(afterBooks));
    expect(earlier.count).toBeGreaterThan(3000);
    expect(digest(late.filter(afterBooks))).toEqual(earlier);
  });

  it('covers exactly the station-local day, 23 h on the spring-forward day', () => {
    const [first] = take(simulateDay({ date: DATE, seed: 3, tokens: 6 }), 1);
    expect(first!.received_ms).toBe(DAY_START);
    expect(DAY_END - DAY_START).toBe(23 * HOUR);
    const tail = [...simulateDay({ date: DATE, seed: 3, tokens: 6, from: DAY_END - 60_000 })];
    expect(tail.length).toBeGreaterThan(10);
    expect(tail.every((m) => m.received_ms >= DAY_END - 60_000 && m.received_ms < DAY_END)).toBe(true);
  });
});

describe('simulated market definition', () => {
  it('lays out 2 °F buckets with open tails and Polymarket-shaped ids', () => {
    const m = simulatedMarket({ date: '2026-01-29', seed: 9 });
    expect(m.station_id).toBe('KLGA');
    expect(m.tokens).toHaveLength(8);
    const labels = m.tokens.map((t) => t.bucket);
    expect(labels[0]).toMatch(/^≤\d+°F$/);
    expect(labels.at(-1)).toMatch(/^≥\d+°F$/);
    for (const l of labels.slice(1, -1)) expect(l).toMatch(/^(\d+)-(\d+)°F$/);
    // Contiguous: each inner bucket starts one degree above the previous bucket's top.
    expect(m.buckets.slice(1).every((b, i) => b.lo === m.buckets[i]!.hi! + 1)).toBe(true);
    for (const t of m.tokens) {
      expect(t.token_id).toMatch(/^\d{77,78}$/);
      expect(BigInt(t.token_id) < 2n ** 256n).toBe(true);
      expect(t.market_id).toMatch(/^0x[0-9a-f]{64}$/);
    }
    expect(new Set(m.tokens.map((t) => t.market_id)).size).toBe(8);
  });

  it('centres the buckets on the season: January highs in the 20s–50s °F, July in the 70s–90s', () => {
    const mid = (date: string) => {
      const b = simulatedMarket({ date, seed: 4 }).buckets;
      return (b[1]!.lo! + b.at(-2)!.hi!) / 2;
    };
    expect(mid('2026-01-20')).toBeGreaterThan(20);
    expect(mid('2026-01-20')).toBeLessThan(55);
    expect(mid('2026-07-20')).toBeGreaterThan(72);
    expect(mid('2026-07-20')).toBeLessThan(98);
  });

  it('accepts 6–12 tokens and rejects other counts with a clear error', () => {
    expect(simulatedMarket({ date: DATE, seed: 1, tokens: 6 }).tokens).toHaveLength(6);
    expect(simulatedMarket({ date: DATE, seed: 1, tokens: 12 }).tokens).toHaveLength(12);
    expect(() => simulatedMarket({ date: DATE, seed: 1, tokens: 5 })).toThrow(/6–12/);
    expect(() => [...simulateDay({ date: '2026-13-01' })]).toThrow(/not a date/);
    expect(() => [...simulateDay({})]).toThrow(/needs a `date`/);
    expect(() => simulatedMarket({ date: DATE, station: 'KSEA' })).toThrow(/climate only for/);
  });
});
