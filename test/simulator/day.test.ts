/**
 * One pass over a whole simulated KLGA winter day, checked the way an analyst would look at it:
 * ordering, real Polymarket shapes, hourly METARs that parse to the intended temperature, SPECIs,
 * PWS cadence and outliers, a coherent nowcast, books that react to METARs, reconnects.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateDay, simulatedMarket, bucketIndexOf } from '../../src/services/sources/simulator';
import { buildWeatherDay, minuteIndex, tenthsCFromF } from '../../src/services/sources/simulator/weather';
import { clobMarketMessage } from '../../src/services/sources/polymarket-messages';
import type { PwsReading, SourceMessage } from '../../src/services/sources/source';
import { parseMetarReport } from '../../src/shared/metar';
import { judgeAlignedTemp, celsiusToFahrenheit } from '../../src/shared/contract-rounding';
import { localDayBoundsUtc, NYC_TZ } from '../../src/shared/time';
import { localHour } from '../../src/services/sources/simulator/weather';

const DATE = '2026-01-29';
const SEED = 7;
const [DAY_START, DAY_END] = localDayBoundsUtc(DATE, NYC_TZ);
const market = simulatedMarket({ date: DATE, seed: SEED });
const tokenIndex = new Map(market.tokens.map((t, i) => [t.token_id, i]));

type NowcastMsg = Extract<SourceMessage, { kind: 'nowcast' }>;
type FeaturesMsg = Extract<SourceMessage, { kind: 'features' }>;

interface Summary {
  count: number;
  orderViolations: number;
  outsideDay: number;
  clobCounts: Record<string, number>;
  validated: number;
  invalid: string[];
  metars: { t: number; raw: string }[];
  pws: { t: number; readings: PwsReading[] }[];
  nowcasts: NowcastMsg[];
  features: FeaturesMsg[];
  connection: { t: number; state: 'up' | 'down' }[];
  clobBetweenDownAndUp: number;
  /** After each `up`: whether every token's first market message was a `book`. */
  bookFirstAfterUp: boolean[];
  /** Mid of each token at the end of each second of the day. */
  mids: Float64Array[];
  /** price_change messages received in each second of the day. */
  pcPerSecond: Uint16Array;
}

function summarize(): Summary {
  const s: Summary = {
    count: 0,
    orderViolations: 0,
    outsideDay: 0,
    clobCounts: {},
    validated: 0,
    invalid: [],
    metars: [],
    pws: [],
    nowcasts: [],
    features: [],
    connection: [],
    clobBetweenDownAndUp: 0,
    bookFirstAfterUp: [],
    mids: market.tokens.map(() => new Float64Array((DAY_END - DAY_START) / 1000).fill(NaN)),
    pcPerSecond: new Uint16Array((DAY_END - DAY_START) / 1000),
  };
  let last = -Infinity;
  let down = false;
  let firstAfterUp: Map<string, string> | null = null;
  let pcSeen = 0;
  for (const m of simulateDay({ date: DATE, seed: SEED })) {
    s.count++;
    if (m.received_ms < last) s.orderViolations++;
    last = m.received_ms;
    if (m.received_ms < DAY_START || m.received_ms >= DAY_END) s.outsideDay++;
    switch (m.kind) {
      case 'clob': {
        const e = m.message;
        s.clobCounts[e.event_type] = (s.clobCounts[e.event_type] ?? 0) + 1;
        if (down) s.clobBetweenDownAndUp++;
        // Every non-price_change message and every 10th price_change goes through the venue schema.
        if (e.event_type !== 'price_change' || pcSeen++ % 10 === 0) {
          s.validated++;
          const r = clobMarketMessage.safeParse(e);
          if (!r.success && s.invalid.length < 5) s.invalid.push(`${JSON.stringify(e).slice(0, 300)}: ${r.error.message}`);
        }
        const asset = e.event_type === 'price_change' ? e.price_changes[0]!.asset_id : (e as { asset_id: string }).asset_id; // the simulator sends no new_market
        if (firstAfterUp && !firstAfterUp.has(asset)) {
          firstAfterUp.set(asset, e.event_type);
          if (firstAfterUp.size === market.tokens.length) {
            s.bookFirstAfterUp.push([...firstAfterUp.values()].every((t) => t === 'book'));
            firstAfterUp = null;
          }
        }
        if (e.event_type === 'price_change') {
          const second = Math.floor((m.received_ms - DAY_START) / 1000);
          s.pcPerSecond[second]!++;
          for (const c of e.price_changes) s.mids[tokenIndex.get(c.asset_id)!]![second] = (Number(c.best_bid) + Number(c.best_ask)) / 2;
        }
        break;
      }
      case 'clob_connection':
        s.connection.push({ t: m.received_ms, state: m.state });
        down = m.state === 'down';
        if (m.state === 'up') firstAfterUp = new Map();
        break;
      case 'metar':
        s.metars.push({ t: m.received_ms, raw: m.raw });
        break;
      case 'pws':
        s.pws.push({ t: m.received_ms, readings: m.readings });
        break;
      case 'nowcast':
        s.nowcasts.push(m);
        break;
      case 'features':
        s.features.push(m);
        break;
      default:
        break;
    }
  }
  // Carry each token's mid forward over seconds without a change.
  for (const series of s.mids) for (let i = 1; i < series.length; i++) if (Number.isNaN(series[i]!)) series[i] = series[i - 1]!;
  return s;
}

