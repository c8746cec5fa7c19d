/**
 * A replayed day's row groups as time spans (from the manifest's index), the questions every replay
 * source asks of them, and how far back a seek looks for what is current at t.
 */
import { CHANNELS, type Channel } from '../channels';
import type { ChannelManifest, Manifest } from '../manifest';
import { parseIsoMs } from '../time';
import type { SourceInfo } from './event-source';

/** How far back a seek looks for what is current at t (see BackfillLookback). */
export const DEFAULT_LOOKBACK: Required<BackfillLookback> = { snapshotLookbackMs: 30_000, tradeLookbackMs: 5 * 60_000 };

/** The backfill's search spans; every replay source takes them. */
export interface BackfillLookback {
  /**
   * How far before t a token's latest book snapshot is looked for (snapshots come every second,
   * so a token without one in this span is no longer being recorded). Default 30 s.
   */
  snapshotLookbackMs?: number;
  /** First span searched for each token's recent trades; doubled until found. Default 5 min. */
  tradeLookbackMs?: number;
}

export interface RowGroupSpan {
  min_ms: number;
  max_ms: number;
  rows: number;
  /** The part file holding it, and its index in that file. */
  part: number;
  index: number;
}

/**
 * The manifest's row-group index of a channel in ms (floored, so range tests stay conservative).
 * Each part is sorted; parts may overlap in time, so the list as a whole need not be.
 */
export function rowGroupSpans(c: ChannelManifest): RowGroupSpan[] {
  if (c.row_groups.length > 0) {
    const seen = new Map<number, number>();
    return c.row_groups.map((g) => {
      const index = seen.get(g.part) ?? 0;
      seen.set(g.part, index + 1);
      return { min_ms: Math.floor(parseIsoMs(g.min_ts)), max_ms: Math.floor(parseIsoMs(g.max_ts)), rows: g.rows, part: g.part, index };
    });
  }
  if (c.rows === 0 || !c.min_ts || !c.max_ts || c.parts.length !== 1) return [];
  return [{ min_ms: parseIsoMs(c.min_ts), max_ms: parseIsoMs(c.max_ts), rows: c.rows, part: c.parts[0]!.part, index: 0 }];
}

/** The row-group spans of each channel that has rows. */
export function daySpans(manifest: Manifest): Map<Channel, RowGroupSpan[]> {
  const spans = new Map<Channel, RowGroupSpan[]>();
  for (const ch of CHANNELS) {
    const c = manifest.channels[ch];
    if (c && c.rows > 0) spans.set(ch, rowGroupSpans(c));
  }
  return spans;
}

/** What a source replaying this day reports: its data's time range, the local day, its markers in order. */
export function daySourceInfo(manifest: Manifest, spans: Map<Channel, RowGroupSpan[]>): SourceInfo {
  const channels = CHANNELS.filter((ch) => spans.has(ch));
  const mins = channels.flatMap((ch) => spans.get(ch)!.map((s) => s.min_ms));
  const maxs = channels.flatMap((ch) => spans.get(ch)!.map((s) => s.max_ms));
  const dayStart = parseIsoMs(manifest.day_start_utc);
  return {
    station_id: manifest.station_id,
    date: manifest.date,
    time_zone: manifest.time_zone,
    start_ms: mins.length ? Math.min(...mins) : dayStart,
    end_ms: maxs.length ? Math.max(...maxs) : dayStart,
    day_start_ms: dayStart,
    day_end_ms: parseIsoMs(manifest.day_end_utc),
    channels,
    markers: [...manifest.markers].sort((a, b) => parseIsoMs(a.ts) - parseIsoMs(b.ts)),
  };
}

/** Indexes of the spans holding rows in [lo, hi). */
export function spansIn(spans: readonly RowGroupSpan[], lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < spans.length; i++) if (spans[i]!.min_ms < hi && spans[i]!.max_ms >= lo) out.push(i);
  return out;
}

/**
 * Indexes of the spans that can hold the latest row before `hi`: in each part, the last row group
 * starting before `hi` (a part is sorted, so its latest row before `hi` is there).
 */
export function lastSpansBefore(spans: readonly RowGroupSpan[], hi: number): number[] {
  const last = new Map<number, number>();
  for (let i = 0; i < spans.length; i++) if (spans[i]!.min_ms < hi) last.set(spans[i]!.part, i);
  return [...last.values()].sort((a, b) => a - b);
}
