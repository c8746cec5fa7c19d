/**
 * The settlement view and the market-vs-nowcast numbers, from recorded events: bucket labels as
 * the simulator and Polymarket write them, the max so far over METAR/SPECI up to the cursor, the
 * buckets it rules out, the market's normalized probabilities against the nowcast's, over time.
 */
import { describe, expect, test } from 'vitest';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import { sourceStaleness } from '../../src/shared/players/inputs';
import { marketInfo } from '../../src/renderer/src/market-info';
import { ladderAt, normalize, probabilitySeries } from '../../src/renderer/src/probability';
import { bucketOfTemp, maxSoFar, maxSoFarSteps, parseBucket, ruledOut } from '../../src/renderer/src/settlement';
import { History, SortedSeries, type MetarPoint } from '../../src/renderer/src/store/history';
import { manifestOf } from './fake-backends';
import { BUCKETS, syntheticDay, TOKENS } from './synthetic-day';

describe('bucket labels', () => {
  test('simulator and Polymarket spellings parse to whole-degree ranges', () => {
    expect(parseBucket('34-35°F')).toEqual({ lo: 34, hi: 35 });
    expect(parseBucket('≤33°F')).toEqual({ lo: null, hi: 33 });
    expect(parseBucket('≥44°F')).toEqual({ lo: 44, hi: null });
    expect(parseBucket('63°F or below')).toEqual({ lo: null, hi: 63 });
    expect(parseBucket('82°F or higher')).toEqual({ lo: 82, hi: null });
    expect(parseBucket('-3--2°F')).toEqual({ lo: -3, hi: -2 });
    expect(parseBucket('sunny')).toBeNull();
  });

  test('a temperature falls in the one bucket that holds it; buckets under the max are ruled out', () => {
    const labels = ['63°F or below', '64-65°F', '66-67°F', '68°F or higher'];
    expect([60, 63, 64, 65, 66, 67, 68, 99].map((t) => bucketOfTemp(t, labels))).toEqual([
      '63°F or below',
      '63°F or below',
      '64-65°F',
      '64-65°F',
      '66-67°F',
      '66-67°F',
      '68°F or higher',
      '68°F or higher',
    ]);
    expect(labels.map((l) => ruledOut(l, 66))).toEqual([true, true, false, false]);
    expect(labels.map((l) => ruledOut(l, null))).toEqual([false, false, false, false]);
  });
});

/** Reports received at `sec`, observed 9 minutes before unless `obsSec` says otherwise. */
function metars(points: Array<[sec: number, temp: number | null, obsSec?: number]>): SortedSeries<MetarPoint> {
  const s = new SortedSeries<MetarPoint>();
  points.forEach(([t, temp, obs], i) => s.put(t, { event_id: `e${i}`, raw: `METAR ${i}`, judge_aligned_temp: temp, obs_ms: (obs ?? t - 540) * 1000 }));
  return s;
}

describe('max so far', () => {
  const dayStart = 1_000_000 * 1000;
  // a METAR of the previous day, then 30, 33, (no temperature), 31, 33, 35 °F
  const series = metars([
    [dayStart / 1000 - 600, 40],
    [dayStart / 1000 + 3600, 30],
    [dayStart / 1000 + 7200, 33],
    [dayStart / 1000 + 9000, null],
    [dayStart / 1000 + 10800, 31],
    [dayStart / 1000 + 14400, 33],
    [dayStart / 1000 + 18000, 35],
  ]);

  test('is the highest reading of the local day up to the cursor, set by the first that reached it', () => {
    expect(maxSoFar(series, dayStart, dayStart + 1000)).toBeNull();
    expect(maxSoFar(series, dayStart, dayStart + 3600_000)).toMatchObject({ temp: 30, readings: 1 });
    const at4h = maxSoFar(series, dayStart, dayStart + 4.5 * 3600_000)!;
    expect(at4h).toMatchObject({ temp: 33, event_id: 'e2', at_ms: dayStart + 7200_000, readings: 4 });
    expect(maxSoFar(series, dayStart, dayStart + 6 * 3600_000)).toMatchObject({ temp: 35, event_id: 'e6', readings: 5 });
  });

  test('counts a report for the day it was observed in, not the day it arrived', () => {
    // yesterday's 23:51 report, received two minutes after midnight, is not today's
    const late = metars([
      [dayStart / 1000 + 120, 44, dayStart / 1000 - 540],
      [dayStart / 1000 + 3600, 30],
    ]);
    expect(maxSoFar(late, dayStart, dayStart + 600_000)).toBeNull();
    expect(maxSoFar(late, dayStart, dayStart + 3600_000)).toMatchObject({ temp: 30, readings: 1 });
    expect(maxSoFarSteps(late, dayStart, dayStart + 3600_000)).toEqual([{ t: dayStart / 1000 + 3600, temp: 30 }]);
    // a report observed just after midnight counts even when it arrives at once
    expect(maxSoFar(metars([[dayStart / 1000 + 60, 31, dayStart / 1000]]), dayStart, dayStart + 60_000)).toMatchObject({ temp: 31 });
  });

  test('as steps: a point where it rises and one at the cursor', () => {
    const start = dayStart / 1000;
    expect(maxSoFarSteps(series, dayStart, dayStart + 4.5 * 3600_000)).toEqual([
      { t: start + 3600, temp: 30 },
      { t: start + 7200, temp: 33 },
      { t: start + 4.5 * 3600, temp: 33 },
    ]);
    expect(maxSoFarSteps(series, dayStart, dayStart + 1000)).toEqual([]);
  });
});

