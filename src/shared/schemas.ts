/**
 * zod schemas of every channel (docs/spec.md §2) on top of the envelope (§3). Each channel has a
 * current version; older versions live in `legacy-schemas.ts` with their upgrade to the next one.
 * `registry.ts` is the one entry point that parses, upgrades and rejects.
 */
import { z } from 'zod';
import { DATE_PATTERN, ISO_UTC_PATTERN, ISO_ZONED_PATTERN } from './time';
import { UUID_PATTERN } from './uuid';
import { STATION_ID_PATTERN } from './stations';
import type { Channel } from './channels';
import type { Level } from './book';

export const isoUtc = z.string().regex(ISO_UTC_PATTERN, 'expected ISO-8601 UTC timestamp ending in Z');
export const isoZoned = z.string().regex(ISO_ZONED_PATTERN, 'expected ISO-8601 local time with offset');
const uuid = z.string().regex(UUID_PATTERN, 'expected a UUID');
export const id = z.string().min(1).max(200);
export const price = z.number().min(0).max(1);
/**
 * A non-negative amount (shares, knots, miles) within the safe integers, where a JS number still
 * counts exactly in units (docs/spec.md §2: sizes and counts within safe integers; `count`'s int() already is).
 */
export const size = z.number().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const finite = z.number().refine(Number.isFinite, 'expected a finite number');
export const count = z.number().int().nonnegative();

/** Fields every event carries. `station_id` is always present: it decides the partition. */
export const envelopeShape = {
  event_id: uuid,
  correlation_id: id,
  ts_ingest_utc: isoUtc,
  ts_nyc: isoZoned,
  ts_es: isoZoned,
  station_id: z.string().regex(STATION_ID_PATTERN, 'expected an ICAO station id'),
  market_id: id.optional(),
  token_id: id.optional(),
  window_id: id.optional(),
  obs_time_utc: isoUtc.optional(),
};

export function channelSchema<C extends Channel, V extends number, S extends z.ZodRawShape>(ch: C, version: V, shape: S) {
  return z
    .object({ schema_version: z.literal(version), ch: z.literal(ch) })
    .extend(envelopeShape)
    .extend(shape);
}

export const levelSchema = z.object({ p: price, s: size });
export const MAX_LEVELS = 200;

/**
 * Book sides, validated by hand: they are most of every L2 line, and a plain loop is ~8× cheaper
 * than z.array(z.object(…)) — the compactor validates millions of them. Same rules and error
 * paths as `z.array(levelSchema).max(MAX_LEVELS)` (with sizes up to `maxSize`). It only checks,
 * never rewrites the value (keys other than p/s inside a level are left as given; the Parquet
 * columns ignore them), so the compactor can still pass valid lines to DuckDB byte for byte.
 */
export function levelsUpTo(maxSize: number) {
  return z.custom<Level[]>().superRefine((value, ctx) => {
    if (!Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected an array of {p, s} levels' });
      return;
    }
    if (value.length > MAX_LEVELS) {
      ctx.addIssue({ code: 'custom', message: `expected at most ${MAX_LEVELS} levels` });
      return;
    }
    for (let i = 0; i < value.length; i++) {
      const level: unknown = value[i];
      const p = (level as Partial<Level> | null)?.p;
      const s = (level as Partial<Level> | null)?.s;
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
        ctx.addIssue({ code: 'custom', path: [i, 'p'], message: 'expected a price in [0, 1]' });
        return;
      }
      if (typeof s !== 'number' || !(s >= 0 && s <= maxSize)) {
        ctx.addIssue({ code: 'custom', path: [i, 's'], message: `expected a size in [0, ${maxSize}]` });
        return;
      }
    }
  });
}
const levels = levelsUpTo(Number.MAX_SAFE_INTEGER);

const CANONICAL_LEVEL = String.raw`\{"p":(?:0(?:\.\d+)?|1(?:\.0+)?),"s":(?:0|[1-9]\d{0,14})(?:\.\d+)?\}`;
/** The pattern of `canonicalLevelsEnd`, for the compactor's whole-line patterns (services/compactor/canonical-scan.ts). */
export const CANONICAL_LEVELS_PATTERN = String.raw`\[(?:${CANONICAL_LEVEL}(?:,${CANONICAL_LEVEL}){0,${MAX_LEVELS - 1}})?\]`;
const CANONICAL_LEVELS = new RegExp(CANONICAL_LEVELS_PATTERN, 'y');

