/**
 * What the UI needs from the replay engine, the live feed and the snapshot format, as one seam.
 * The controller only talks to these; main.tsx wires the real implementations (src/shared/players,
 * src/renderer/src/replay, src/shared/snapshot.ts) and the tests wire fakes.
 */
import type { DayRef, HeliosApi } from '../../../shared/api';
import type { ChannelState } from '../../../shared/channel-state';
import type { Manifest } from '../../../shared/manifest';
import type { Player } from '../../../shared/player';
import type { AnyEvent } from '../../../shared/schemas';
import type { DayChartData } from '../store/history';
import type { HistoryLoad, StepChannel } from '../store/ui-store';

/** A query's whole result: its exact size, its rows page by page, and the result as a file. */
export interface QueryResult {
  columns: string[];
  rowCount: number;
  /** Rows [from, to) as display values. */
  rows(from: number, to: number): unknown[][];
  file(format: 'csv' | 'parquet'): Promise<Uint8Array>;
}

export interface QueryOptions {
  /** Query these days at once (one view per channel stacks them, with a `date` column). */
  days?: DayRef[];
  /** What is being loaded before the query can run (a table on first use, another day). */
  onProgress?: (text: string, fraction: number | null) => void;
}

export interface LoadProgress {
  label: string;
  /** 0–1, or null when the total is unknown. */
  fraction: number | null;
}

export interface ExportFile {
  name: string;
  bytes: Uint8Array;
}

export type { DamagedChannel } from '../replay/arrow-block-source';
import type { DamagedChannel } from '../replay/arrow-block-source';

export interface OpenedDay {
  manifest: Manifest;
  player: Player;
  /** Ad-hoc SQL over the day's data loaded in the browser (DuckDB-WASM), or over several days. */
  query(sql: string, options?: QueryOptions): Promise<QueryResult>;
  /** The SQL console's starting text: a query that works on this day's tables. */
  exampleQuery: string;
  /** Which tables the SQL console has (for its help). */
  tablesHelp?: string;
  /**
   * The time of the next (previous) event of `channel` after (before) the millisecond `fromMs`,
   * of `tokenId` only if given; null when there is none. Absent when the engine cannot tell.
   */
  adjacentEvent?(channel: StepChannel, fromMs: number, direction: 1 | -1, tokenId?: string): Promise<number | null>;
  /**
   * Read the whole day for the charts (in the background: call it once the first frame is shown);
   * resolves with their whole-day series. Absent when the engine cannot.
   */
  loadHistory?(onProgress: (p: HistoryLoad) => void): Promise<DayChartData>;
  /** Start loading what queries need (the SQL console opened), so its first query waits less. */
  prepareQueries?(): void;
  /** Every event of the day carrying the correlation id. */
  eventsByCorrelation(correlationId: string): Promise<AnyEvent[]>;
  /** A range of the day as files (Parquet per channel, CSV of the snapshots). */
  exportRange?(fromMs: number, toMs: number, onProgress: (fraction: number) => void): Promise<ExportFile[]>;
  /** Channels left out because their file is damaged (each reported once, known ones at once). */
  onDamage?(listener: (d: DamagedChannel) => void): () => void;
  /** Close the player and free the day's data. */
  close(): void;
}

export interface SnapshotRequest {
  at_ms: number;
  correlation_id: string;
  /** The reconstructed state the UI shows at `at_ms`. */
  state: ChannelState;
  /** How far the search for the correlation's events is (0–1). */
  onProgress?: (fraction: number) => void;
}

export interface SnapshotToSave {
  /** A plain file name ending in .json. */
  name: string;
  contents: string;
}

export interface OpenedSnapshot {
  /** A player that shows the snapshot's moment (no playback). */
  player: Player;
  station_id: string;
  at_ms: number;
  correlation_id: string;
  /** Every event of the story, so the timeline can mark them. */
  events: readonly AnyEvent[];
}

export interface Backends {
  openDay(api: HeliosApi, day: DayRef, onProgress: (p: LoadProgress) => void, options?: { startMs?: number }): Promise<OpenedDay>;
  openLive(api: HeliosApi): Player;
  /** Snapshot of the moment at the cursor; `day` is the replayed day (null in live mode). */
  buildSnapshot(request: SnapshotRequest, day: OpenedDay | null): Promise<SnapshotToSave>;
  openSnapshot(contents: string): OpenedSnapshot;
  /** The live stream's events carrying the correlation id (what the live player still holds). */
  liveEventsByCorrelation(correlationId: string): AnyEvent[];
}
