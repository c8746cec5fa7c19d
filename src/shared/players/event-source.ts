/**
 * Where a replay gets its events (after Lichtblick's iterable sources): the browser's row-group
 * cache over Parquet (parquet-wasm), Node's DuckDB over Parquet files, or events in memory. The player only ever
 * asks three questions — what is the day, what happened in [t0, t1), and what was the state at t —
 * so every source is interchangeable and the clock logic is tested once.
 *
 * Time is epoch ms. An event "at or before t" is one with ts_ingest_utc < t + 1 ms, so
 * `backfill(t)` followed by `fetchEvents(t + 1, …)` never skips nor repeats an event.
 */
import type { Channel } from '../channels';
import type { Marker } from '../manifest';
import type { AnyEvent } from '../schemas';
import { microsFromIso } from '../time';
import { ingestMs } from '../event-time';

export interface SourceInfo {
  station_id: string;
  /** Station-local date of the day. */
  date: string;
  time_zone: string;
  /** First and last event time of the day's data (the replay's range). */
  start_ms: number;
  end_ms: number;
  /** The local day's bounds [day_start_ms, day_end_ms) (23 or 25 h on DST switch days). */
  day_start_ms: number;
  day_end_ms: number;
  /** Channels with at least one row. */
  channels: Channel[];
  /** Timeline markers (METARs, windows, shocks, gaps, resyncs), in time order. */
  markers: Marker[];
}

export interface FetchOptions {
  /** Abandon the work (the promise rejects with an AbortError) when the player no longer needs it. */
  signal?: AbortSignal;
}

export interface EventSource {
  initialize(): Promise<SourceInfo>;
  /** Every event with t0 ≤ ts_ingest_utc < t1 across all channels, in (ts_ingest_utc, event_id) order. */
  fetchEvents(t0: number, t1: number, options?: FetchOptions): Promise<AnyEvent[]>;
  /**
   * The events that rebuild the state at `t` from nothing (ordered like `fetchEvents`): per token
   * the latest l2_snap_1s ≤ t and the l2_deltas after it up to t, the latest book event and the
   * recent trades; the latest metar_obs, pws_cluster, features_1m, nowcast_1m and health ≤ t; the
   * latest record of each window open at t and the latest window record of any kind.
   * Applied with `applyEvents` to an empty state, they give what playing the day up to t gives.
   */
  backfill(t: number, options?: FetchOptions): Promise<AnyEvent[]>;
  /**
   * Every event of the day carrying `correlationId`, in order; `onProgress` (optional) hears how
   * much of the day has been searched.
   */
  eventsByCorrelation(correlationId: string, onProgress?: (done: number, total: number) => void): Promise<AnyEvent[]>;
  /** Time ranges whose data is decoded and ready (for the timeline); absent when all is. */
  loadedRanges?(): Array<[number, number]>;
  close(): Promise<void>;
}

/** The replay's total order: ingest time, then event id (UUIDv7, so creation order). */
export function compareEvents(a: AnyEvent, b: AnyEvent): number {
  if (a.ts_ingest_utc !== b.ts_ingest_utc) {
    const d = ingestMs(a) - ingestMs(b);
    if (d !== 0) return d;
    // same ms, different sub-ms digits (`…00.900Z` is `…00.900000Z`, before `…00.900417Z`)
    const us = microsFromIso(a.ts_ingest_utc) - microsFromIso(b.ts_ingest_utc);
    if (us !== 0) return us;
  }
  return a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0;
}

/** Merge lists that are each already in replay order into one list in replay order. */
export function mergeSorted(lists: readonly (readonly AnyEvent[])[]): AnyEvent[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return [];
  if (nonEmpty.length === 1) return [...nonEmpty[0]!];
  const times = nonEmpty.map((l) => l.map(ingestMs));
  const heads = nonEmpty.map(() => 0);
  const out: AnyEvent[] = [];
  const total = nonEmpty.reduce((n, l) => n + l.length, 0);
  while (out.length < total) {
    let best = -1;
    for (let i = 0; i < nonEmpty.length; i++) {
      const h = heads[i]!;
      if (h >= nonEmpty[i]!.length) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const dt = times[i]![h]! - times[best]![heads[best]!]!;
      if (dt < 0 || (dt === 0 && compareEvents(nonEmpty[i]![h]!, nonEmpty[best]![heads[best]!]!) < 0)) best = i;
    }
    out.push(nonEmpty[best]![heads[best]!]!);
    heads[best]!++;
  }
  return out;
}

export class AbortError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}