describe('market vs nowcast', () => {
  const day = syntheticDay({ start_ms: Date.parse('2026-01-29T15:45:00.000Z'), minutes: 5 });
  const state = applyEvents(emptyChannelState(), day.events);
  const tokens = manifestOf(day).tokens.map((t) => ({ token_id: t.token_id, bucket: t.bucket! }));

  test('normalizing mids: each over their sum; a token without a mid is left out of the sum', () => {
    expect(normalize([0.2, 0.3, 0.5])).toEqual({ probs: [0.2, 0.3, 0.5], sum: 1 });
    const over = normalize([0.3, 0.3, 0.6]);
    expect(over.sum).toBeCloseTo(1.2, 12);
    expect(over.probs.map((p) => p!.toFixed(6))).toEqual(['0.250000', '0.250000', '0.500000']);
    expect(normalize([null, 0.25, 0.75])).toEqual({ probs: [null, 0.25, 0.75], sum: 1 });
    expect(normalize([null, null])).toEqual({ probs: [null, null], sum: null });
  });

  test('the ladder at the cursor: mids normalized, the nowcast’s p per bucket, edge = model − market', () => {
    const ladder = ladderAt(tokens, state.books, state.nowcast);
    const mids = TOKENS.map((t) => state.books[t]!.metrics.mid!);
    const sum = mids.reduce((a, b) => a + b, 0);
    expect(ladder.rawSum).toBeCloseTo(sum, 12);
    expect(ladder.rows.map((r) => r.bucket)).toEqual(BUCKETS);
    ladder.rows.forEach((r, i) => {
      expect(r.market).toBeCloseTo(mids[i]! / sum, 12);
      expect(r.nowcast).toBe(state.nowcast!.p_bucket.find((b) => b.bucket === BUCKETS[i])!.p);
      expect(r.edge).toBeCloseTo(r.nowcast! - r.market!, 12);
    });
    // a nowcast that writes the labels differently still matches by the range they name
    const renamed = { p_bucket: state.nowcast!.p_bucket.map((b) => ({ ...b, bucket: b.bucket.replace('°F', ' °F') })) };
    expect(ladderAt(tokens, state.books, renamed).rows.map((r) => r.nowcast)).toEqual(ladder.rows.map((r) => r.nowcast));
  });

  test('over time: at every sample the market probabilities sum to 1 and match the mids then', () => {
    const history = new History();
    history.ingest(day.events);
    const from = Math.floor(day.start_ms / 1000);
    const to = Math.floor(day.end_ms / 1000);
    const series = probabilitySeries(tokens, history.price, history.nowcast, from, to, 1000);
    expect(series.t.length).toBeGreaterThan(200);
    for (let k = 0; k < series.t.length; k += 37) {
      const total = series.market.reduce((n, m) => n + m[k]!, 0);
      expect(total).toBeCloseTo(1, 9);
      const mids = TOKENS.map((t) => history.price.get(t)!.v[history.price.get(t)!.indexAtOrBefore(series.t[k]!)]!.mid!);
      expect(series.rawSum[k]).toBeCloseTo(mids.reduce((a, b) => a + b, 0), 12);
    }
    expect(series.nowcastT.length).toBe(history.nowcast.length);
    // thinned to the points asked for, first and last kept
    const thin = probabilitySeries(tokens, history.price, history.nowcast, from, to, 50);
    expect(thin.t.length).toBeLessThanOrEqual(50);
    expect(thin.t[0]).toBe(series.t[0]);
    expect(thin.t.at(-1)).toBe(series.t.at(-1));
  });
});

describe('staleness as of the cursor', () => {
  const day = syntheticDay({ start_ms: Date.parse('2026-01-29T15:50:00.000Z'), minutes: 3 });
  const metar = day.events.find((e) => e.ch === 'metar_obs')!;
  const metarMs = Date.parse(metar.ts_ingest_utc);
  const upToMetar = day.events.filter((e) => Date.parse(e.ts_ingest_utc) <= metarMs);
  const state = applyEvents(emptyChannelState(), upToMetar);

  test('a METAR just received is not stale, even if the last health record counted an hour', () => {
    const health = { ...state.health!, staleness_s: { ...state.health!.staleness_s, metar: 3600, clob: 2 } };
    const stale = sourceStaleness({ ...state, health }, metarMs + 500);
    expect(stale.metar).toBe(0.5);
    // a source with no event of its own is aged from the health record
    expect(stale.clob).toBeCloseTo(2 + (metarMs + 500 - Date.parse(health.ts_ingest_utc)) / 1000, 6);
  });
});

describe('the market as recorded in the manifest', () => {
  const manifest = manifestOf(syntheticDay({ minutes: 1 }));

  test('rules not recorded: nothing made up', () => {
    expect(marketInfo(manifest)).toEqual({ title: null, slug: null, event_id: null, rules: null, resolution_source: null, winner: null });
  });

  test('recorded rules and winner of the day\'s own market date', () => {
    const market = (market_date: string, title: string, rules: string, winner: string | null) => ({
      market_date,
      venue_event_id: '1090393',
      slug: null,
      title,
      rules,
      resolution_source: 'https://www.weather.gov/wrh/timeseries?site=klga',
      winner,
    });
    const withMarket = {
      ...manifest,
      markets: [market('2026-01-28', 'old', 'yesterday', null), market(manifest.date, 'Highest temperature in NYC on January 29?', 'Resolves to the highest temperature…', BUCKETS[1]!)],
    };
    expect(marketInfo(withMarket)).toMatchObject({ title: 'Highest temperature in NYC on January 29?', rules: 'Resolves to the highest temperature…', winner: BUCKETS[1] });
  });
});