/**
 * Where a book side written canonically — as JSON.stringify writes valid levels: no spaces,
 * `[{"p":…,"s":…},…]`, p a plain decimal in [0, 1], s a plain decimal ≥ 0 with at most 15
 * integer digits (so below 2^53), at most MAX_LEVELS of them — that starts at `from` in `text` ends; -1 when the
 * text there is not one. Every text it accepts is valid for `levels` (tested), so the compactor
 * can check the bulk of an L2 line without building its level objects. Not accepting proves
 * nothing: such a side goes through JSON.parse and `levels` as usual.
 */
export function canonicalLevelsEnd(text: string, from: number): number {
  CANONICAL_LEVELS.lastIndex = from;
  return CANONICAL_LEVELS.test(text) ? CANONICAL_LEVELS.lastIndex : -1;
}

const nullablePrice = price.nullable();
export const QC_STATES = ['OK', 'DEGRADED', 'OUTLIER_LIKELY', 'STALE'] as const;
export const qcState = z.enum(QC_STATES);
export const WINDOW_REASONS = ['METAR', 'QC', 'MID_SHOCK', 'SPREAD_REGIME', 'DEPTH_CLIFF', 'MANUAL'] as const;
export const BOOK_EVENT_KINDS = ['BOOK_RESYNC_START', 'BOOK_RESYNC_DONE', 'GAP_DETECTED'] as const;
/** An upstream's connection state (services/sources/source.ts: SourceStatus). */
export const SOURCE_STATES = ['connecting', 'connected', 'reconnecting', 'stale', 'failing', 'not_configured', 'stopped'] as const;
export const MARKET_EVENT_KINDS = ['listed', 'unlisted', 'resolved'] as const;
const probability = z.number().min(0).max(1);

/** Probabilities of an exhaustive set of outcomes must sum to 1 ± 1e-6. */
const sumsToOne = [
  (rows: { p: number }[]) => Math.abs(rows.reduce((sum, r) => sum + r.p, 0) - 1) <= 1e-6,
  { message: 'probabilities must sum to 1 ± 1e-6' },
] as const;
const bucketProbabilities = z
  .array(z.object({ bucket: z.string().min(1).max(64), p: probability }))
  .min(1)
  .refine(...sumsToOne);
const peakTimeProbabilities = z
  .array(z.object({ bin: z.string().min(1).max(64), p: probability }))
  .min(1)
  .refine(...sumsToOne);
/** A parsed METAR field the report may not carry. */
export const reported = <T extends z.ZodType>(t: T) => t.nullable().default(null);

/**
 * A crossed book (best bid above best ask, spread < 0) is never a trusted one: the venue does not
 * trade through itself, so the mirror missed something. It is recorded with `book_ok: false`.
 */
export function isCrossed(spread: number | null): boolean {
  return spread !== null && spread < 0;
}

export function crossedIsFlagged(e: { spread: number | null; book_ok: boolean }): boolean {
  return !(isCrossed(e.spread) && e.book_ok);
}

export const l2Snap1s = channelSchema('l2_snap_1s', 3, {
  market_id: id,
  token_id: id,
  /**
   * The outcome this token pays on, as the market labels it (e.g. "34-35°F"); absent or null if
   * unknown. Optional rather than defaulted so the schema stays an identity (see the compactor).
   */
  bucket: z.string().min(1).max(64).nullable().optional(),
  seq: count,
  resync_epoch_id: count,
  bids: levels,
  asks: levels,
  best_bid: nullablePrice,
  best_ask: nullablePrice,
  mid: nullablePrice,
  spread: z.number().min(-1).max(1).nullable(),
  microprice: nullablePrice,
  imbalance: z.number().min(-1).max(1).nullable(),
  book_ok: z.boolean(),
}).refine(crossedIsFlagged, { message: 'a crossed book (spread < 0) must have book_ok: false', path: ['book_ok'] });

export const l2Deltas = channelSchema('l2_deltas', 2, {
  market_id: id,
  token_id: id,
  seq: count,
  side: z.enum(['bid', 'ask']),
  p: price,
  s: size,
  hash: z.string().max(200).nullable().optional(),
});

export const tapeTrades = channelSchema('tape_trades', 2, {
  market_id: id,
  token_id: id,
  p: price,
  s: size,
  side: z.enum(['buy', 'sell']).nullable(),
  trade_id: z.string().max(200).nullable(),
});

export const bookEvents = channelSchema('book_events', 1, {
  market_id: id,
  token_id: id,
  kind: z.enum(BOOK_EVENT_KINDS),
  resync_epoch_id: count,
  seq_before: count.nullable(),
  seq_after: count.nullable(),
  detail: z.string().max(2000),
});

