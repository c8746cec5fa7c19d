/**
 * What the time-series panels draw beyond "now": per token mid/microprice, trades, METARs and the
 * nowcast's evolution. Two sources fill it:
 *  - the events the channel store gets (`ingest`, one price point per second), identically live and
 *    in replay;
 *  - in replay, the whole day read from its row groups (`setDay`, `day-charts.ts`): prices downsampled to
 *    `step_s` buckets, every trade, nowcast and METAR of the day.
 * Kept mutable and outside zustand on purpose: a day is up to 86 400 points per token, and the
 * chart only needs to know *what changed* (appends vs. a rewrite), which `SortedSeries` tracks.
 */
import type { AnyEvent, Nowcast1m } from '../../../shared/schemas';
import { lowerBound, upperBound } from '../../../shared/sorted';
import { ingestMs } from '../../../shared/event-time';

/** Points sorted by time (seconds), one per second; appends are cheap, inserts count as rewrites. */
export class SortedSeries<V> {
  readonly t: number[] = [];
  readonly v: V[] = [];
  /** Bumped whenever a point is inserted before the end or replaced: consumers must redraw all. */
  rewrites = 0;

  /** `same` (optional) says when a point already at `t` holds this value: then nothing changes. */
  put(t: number, value: V, same?: (held: V, value: V) => boolean): void {
    const n = this.t.length;
    if (n === 0 || t > this.t[n - 1]!) {
      this.t.push(t);
      this.v.push(value);
      return;
    }
    const i = lowerBound(this.t, t);
    if (this.t[i] === t) {
      if (same?.(this.v[i]!, value)) return;
      this.v[i] = value;
    } else {
      this.t.splice(i, 0, t);
      this.v.splice(i, 0, value);
    }
    this.rewrites++;
  }

  get length(): number {
    return this.t.length;
  }

  /** Index of the last point at or before `t`, or -1. */
  indexAtOrBefore(t: number): number {
    return upperBound(this.t, t) - 1;
  }
}

export interface PricePoint {
  mid: number | null;
  microprice: number | null;
  /** book_ok: false while the book was not trustworthy (drawn dimmed). */
  ok: boolean;
}

export interface TradePoint {
  event_id: string;
  p: number;
  s: number;
  side: 'buy' | 'sell' | null;
}

export interface MetarPoint {
  event_id: string;
  raw: string;
  judge_aligned_temp: number | null;
  /** When the report was observed (epoch ms), which settles the day it counts for; null if not recorded. */
  obs_ms: number | null;
}

/** The replayed day's whole-day series (`day-charts.ts`), as `setDay` takes them. */
export interface DayChartData {
  step_s: number;
  price: ReadonlyMap<string, { t: readonly number[]; mid: readonly (number | null)[]; micro: readonly (number | null)[]; ok: readonly boolean[] }>;
  trades: ReadonlyArray<TradePoint & { ms: number; token_id: string }>;
  nowcast: ReadonlyArray<NowcastPoint & { ms: number }>;
  metars: ReadonlyArray<MetarPoint & { ms: number }>;
}

export interface NowcastPoint {
  tmax_mean: number;
  sigma: number;
  confidence: number;
  /** The model's probability per bucket label, in the market's bucket order. */
  p_bucket: ReadonlyArray<{ bucket: string; p: number }>;
}

export class History {
  /** One point per second, from the events played (live, or replay around the cursor). */
  readonly price = new Map<string, SortedSeries<PricePoint>>();
  readonly trades = new Map<string, SortedSeries<TradePoint[]>>();
  readonly nowcast = new SortedSeries<NowcastPoint>();
  readonly metars = new SortedSeries<MetarPoint>();
  /** The replayed day's prices over the whole day, one point per `step_s` bucket (once loaded). */
  day: { step_s: number; price: Map<string, SortedSeries<PricePoint>> } | null = null;
  /** Bumped on every ingest/clear so subscribers know to look. */
  revision = 0;