let s: Summary;
beforeAll(() => {
  s = summarize();
}, 120_000);

const midAt = (token: number, t: number) => s.mids[token]![Math.floor((t - DAY_START) / 1000)]!;
const localH = (t: number) => localHour(NYC_TZ, t);

describe('a simulated KLGA day: the stream', () => {
  it('is in non-decreasing receive order and stays inside the station-local day', () => {
    expect(s.count).toBeGreaterThan(500_000);
    expect(s.orderViolations).toBe(0);
    expect(s.outsideDay).toBe(0);
  });

  it('speaks the Polymarket market channel: book, price_change, last_trade_price, all valid', () => {
    expect(s.invalid).toEqual([]);
    expect(s.validated).toBeGreaterThan(100_000);
    expect(s.clobCounts.book).toBeGreaterThanOrEqual(market.tokens.length);
    expect(s.clobCounts.last_trade_price).toBeGreaterThan(500);
    // A few price_changes per second per token on average.
    const perTokenPerSecond = s.clobCounts.price_change! / market.tokens.length / ((DAY_END - DAY_START) / 1000);
    expect(perTokenPerSecond).toBeGreaterThan(1);
    expect(perTokenPerSecond).toBeLessThan(6);
  });
});

describe('a simulated KLGA day: METARs', () => {
  it('starts with the latest report (what a poller gets first), then one METAR at minute 51 UTC of every hour, received 1–3 min after the observation', () => {
    const [first, ...rest] = s.metars;
    expect(first!.t).toBe(DAY_START);
    expect(Date.parse(parseMetarReport(first!.raw, first!.t).obs_time_utc)).toBeLessThan(DAY_START);
    const hourly = rest.filter((m) => m.raw.startsWith('METAR '));
    expect(hourly).toHaveLength(24);
    const hours = new Set<number>();
    for (const m of hourly) {
      const p = parseMetarReport(m.raw, m.t);
      const obs = Date.parse(p.obs_time_utc);
      expect(new Date(obs).getUTCMinutes()).toBe(51);
      expect(m.t - obs).toBeGreaterThanOrEqual(60_000);
      expect(m.t - obs).toBeLessThanOrEqual(180_000);
      hours.add(new Date(obs).getUTCHours());
    }
    expect(hours.size).toBe(24);
  });

  it('writes real METAR syntax with a T-group that parses to the intended temperature', () => {
    const weather = buildWeatherDay({ station: 'KLGA', date: DATE, seed: SEED });
    for (const m of s.metars) {
      expect(m.raw).toMatch(/^(METAR|SPECI) KLGA \d{6}Z (\d{5}(G\d{2})?|VRB\d{2}|00000)KT .* M?\d{2}\/M?\d{2} A\d{4} RMK AO2 .*T[01]\d{3}[01]\d{3}$/);
      const p = parseMetarReport(m.raw, m.t);
      const obs = Date.parse(p.obs_time_utc);
      // The simulator's temperature at the observation minute, in tenths of °C.
      const intended = tenthsCFromF(weather.tempF[minuteIndex(weather, obs)]!);
      expect(p.temp_c_precise).toBeCloseTo(intended / 10, 6);
      expect(p.temp_c).toBe(Math.sign(intended) * Math.floor((Math.abs(intended) + 5) / 10) || 0);
      expect(p.judge_aligned_temp).toBe(judgeAlignedTemp(intended / 10));
    }
  });

  it('issues at least one SPECI in the day', () => {
    const speci = s.metars.filter((m) => m.raw.startsWith('SPECI '));
    expect(speci.length).toBeGreaterThanOrEqual(1);
    for (const m of speci) expect(parseMetarReport(m.raw, m.t).report_type).toBe('SPECI');
  });
});