export const cloudLayer = z.object({
  cover: z.enum(['SKC', 'CLR', 'NSC', 'NCD', 'FEW', 'SCT', 'BKN', 'OVC', 'VV']),
  base_ft: count.nullable(),
});

/**
 * METAR wind direction: whole tens of degrees, 0–360 (360 is north; 000 comes only with calm).
 * `asWindDirection` maps what a report or an older line says onto it.
 */
export const windDirection = z.number().int().min(0).max(360).multipleOf(10);

/** The direction to record: itself when valid, else null (the raw report keeps what was sent). */
export function asWindDirection(degrees: number | null | undefined): number | null {
  return windDirection.safeParse(degrees).success ? degrees! : null;
}

export const metarObs = channelSchema('metar_obs', 2, {
  obs_time_utc: isoUtc,
  report_type: z.enum(['METAR', 'SPECI']).default('METAR'),
  raw: z.string().min(4).max(2000),
  temp_c: reported(finite),
  dewpoint_c: reported(finite),
  /** null when the wind is variable (VRB), calm, or its direction is not whole tens of degrees. */
  wind_dir_deg: reported(windDirection),
  wind_kt: reported(size),
  gust_kt: reported(size),
  visibility_sm: reported(size),
  altim_inhg: reported(z.number().positive()),
  clouds: z.array(cloudLayer).default([]),
  /** From the remarks T-group (tenths of °C) when present. */
  temp_c_precise: reported(finite),
  /** Whole °F as the resolution source reports it (docs/spec.md §6). */
  judge_aligned_temp: reported(z.number().int()),
  qc: qcState.default('OK'),
});

/** Robust summary of the personal weather stations around the airport, in °F. */
export const pwsCluster = channelSchema('pws_cluster', 1, {
  obs_time_utc: isoUtc,
  median: finite,
  mad: z.number().nonnegative(),
  support: count,
  qc_state: qcState,
  pws_ids: z.array(z.string().max(64)).max(500).nullable(),
});

export const features1m = channelSchema('features_1m', 2, {
  model_run: z.string().max(200).nullable(),
  /** At least one feature: a features record without any is not a model output. */
  features: z.record(z.string().max(64), finite.nullable()).refine((f) => Object.keys(f).length > 0, 'expected at least one feature'),
  staleness_s: z.record(z.string().max(64), z.number().nonnegative()),
});

export const nowcast1m = channelSchema('nowcast_1m', 1, {
  tmax_mean: finite,
  sigma: z.number().nonnegative(),
  /** Bucket label → probability, in the market's bucket order. */
  p_bucket: bucketProbabilities,
  /** Local-time bin of the day's peak (e.g. "14:00") → probability. */
  t_peak_bins: peakTimeProbabilities,
  confidence: probability,
  qc_state: qcState,
});

export const health = channelSchema('health', 1, {
  /** Per-hop latency p99 in ms, e.g. clob_to_ingest, metar_to_ingest, source_to_recorder, ingest_to_journal. */
  latency_ms: z.record(z.string().max(64), z.number().nonnegative()),
  /** Seconds since each source last delivered something. */
  staleness_s: z.record(z.string().max(64), z.number().nonnegative()),
  reconnects: count,
  gaps: count,
  resyncs: count,
  queue_depth: count,
  queue_bytes: count,
  flush_ms_p99: z.number().nonnegative(),
  events_written: count,
  /** Events shed by the recorder since it started, per channel. */
  dropped: z.record(z.string().max(64), count),
  /** Source inputs refused since start (kept in quarantine with their reason), per input kind or upstream. */
  rejected: z.record(z.string().max(64), count).default({}),
  /**
   * Each upstream's connection state as its source last reported it, by source name (empty when
   * none did; absent or null in records written before the recorder kept them).
   */
  sources: z
    .array(z.object({ source: z.string().min(1).max(64), state: z.enum(SOURCE_STATES), detail: z.string().max(2000).nullable() }))
    .max(64)
    .nullable()
    .optional(),
  /** Failed journal write attempts since start (each retried; what could not be kept is in `dropped`). */
  write_errors: count.default(0),
  /** The journal write failure going on now — errno code (EROFS, ENOSPC, EACCES, …) and message — or null. */
  write_error_code: z.string().max(32).nullable().default(null),
  write_error: z.string().max(2000).nullable().default(null),
});

