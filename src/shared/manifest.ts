/**
 * `_manifest.json` of a compacted day (SPEC §4): what the day picker lists and what the replay
 * reads first — per-channel row counts, time ranges and row-group index, plus the markers the
 * timeline draws (METARs, windows, shocks, gaps/resyncs).
 */
import { z } from 'zod';
import { CHANNELS, type Channel } from './channels';
import { isoUtc, WINDOW_REASONS } from './schemas';

export const MANIFEST_VERSION = 1;

export const rowGroupInfo = z.object({
  rows: z.number().int().nonnegative(),
  min_ts: isoUtc,
  max_ts: isoUtc,
});

export const channelManifest = z.object({
  /** Path relative to the day's parquet folder, e.g. `ch=l2_snap_1s/part-0000.parquet`. */
  file: z.string(),
  rows: z.number().int().nonnegative(),
  min_ts: isoUtc.nullable(),
  max_ts: isoUtc.nullable(),
  bytes: z.number().int().nonnegative(),
  /** schema_version as found in the journal → rows (before upgrade). */
  schema_versions: z.record(z.string(), z.number().int().nonnegative()),
  /** Row groups in file order, each covering a time slice, for windowed loading. */
  row_groups: z.array(rowGroupInfo),
});

export const MARKER_KINDS = ['METAR', 'WINDOW', 'SHOCK', 'GAP', 'RESYNC'] as const;

export const marker = z.object({
  kind: z.enum(MARKER_KINDS),
  ts: isoUtc,
  /** WINDOW and RESYNC markers are ranges (end_ts null while unfinished); the others are instants. */
  end_ts: isoUtc.nullable(),
  reason: z.enum(WINDOW_REASONS).nullable(),
  label: z.string(),
  correlation_id: z.string().nullable(),
  window_id: z.string().nullable(),
  token_id: z.string().nullable(),
});
export type Marker = z.infer<typeof marker>;

export const manifest = z.object({
  manifest_version: z.literal(MANIFEST_VERSION),
  station_id: z.string(),
  date: z.string(),
  time_zone: z.string(),
  /** The local day in UTC: [day_start_utc, day_end_utc). */
  day_start_utc: isoUtc,
  day_end_utc: isoUtc,
  generated_at: isoUtc,
  totals: z.object({
    lines_read: z.number().int().nonnegative(),
    /** Empty or whitespace-only journal lines, skipped (not in lines_read). */
    blank_lines: z.number().int().nonnegative().default(0),
    events_written: z.number().int().nonnegative(),
    duplicates_dropped: z.number().int().nonnegative(),
    quarantined: z.number().int().nonnegative(),
    upgraded: z.number().int().nonnegative(),
  }),
  /**
   * The market's outcome tokens seen that day, in bucket order (the order of the day's nowcast
   * buckets; unlabelled tokens last), so the UI can name and order them without loading books.
   */
  tokens: z
    .array(
      z.object({
        token_id: z.string(),
        market_id: z.string(),
        bucket: z.string().nullable(),
        /** The station-local date of the market the token settles on (from the day's `markets` listings). */
        market_date: z.string().nullable().default(null),
      }),
    )
    .default([]),
  /**
   * The markets listed in the day's data, by market date: the latest listing's title and rules
   * (verbatim) with its resolution source, and the bucket that paid once a resolution was recorded.
   */
  markets: z
    .array(
      z.object({
        market_date: z.string(),
        venue_event_id: z.string().nullable(),
        slug: z.string().nullable(),
        title: z.string().nullable(),
        rules: z.string().nullable(),
        resolution_source: z.string().nullable(),
        winner: z.string().nullable(),
      }),
    )
    .default([]),
  channels: z.partialRecord(z.enum(CHANNELS as unknown as [Channel, ...Channel[]]), channelManifest),
  markers: z.array(marker),
});
export type Manifest = z.infer<typeof manifest>;
export type ChannelManifest = z.infer<typeof channelManifest>;
