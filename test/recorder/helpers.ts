/**
 * Hand-made upstream messages for the recorder tests: a tiny venue that keeps its own books so the
 * best bid/ask it reports are right (unless a test lies on purpose), plus METAR/PWS/model inputs.
 */
import { Recorder, type RecordedHistory, type Rejection } from '../../src/services/recorder/recorder';
import { resolveRecordingConfig, type RecordingConfigInput } from '../../src/services/recorder/config';
import type { MarketToken, SourceMessage } from '../../src/services/sources/source';
import type { AnyEvent, EventOf } from '../../src/shared/schemas';
import type { Channel } from '../../src/shared/channels';

/** 2026-01-29 12:00:00 in New York (EST, UTC−5). */
export const T0 = Date.UTC(2026, 0, 29, 17, 0, 0);
export const MARKET = '0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1';
export const TOKENS: MarketToken[] = [
  { token_id: '1111', market_id: MARKET, bucket: '34-35°F' },
  { token_id: '2222', market_id: MARKET, bucket: '36-37°F' },
];
export const [A, B] = TOKENS.map((t) => t.token_id) as [string, string];

type Side = 'BUY' | 'SELL';
const str = (x: number) => String(Math.round(x * 1e6) / 1e6);

export class Venue {
  private readonly books = new Map<string, { bids: Map<number, number>; asks: Map<number, number> }>();
  private n = 0;

  private bookOf(token: string) {
    let b = this.books.get(token);
    if (!b) this.books.set(token, (b = { bids: new Map(), asks: new Map() }));
    return b;
  }

  best(token: string): { bid: number; ask: number } {
    const b = this.bookOf(token);
    const bids = [...b.bids.keys()];
    const asks = [...b.asks.keys()];
    return { bid: bids.length ? Math.max(...bids) : 0, ask: asks.length ? Math.min(...asks) : 1 };
  }

  /** Replace a token's book; returns the `book` wire fields. */
  setBook(token: string, bids: [number, number][], asks: [number, number][]) {
    const b = this.bookOf(token);
    b.bids = new Map(bids);
    b.asks = new Map(asks);
    return {
      asset_id: token,
      market: MARKET,
      bids: bids.map(([p, s]) => ({ price: str(p), size: str(s) })),
      asks: asks.map(([p, s]) => ({ price: str(p), size: str(s) })),
      timestamp: String(T0),
      hash: `book-${++this.n}`,
    };
  }

  bookMessage(token: string, at: number, bids: [number, number][], asks: [number, number][]): SourceMessage {
    return { kind: 'clob', received_ms: at, message: { event_type: 'book', ...this.setBook(token, bids, asks), timestamp: String(at - 5) } };
  }

  restBook(token: string, at: number, bids: [number, number][], asks: [number, number][]): SourceMessage {
    return { kind: 'clob_rest_book', received_ms: at, book: { ...this.setBook(token, bids, asks), timestamp: String(at - 5) } };
  }

  /**
   * A price_change batch. Each change is [token, side, price, size]; best bid/ask are the venue's
   * after the change unless `lie` overrides the last one's.
   */
  change(at: number, changes: [string, Side, number, number][], lie?: { best_bid: number; best_ask: number }): SourceMessage {
    const price_changes = changes.map(([token, side, p, s], i) => {
      const levels = side === 'BUY' ? this.bookOf(token).bids : this.bookOf(token).asks;
      if (s > 0) levels.set(p, s);
      else levels.delete(p);
      const best = this.best(token);
      const reported = lie && i === changes.length - 1 ? lie : { best_bid: best.bid, best_ask: best.ask };
      return {
        asset_id: token,
        price: str(p),
        size: str(s),
        side,
        hash: `pc-${++this.n}`,
        best_bid: str(reported.best_bid),
        best_ask: str(reported.best_ask),
      };
    });
    return { kind: 'clob', received_ms: at, message: { event_type: 'price_change', market: MARKET, price_changes, timestamp: String(at - 5) } };
  }

  trade(at: number, token: string, price: number, size: number, side: Side): SourceMessage {
    return {
      kind: 'clob',
      received_ms: at,
      message: { event_type: 'last_trade_price', asset_id: token, market: MARKET, price: str(price), size: str(size), side, timestamp: String(at - 5) },
    };
  }
}

