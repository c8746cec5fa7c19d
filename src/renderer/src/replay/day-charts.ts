/**
 * The charts' whole-day series (price per token, trades, nowcast evolution, METARs), read straight
 * from the day's row groups: each one decoded by parquet-wasm with only the columns a chart draws,
 * folded into the series, then dropped. No SQL engine is needed for them, so DuckDB-WASM (a few
 * hundred MB once a day is loaded into it) starts only when the SQL console is used.
 */
import { tableFromIPC, type Table, type Vector } from 'apache-arrow';
import type { Channel } from '../../../shared/channels';
import type { Manifest } from '../../../shared/manifest';
import { rowGroupSpans } from '../../../shared/players/day-spans';
import { plainValue } from './arrow-events';
import type { Decoder } from './decoder';

/** Width of a price bucket in the charts' whole-day series. */
export const PRICE_STEP_S = 10;

/** Per token, the first snapshot of each `PRICE_STEP_S` bucket (a decimation of the 1 s series). */
export interface PriceSeries {
  /** Bucket start, epoch seconds, ascending. */
  t: number[];
  mid: (number | null)[];
  micro: (number | null)[];
  /** That snapshot's book_ok. */
  ok: boolean[];
}

export interface DayCharts {
  step_s: number;
  price: Map<string, PriceSeries>;
  trades: Array<{ ms: number; event_id: string; token_id: string; p: number; s: number; side: 'buy' | 'sell' | null }>;
  nowcast: Array<{ ms: number; tmax_mean: number; sigma: number; confidence: number; p_bucket: Array<{ bucket: string; p: number }> }>;
  metars: Array<{ ms: number; event_id: string; raw: string; judge_aligned_temp: number | null; obs_ms: number | null }>;
}

/** What each chart reads of its channel. */
export const CHART_COLUMNS = {
  nowcast_1m: ['ts_ingest_utc', 'event_id', 'tmax_mean', 'sigma', 'confidence', 'p_bucket'],
  metar_obs: ['ts_ingest_utc', 'event_id', 'raw', 'judge_aligned_temp', 'obs_time_utc'],
  tape_trades: ['ts_ingest_utc', 'event_id', 'token_id', 'p', 's', 'side'],
  l2_snap_1s: ['ts_ingest_utc', 'token_id', 'mid', 'microprice', 'book_ok'],
} as const satisfies Partial<Record<Channel, readonly string[]>>;

export type ChartChannel = keyof typeof CHART_COLUMNS;
/** Read in this order: the small channels first, so most charts fill early. */
export const CHART_CHANNELS = Object.keys(CHART_COLUMNS) as ChartChannel[];

export interface DayChartsOptions {
  /** Resolves when no seek is being answered (the reads never delay one). */
  whenQuiet: () => Promise<void>;
  /** Whether the day is closed (stop reading). */
  closed: () => boolean;
  isDamaged?: (ch: Channel) => boolean;
  /** A channel whose file failed to decode (left out of the series); without it, the read fails. */
  onDamage?: (ch: Channel, error: unknown) => void;
  /** Rows read so far, after each row group. */
  onRows?: (rows: number) => void;
}

/** Epoch µs of a timestamp column's row (exact: a day's µs stay below 2^53). */
function microsReader(v: Vector | null): (i: number) => number | null {
  if (!v) return () => null;
  return (i) => {
    const x = v.get(i) as number | bigint | null; // Arrow gives ms (fractional below the ms)
    return x === null ? null : Math.round(Number(x) * 1000);
  };
}

/** The value of a column's row as the SQL console would show it (bigints as numbers, nested as JSON). */
function valueReader(table: Table, name: string): (i: number) => unknown {
  const v = table.getChild(name);
  if (!v) return () => null;
  const type = String(v.type);
  return (i) => plainValue(v.get(i), type);
}

/** Sorts rows the way the SQL did: by ingest time (µs), then event id. */
const byTimeThenId = <T extends { us: number; event_id: string }>(a: T, b: T) => a.us - b.us || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0);