  ingest(events: readonly AnyEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) {
      const sec = Math.floor(ingestMs(e) / 1000);
      switch (e.ch) {
        case 'l2_snap_1s':
          seriesOf(this.price, e.token_id).put(sec, { mid: e.mid, microprice: e.microprice, ok: e.book_ok });
          break;
        case 'tape_trades':
          this.putTrade(e.token_id, sec, { event_id: e.event_id, p: e.p, s: e.s, side: e.side });
          break;
        case 'nowcast_1m':
          // played over the whole day's (replay): the same nowcast again changes nothing
          this.nowcast.put(sec, nowcastPoint(e), sameNowcast);
          break;
        case 'metar_obs':
          this.metars.put(sec, { event_id: e.event_id, raw: e.raw, judge_aligned_temp: e.judge_aligned_temp, obs_ms: e.obs_time_utc ? Date.parse(e.obs_time_utc) : null }, (a, b) => a.event_id === b.event_id);
          break;
        default:
          break;
      }
    }
    this.revision++;
  }

  /** The whole day (replay): prices per bucket, and every trade, nowcast and METAR of the day. */
  setDay(data: DayChartData): void {
    const price = new Map<string, SortedSeries<PricePoint>>();
    for (const [token, s] of data.price) {
      const series = new SortedSeries<PricePoint>();
      for (let i = 0; i < s.t.length; i++) series.put(s.t[i]!, { mid: s.mid[i] ?? null, microprice: s.micro[i] ?? null, ok: s.ok[i] ?? true });
      price.set(token, series);
    }
    this.day = { step_s: data.step_s, price };
    for (const t of data.trades) this.putTrade(t.token_id, Math.floor(t.ms / 1000), { event_id: t.event_id, p: t.p, s: t.s, side: t.side });
    for (const n of data.nowcast) this.nowcast.put(Math.floor(n.ms / 1000), { tmax_mean: n.tmax_mean, sigma: n.sigma, confidence: n.confidence, p_bucket: n.p_bucket });
    for (const m of data.metars) this.metars.put(Math.floor(m.ms / 1000), { event_id: m.event_id, raw: m.raw, judge_aligned_temp: m.judge_aligned_temp, obs_ms: m.obs_ms });
    this.revision++;
  }

  private putTrade(token: string, sec: number, trade: TradePoint): void {
    const series = seriesOf(this.trades, token);
    const i = series.indexAtOrBefore(sec);
    if (i >= 0 && series.t[i] === sec) {
      const list = series.v[i]!;
      if (!list.some((t) => t.event_id === trade.event_id)) {
        list.push(trade);
        series.rewrites++; // the list changed in place
      }
    } else series.put(sec, [trade]);
  }

  clear(): void {
    this.day = null;
    this.price.clear();
    this.trades.clear();
    this.nowcast.t.length = 0;
    this.nowcast.v.length = 0;
    this.nowcast.rewrites++;
    this.metars.t.length = 0;
    this.metars.v.length = 0;
    this.metars.rewrites++;
    this.revision++;
  }
}

function sameNowcast(a: NowcastPoint, b: NowcastPoint): boolean {
  return (
    a.tmax_mean === b.tmax_mean &&
    a.sigma === b.sigma &&
    a.confidence === b.confidence &&
    a.p_bucket.length === b.p_bucket.length &&
    a.p_bucket.every((x, i) => x.bucket === b.p_bucket[i]!.bucket && x.p === b.p_bucket[i]!.p)
  );
}

function nowcastPoint(e: Nowcast1m): NowcastPoint {
  return { tmax_mean: e.tmax_mean, sigma: e.sigma, confidence: e.confidence, p_bucket: e.p_bucket };
}

function seriesOf<V>(map: Map<string, SortedSeries<V>>, key: string): SortedSeries<V> {
  let s = map.get(key);
  if (!s) {
    s = new SortedSeries<V>();
    map.set(key, s);
  }
  return s;
}