describe('a simulated KLGA day: PWS', () => {
  it('polls every 2–5 s with 10–20 station readings in °F', () => {
    const gaps = s.pws.slice(1).map((p, i) => p.t - s.pws[i]!.t);
    const regular = gaps.filter((g) => g <= 5000);
    expect(regular.length / gaps.length).toBeGreaterThan(0.99);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2000);
    const sizes = s.pws.map((p) => p.readings.length);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(8);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20);
    expect(s.pws.every((p) => p.readings.every((r) => r.obs_time_ms <= p.t && Number.isFinite(r.temp_f)))).toBe(true);
    // Readings in °F for a January day at LaGuardia.
    const temps = s.pws.flatMap((p) => p.readings.map((r) => r.temp_f));
    expect(temps.reduce((a, b) => Math.min(a, b))).toBeGreaterThan(-10);
    expect(temps.reduce((a, b) => Math.max(a, b))).toBeLessThan(70);
  });

  it('contains real outliers: a station several °F off the cluster for minutes at a time', () => {
    const offPolls = s.pws.filter((p) => {
      const v = p.readings.map((r) => r.temp_f).sort((a, b) => a - b);
      const median = v[v.length >> 1]!;
      return v.some((x) => Math.abs(x - median) >= 4);
    });
    // At least ~15 minutes' worth of polls (~3.5 s apart).
    expect(offPolls.length).toBeGreaterThan(250);
    // …but not all day.
    expect(offPolls.length).toBeLessThan(s.pws.length / 2);
  });
});

