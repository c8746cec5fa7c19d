/**
 * What the time-series panels draw beyond "now": per token mid/microprice (one point per second),
 * trades, and the nowcast's evolution. Built from the same events the channel store gets, so it
 * works identically live and in replay. Kept mutable and outside zustand on purpose: a day is up to
 * 86 400 points per token, and the chart only needs to know *what changed* (appends vs. a rewrite
 * after a seek backwards), which `SortedSeries` tracks.
 */
import type { AnyEvent, MetarObs, Nowcast1m, TapeTrade } from '../../../shared/schemas';

/** Points sorted by time (seconds), one per second; appends are cheap, inserts count as rewrites. */
export class SortedSeries<V> {
  readonly t: number[] = [];
  readonly v: V[] = [];
  /** Bumped whenever a point is inserted before the end or replaced: consumers must redraw all. */
  rewrites = 0;

  put(t: number, value: V): void {
    const n = this.t.length;
    if (n === 0 || t > this.t[n - 1]!) {
      this.t.push(t);
      this.v.push(value);
      return;
    }
    const i = lowerBound(this.t, t);
    if (this.t[i] === t) this.v[i] = value;
    else {
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

export function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface PricePoint {
  mid: number | null;
  microprice: number | null;
}

export interface NowcastPoint {
  tmax_mean: number;
  sigma: number;
  confidence: number;
}

export class History {
  readonly price = new Map<string, SortedSeries<PricePoint>>();
  readonly trades = new Map<string, SortedSeries<TapeTrade[]>>();
  readonly nowcast = new SortedSeries<NowcastPoint>();
  readonly metars = new SortedSeries<MetarObs>();
  /** Bumped on every ingest/clear so subscribers know to look. */
  revision = 0;

  ingest(events: readonly AnyEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) {
      const sec = Math.floor(Date.parse(e.ts_ingest_utc) / 1000);
      switch (e.ch) {
        case 'l2_snap_1s':
          seriesOf(this.price, e.token_id).put(sec, { mid: e.mid, microprice: e.microprice });
          break;
        case 'tape_trades': {
          const series = seriesOf(this.trades, e.token_id);
          const i = series.indexAtOrBefore(sec);
          if (i >= 0 && series.t[i] === sec) {
            const list = series.v[i]!;
            if (!list.some((t) => t.event_id === e.event_id)) list.push(e);
          } else series.put(sec, [e]);
          break;
        }
        case 'nowcast_1m':
          this.nowcast.put(sec, nowcastPoint(e));
          break;
        case 'metar_obs':
          this.metars.put(sec, e);
          break;
        default:
          break;
      }
    }
    this.revision++;
  }

  /** Whether the price history already has (nearly) every second of [fromMs, toMs]. */
  coversPrices(fromMs: number, toMs: number): boolean {
    const series = this.price.values().next().value;
    if (!series) return false;
    const seconds = (toMs - fromMs) / 1000;
    const have = upperBound(series.t, toMs / 1000) - lowerBound(series.t, fromMs / 1000);
    return have >= seconds * 0.9;
  }

  clear(): void {
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

function nowcastPoint(e: Nowcast1m): NowcastPoint {
  return { tmax_mean: e.tmax_mean, sigma: e.sigma, confidence: e.confidence };
}

function seriesOf<V>(map: Map<string, SortedSeries<V>>, key: string): SortedSeries<V> {
  let s = map.get(key);
  if (!s) {
    s = new SortedSeries<V>();
    map.set(key, s);
  }
  return s;
}
