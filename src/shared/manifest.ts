/**
 * `_manifest.json` of a compacted day (docs/spec.md §4): what the day picker lists and what the replay
 * reads first — per-channel row counts, time ranges, part files and row-group index, plus the
 * markers the timeline draws (METARs, windows, shocks, gaps/resyncs).
 *
 * A channel is one or more part files (`ch=<ch>/part-NNNN.parquet`): a live day gains a part per
 * compaction pass, a closed day is merged into `part-0000`. The files of one manifest belong to its
 * `generation`; readers ask for a part by (generation, channel, part number). Version 1 manifests
 * (one `part-0000` per channel, before generations) are read as generation 0 with one part.
 */
import { z } from 'zod';
import { CHANNELS, type Channel } from './channels';
import { isoUtc, WINDOW_REASONS } from './schemas';

export const MANIFEST_VERSION = 2;

/** Part numbers are the NNNN of `part-NNNN.parquet`. */
export const MAX_PART = 9999;
const partNumber = z.number().int().min(0).max(MAX_PART);

export const rowGroupInfo = z.object({
  /** The part file holding this row group. */
  part: partNumber,
  rows: z.number().int().nonnegative(),
  min_ts: isoUtc,
  max_ts: isoUtc,
});

export const partInfo = z.object({
  part: partNumber,
  /** Path relative to the day's parquet folder, e.g. `ch=l2_snap_1s/part-0001.parquet`. */
  file: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

export const channelManifest = z.object({
  rows: z.number().int().nonnegative(),
  min_ts: isoUtc.nullable(),
  max_ts: isoUtc.nullable(),
  /** All parts together. */
  bytes: z.number().int().nonnegative(),
  /** schema_version as found in the journal → rows (before upgrade). */
  schema_versions: z.record(z.string(), z.number().int().nonnegative()),
  /** The channel's part files, each sorted by (ts_ingest_utc, event_id); parts may overlap in time. */
  parts: z.array(partInfo),
  /** Row groups of every part, part by part (in `parts` order), in file order, for windowed loading. */
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

const totals = z.object({
  lines_read: z.number().int().nonnegative(),
  /** Empty or whitespace-only journal lines, skipped (not in lines_read). */
  blank_lines: z.number().int().nonnegative().default(0),
  events_written: z.number().int().nonnegative(),
  duplicates_dropped: z.number().int().nonnegative(),
  quarantined: z.number().int().nonnegative(),
  upgraded: z.number().int().nonnegative(),
});

/**
 * The market's outcome tokens seen that day, in bucket order (the order of the day's nowcast
 * buckets; unlabelled tokens last), so the UI can name and order them without loading books.
 */
const tokens = z
  .array(
    z.object({
      token_id: z.string(),
      market_id: z.string(),
      bucket: z.string().nullable(),
      /** The station-local date of the market the token settles on (from the day's `markets` listings). */
      market_date: z.string().nullable().default(null),
    }),
  )
  .default([]);

/**
 * The markets listed in the day's data, by market date: the latest listing's title and rules
 * (verbatim) with its resolution source, and the bucket that paid once a resolution was recorded.
 */
const markets = z
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
  .default([]);

const dayFields = {
  station_id: z.string(),
  date: z.string(),
  time_zone: z.string(),
  /** The local day in UTC: [day_start_utc, day_end_utc). */
  day_start_utc: isoUtc,
  day_end_utc: isoUtc,
  generated_at: isoUtc,
  totals,
  tokens,
  markets,
  markers: z.array(marker),
};

const channelKey = z.enum(CHANNELS as unknown as [Channel, ...Channel[]]);

const manifestV2 = z.object({
  manifest_version: z.literal(MANIFEST_VERSION),
  /** The generation folder these files live in (0: a day compacted before generations). */
  generation: z.number().int().nonnegative(),
  /** Compacted after the day ended: torn last lines quarantined, parts merged into part-0000. */
  closed: z.boolean(),
  ...dayFields,
  channels: z.partialRecord(channelKey, channelManifest),
});

const channelV1 = z.object({
  file: z.string(),
  rows: z.number().int().nonnegative(),
  min_ts: isoUtc.nullable(),
  max_ts: isoUtc.nullable(),
  bytes: z.number().int().nonnegative(),
  schema_versions: z.record(z.string(), z.number().int().nonnegative()),
  row_groups: z.array(z.object({ rows: z.number().int().nonnegative(), min_ts: isoUtc, max_ts: isoUtc })),
});

/** A version 1 manifest as version 2: generation 0, one part-0000 per channel. */
const manifestV1 = z
  .object({ manifest_version: z.literal(1), ...dayFields, channels: z.partialRecord(channelKey, channelV1) })
  .transform(({ manifest_version: _v, channels, ...rest }): z.output<typeof manifestV2> => ({
    manifest_version: MANIFEST_VERSION,
    generation: 0,
    closed: Date.parse(rest.generated_at) >= Date.parse(rest.day_end_utc),
    ...rest,
    channels: Object.fromEntries(
      Object.entries(channels).map(([ch, { file, row_groups, ...c }]) => [
        ch,
        { ...c, parts: [{ part: 0, file, rows: c.rows, bytes: c.bytes }], row_groups: row_groups.map((g) => ({ part: 0, ...g })) },
      ]),
    ),
  }));

export const manifest = z.union([manifestV2, manifestV1]);
export type Manifest = z.output<typeof manifestV2>;
export type ChannelManifest = z.infer<typeof channelManifest>;
export type PartInfo = z.infer<typeof partInfo>;

/** `ch=<ch>/part-NNNN.parquet`, relative to the day's folder. */
export function partFile(ch: Channel, part: number): string {
  return `ch=${ch}/part-${String(part).padStart(4, '0')}.parquet`;
}