describe('a simulated KLGA day: model outputs', () => {
  it('publishes features and a nowcast every minute', () => {
    expect(s.nowcasts).toHaveLength(1440);
    expect(s.features).toHaveLength(1440);
    const minutes = new Set(s.nowcasts.map((n) => Math.floor(n.received_ms / 60_000)));
    expect(minutes.size).toBe(1440);
    for (const f of s.features) expect(Object.keys(f.payload.staleness_s).sort()).toEqual(Object.keys(f.payload.features).sort());
    // Hourly inputs age through the hour and reset when a new run lands.
    const hrrr = s.features.map((f) => f.payload.staleness_s.hrrr_tmax_f!);
    expect(Math.max(...hrrr)).toBeGreaterThan(3000);
    expect(Math.min(...hrrr)).toBeLessThan(120);
  });

  it('has bucket probabilities over the market buckets summing to 1 within 1e-6', () => {
    for (const n of s.nowcasts) {
      expect(n.payload.p_bucket.map((b) => b.bucket)).toEqual(market.tokens.map((t) => t.bucket));
      const sum = n.payload.p_bucket.reduce((acc, b) => acc + b.p, 0);
      expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-6);
      const peak = n.payload.t_peak_bins.reduce((acc, b) => acc + b.p, 0);
      expect(Math.abs(peak - 1)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('never puts tmax below the highest METAR received so far', () => {
    let i = 0;
    let maxF = -Infinity;
    for (const n of s.nowcasts) {
      while (i < s.metars.length && s.metars[i]!.t <= n.received_ms) {
        const p = parseMetarReport(s.metars[i]!.raw, s.metars[i]!.t);
        if (Date.parse(p.obs_time_utc) >= DAY_START) maxF = Math.max(maxF, celsiusToFahrenheit(p.temp_c_precise!));
        i++;
      }
      expect(n.payload.tmax_mean).toBeGreaterThanOrEqual(maxF - 1e-9);
    }
  });

  it('grows more certain through the afternoon', () => {
    const meanSigma = (from: number, to: number) => {
      const xs = s.nowcasts.filter((n) => localH(n.received_ms) >= from && localH(n.received_ms) < to).map((n) => n.payload.sigma);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    expect(meanSigma(16, 18)).toBeLessThan(meanSigma(6, 8));
    expect(meanSigma(20, 24)).toBeLessThan(meanSigma(13, 15));
  });
});

describe('a simulated KLGA day: the market reacts', () => {
  /** METARs that set a new high for the day during the active hours, with the bucket they land in. */
  function newHighs() {
    let high = -Infinity;
    const out: { t: number; bucket: number }[] = [];
    for (const m of s.metars) {
      const p = parseMetarReport(m.raw, m.t);
      if (Date.parse(p.obs_time_utc) < DAY_START) continue;
      const f = celsiusToFahrenheit(p.temp_c_precise!);
      if (f > high && localH(m.t) >= 7 && localH(m.t) < 19) out.push({ t: m.t, bucket: bucketIndexOf(market.buckets, p.judge_aligned_temp!) });
      high = Math.max(high, f);
    }
    return out;
  }

  it('moves probability toward the bucket of a new high, in the nowcast and in the book mids', () => {
    const highs = newHighs();
    expect(highs.length).toBeGreaterThanOrEqual(2);
    let nowcastDelta = 0;
    let midDelta = 0;
    for (const h of highs) {
      const before = s.nowcasts.filter((n) => n.received_ms < h.t).at(-1)!;
      const after = s.nowcasts.find((n) => n.received_ms > h.t)!;
      nowcastDelta += after.payload.p_bucket[h.bucket]!.p - before.payload.p_bucket[h.bucket]!.p;
      midDelta += midAt(h.bucket, h.t + 60_000) - midAt(h.bucket, h.t - 2000);
    }
    expect(nowcastDelta / highs.length).toBeGreaterThan(0.01);
    expect(midDelta / highs.length).toBeGreaterThan(0.01);
  });

  it('bursts with activity in the minutes after a METAR', () => {
    const pcIn = (from: number, to: number) => {
      let n = 0;
      for (let i = Math.floor((from - DAY_START) / 1000); i < Math.floor((to - DAY_START) / 1000); i++) n += s.pcPerSecond[i]!;
      return n;
    };
    let before = 0;
    let after = 0;
    for (const m of s.metars.filter((x) => localH(x.t) >= 7 && localH(x.t) < 22)) {
      before += pcIn(m.t - 5 * 60_000, m.t - 60_000);
      after += pcIn(m.t + 5000, m.t + 4 * 60_000 + 5000);
    }
    expect(after).toBeGreaterThan(before * 1.3);
  });

  it('drops the connection now and then and resends a fresh book for every token after reconnecting', () => {
    const downs = s.connection.filter((c) => c.state === 'down');
    expect(downs.length).toBeGreaterThanOrEqual(1);
    for (const d of downs) {
      const up = s.connection.find((c) => c.state === 'up' && c.t > d.t)!;
      expect(up.t - d.t).toBeGreaterThanOrEqual(2000);
      expect(up.t - d.t).toBeLessThanOrEqual(8000);
    }
    expect(s.clobBetweenDownAndUp).toBe(0);
    // The initial connect plus one per reconnect.
    expect(s.bookFirstAfterUp).toHaveLength(downs.length + 1);
    expect(s.bookFirstAfterUp.every(Boolean)).toBe(true);
  });
});