/** Reads every row group of the chart channels the day has (damaged ones left out) into the charts' series. */
export async function readDayCharts(manifest: Manifest, decoder: Decoder, options: DayChartsOptions): Promise<DayCharts> {
  const prices = new Map<string, Map<number, { us: number; mid: number | null; micro: number | null; ok: boolean }>>();
  const trades: Array<DayCharts['trades'][number] & { us: number }> = [];
  const nowcast: Array<DayCharts['nowcast'][number] & { us: number; event_id: string }> = [];
  const metars: Array<DayCharts['metars'][number] & { us: number }> = [];

  const fold: Record<ChartChannel, (t: Table) => void> = {
    l2_snap_1s: (t) => {
      const us = microsReader(t.getChild('ts_ingest_utc'));
      const token = valueReader(t, 'token_id');
      const mid = valueReader(t, 'mid');
      const micro = valueReader(t, 'microprice');
      const ok = valueReader(t, 'book_ok');
      for (let i = 0; i < t.numRows; i++) {
        const at = us(i);
        if (at === null) continue;
        const id = token(i) as string;
        let buckets = prices.get(id);
        if (!buckets) prices.set(id, (buckets = new Map()));
        const bucket = Math.floor(Math.floor(at / 1000) / (PRICE_STEP_S * 1000)) * PRICE_STEP_S;
        const held = buckets.get(bucket);
        if (held && held.us <= at) continue;
        buckets.set(bucket, { us: at, mid: mid(i) as number | null, micro: micro(i) as number | null, ok: ok(i) !== false });
      }
    },
    tape_trades: (t) => {
      const us = microsReader(t.getChild('ts_ingest_utc'));
      const [id, token, p, s, side] = ['event_id', 'token_id', 'p', 's', 'side'].map((c) => valueReader(t, c));
      for (let i = 0; i < t.numRows; i++) {
        const at = us(i)!;
        trades.push({ us: at, ms: Math.floor(at / 1000), event_id: id!(i) as string, token_id: token!(i) as string, p: p!(i) as number, s: s!(i) as number, side: side!(i) as 'buy' | 'sell' | null });
      }
    },
    nowcast_1m: (t) => {
      const us = microsReader(t.getChild('ts_ingest_utc'));
      const [id, mean, sigma, confidence, buckets] = ['event_id', 'tmax_mean', 'sigma', 'confidence', 'p_bucket'].map((c) => valueReader(t, c));
      for (let i = 0; i < t.numRows; i++) {
        const at = us(i)!;
        nowcast.push({
          us: at,
          ms: Math.floor(at / 1000),
          event_id: id!(i) as string,
          tmax_mean: mean!(i) as number,
          sigma: sigma!(i) as number,
          confidence: confidence!(i) as number,
          p_bucket: buckets!(i) as Array<{ bucket: string; p: number }>,
        });
      }
    },
    metar_obs: (t) => {
      const us = microsReader(t.getChild('ts_ingest_utc'));
      const obs = microsReader(t.getChild('obs_time_utc'));
      const [id, raw, temp] = ['event_id', 'raw', 'judge_aligned_temp'].map((c) => valueReader(t, c));
      for (let i = 0; i < t.numRows; i++) {
        const at = us(i)!;
        const observed = obs(i);
        metars.push({
          us: at,
          ms: Math.floor(at / 1000),
          event_id: id!(i) as string,
          raw: raw!(i) as string,
          judge_aligned_temp: temp!(i) as number | null,
          obs_ms: observed === null ? null : Math.floor(observed / 1000),
        });
      }
    },
  };

  /** A channel whose file fails to decode is left out whole, as if the day did not have it. */
  const forget: Record<ChartChannel, () => void> = {
    l2_snap_1s: () => prices.clear(),
    tape_trades: () => (trades.length = 0),
    nowcast_1m: () => (nowcast.length = 0),
    metar_obs: () => (metars.length = 0),
  };

  for (const ch of CHART_CHANNELS) {
    const channel = manifest.channels[ch];
    if (!channel || channel.rows === 0 || options.isDamaged?.(ch)) continue;
    try {
      for (const group of rowGroupSpans(channel)) {
        await options.whenQuiet();
        if (options.closed()) throw new Error('the day was closed');
        const ipc = await decoder.decode(ch, group.part, [group.index], { columns: [...CHART_COLUMNS[ch]], skipMissingColumns: true, priority: 'background' });
        fold[ch](tableFromIPC(ipc));
        options.onRows?.(group.rows);
      }
    } catch (e) {
      if (options.closed() || !options.onDamage) throw e;
      forget[ch]();
      options.onDamage(ch, e);
    }
  }

  const price = new Map<string, PriceSeries>();
  for (const token of [...prices.keys()].sort()) {
    const s: PriceSeries = { t: [], mid: [], micro: [], ok: [] };
    for (const [t, p] of [...prices.get(token)!].sort((a, b) => a[0] - b[0])) {
      s.t.push(t);
      s.mid.push(p.mid);
      s.micro.push(p.micro);
      s.ok.push(p.ok);
    }
    price.set(token, s);
  }
  const strip = <T extends { us: number }>(rows: T[]) => rows.map(({ us: _us, ...rest }) => rest);
  return {
    step_s: PRICE_STEP_S,
    price,
    trades: strip(trades.sort(byTimeThenId)),
    nowcast: strip(nowcast.sort(byTimeThenId)).map(({ event_id: _id, ...rest }) => rest),
    metars: strip(metars.sort(byTimeThenId)),
  };
}