export const eventWindows = channelSchema('event_windows', 1, {
  window_id: id,
  reason: z.enum(WINDOW_REASONS),
  /** Every trigger that opened or extended the window, in order. */
  reasons: z.array(z.enum(WINDOW_REASONS)).min(1),
  start_ts: isoUtc,
  end_ts: isoUtc,
  state: z.enum(['open', 'closed']),
  detail: z.string().max(2000),
});

export const marketToken = z.object({ token_id: id, market_id: id, bucket: z.string().min(1).max(64).nullable() });
const isoDate = z.string().regex(DATE_PATTERN, 'expected a date YYYY-MM-DD');

/**
 * A market (one station-local date's event, one YES token per bucket) as the recorder followed it:
 *   listed    discovery listed it, or re-listed it with other rules, title or tokens: everything
 *             the venue said about it, the rules verbatim;
 *   unlisted  its tokens left the operating cone (after its day);
 *   resolved  the venue settled one of its bucket markets (envelope market_id): the winning asset
 *             and outcome ("Yes" on a bucket's YES token is the bucket that paid).
 */
export const markets = channelSchema('markets', 1, {
  kind: z.enum(MARKET_EVENT_KINDS),
  market_date: isoDate,
  /** The venue's id of the event (Polymarket Gamma `id`), its slug and title. */
  venue_event_id: z.string().max(200).nullable(),
  slug: z.string().max(500).nullable(),
  title: z.string().max(500).nullable(),
  /** Settlement rules as the venue states them (Gamma `description`), verbatim. */
  rules: z.string().max(100_000).nullable(),
  resolution_source: z.string().max(2000).nullable(),
  /** listed: one YES token per bucket, in the venue's bucket order; otherwise empty. */
  tokens: z.array(marketToken).max(200),
  winning_asset_id: z.string().max(200).nullable(),
  winning_outcome: z.string().max(64).nullable(),
  /** resolved: the bucket of the settled market. */
  bucket: z.string().min(1).max(64).nullable(),
  detail: z.string().max(2000),
});

export const CURRENT_SCHEMAS = {
  l2_snap_1s: l2Snap1s,
  l2_deltas: l2Deltas,
  tape_trades: tapeTrades,
  book_events: bookEvents,
  metar_obs: metarObs,
  pws_cluster: pwsCluster,
  features_1m: features1m,
  nowcast_1m: nowcast1m,
  health,
  event_windows: eventWindows,
  markets,
} as const satisfies Record<Channel, z.ZodType>;

export type EventOf<C extends Channel> = z.output<(typeof CURRENT_SCHEMAS)[C]>;
export type AnyEvent = { [C in Channel]: EventOf<C> }[Channel];

export type L2Snapshot = EventOf<'l2_snap_1s'>;
export type L2Delta = EventOf<'l2_deltas'>;
export type TapeTrade = EventOf<'tape_trades'>;
export type BookEvent = EventOf<'book_events'>;
export type MetarObs = EventOf<'metar_obs'>;
export type PwsCluster = EventOf<'pws_cluster'>;
export type Features1m = EventOf<'features_1m'>;
export type Nowcast1m = EventOf<'nowcast_1m'>;
export type Health = EventOf<'health'>;
export type EventWindow = EventOf<'event_windows'>;
export type MarketsEvent = EventOf<'markets'>;
export type SourceStateName = (typeof SOURCE_STATES)[number];
export type WindowReason = (typeof WINDOW_REASONS)[number];
export type QcState = (typeof QC_STATES)[number];

/** The fields of an event that the envelope stamps; a payload is everything else. */
export type EnvelopeKey = 'schema_version' | 'ch' | 'event_id' | 'ts_ingest_utc' | 'ts_nyc' | 'ts_es';
export type PayloadOf<C extends Channel> = Omit<EventOf<C>, EnvelopeKey | 'correlation_id'> & {
  correlation_id?: string;
};

export const CURRENT_VERSION = Object.fromEntries(
  Object.entries(CURRENT_SCHEMAS).map(([ch, schema]) => [ch, schema.shape.schema_version.value]),
) as { [C in Channel]: number };

/** Each channel's fields that hold book sides (checked by `levels`): l2_snap_1s → bids, asks. */
export const LEVEL_FIELDS = Object.fromEntries(
  Object.entries(CURRENT_SCHEMAS).map(([ch, schema]) => [
    ch,
    Object.entries(schema.shape as Record<string, unknown>).flatMap(([field, s]) => (s === levels ? [field] : [])),
  ]),
) as { [C in Channel]: string[] };