/** A standard two-sided book around `mid` with `size` shares per level, 10 levels a side, 1-tick spread... */
export function ladder(mid: number, size = 500, spreadTicks = 2): { bids: [number, number][]; asks: [number, number][] } {
  const half = spreadTicks / 2;
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    bids.push([Math.round((mid - (half + i) * 0.01) * 100) / 100, size]);
    asks.push([Math.round((mid + (half + i) * 0.01) * 100) / 100, size]);
  }
  return { bids, asks };
}

export function metar(at: number, raw: string): SourceMessage {
  return { kind: 'metar', received_ms: at, raw };
}

/** A KLGA METAR observed at `obsMs` (minute 51 style), temperature in tenths via the T-group. */
export function klgaMetar(obsMs: number, tempTenths = -22): string {
  const d = new Date(obsMs);
  const dd = String(d.getUTCDate()).padStart(2, '0');
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const sign = tempTenths < 0 ? 'M' : '';
  const whole = String(Math.round(Math.abs(tempTenths) / 10)).padStart(2, '0');
  const tgroup = `T${tempTenths < 0 ? '1' : '0'}${String(Math.abs(tempTenths)).padStart(3, '0')}1111`;
  return `KLGA ${dd}${hh}${mm}Z 31012KT 10SM FEW250 ${sign}${whole}/${'M'}11 A3012 RMK AO2 SLP199 ${tgroup}`;
}

export function pws(at: number, readings: [string, number][], obsMs = at): SourceMessage {
  return { kind: 'pws', received_ms: at, readings: readings.map(([pws_id, temp_f]) => ({ pws_id, temp_f, obs_time_ms: obsMs })) };
}

export function features(at: number): SourceMessage {
  return {
    kind: 'features',
    received_ms: at,
    payload: { model_run: 'hrrr-2026012916', features: { wind_kt: 12, cloud_frac: 0.2, sst_c: 4.1 }, staleness_s: { wind_kt: 60, cloud_frac: 600, sst_c: 3600 } },
  };
}

export function nowcast(at: number, p = [0.2, 0.5, 0.3]): SourceMessage {
  return {
    kind: 'nowcast',
    received_ms: at,
    payload: {
      tmax_mean: 35.2,
      sigma: 1.1,
      p_bucket: [
        { bucket: '≤33°F', p: p[0]! },
        { bucket: '34-35°F', p: p[1]! },
        { bucket: '≥36°F', p: p[2]! },
      ],
      t_peak_bins: [
        { bin: '14:00', p: 0.6 },
        { bin: '15:00', p: 0.4 },
      ],
      confidence: 0.7,
      qc_state: 'OK',
    },
  };
}

/**
 * One message of every other input after token A's book: a METAR, a book change, a trade, PWS,
 * features, a nowcast, and a change that carries the venue's best bid/ask. With the book and
 * `finish`, the recorder has then emitted all ten channels (the tests that use it check so).
 */
export function ingestEveryInput(recorder: Pick<Recorder, 'ingest'>, v: Venue): void {
  recorder.ingest(metar(T0 + 1_000, klgaMetar(T0)));
  recorder.ingest(v.change(T0 + 1_500, [[A, 'BUY', 0.49, 900]]));
  recorder.ingest(v.trade(T0 + 1_600, A, 0.51, 5, 'BUY'));
  recorder.ingest(pws(T0 + 2_000, [['P1', 35], ['P2', 36]]));
  recorder.ingest(features(T0 + 2_500));
  recorder.ingest(nowcast(T0 + 2_600));
  recorder.ingest(v.change(T0 + 2_700, [[A, 'BUY', 0.42, 1]], { best_bid: 0.1, best_ask: 0.51 }));
}

export interface Harness {
  recorder: Recorder;
  events: AnyEvent[];
  rejections: Rejection[];
  requests: string[];
  of<C extends Channel>(ch: C): EventOf<C>[];
}

export function harness(config: RecordingConfigInput = {}, startMs = T0, options: { requestBook?: boolean; tokens?: MarketToken[]; history?: RecordedHistory } = {}): Harness {
  const events: AnyEvent[] = [];
  const rejections: Rejection[] = [];
  const requests: string[] = [];
  const recorder = new Recorder({
    station_id: 'KLGA',
    tokens: options.tokens ?? TOKENS,
    config: resolveRecordingConfig(config),
    history: options.history,
    startMs,
    emit: (e) => events.push(e),
    reject: (r) => rejections.push(r),
    requestBook: options.requestBook === false ? undefined : (t) => requests.push(t),
  });
  return { recorder, events, rejections, requests, of: (ch) => events.filter((e) => e.ch === ch) as never };
}

export const ms = (iso: string) => Date.parse(iso);
