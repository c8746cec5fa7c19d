/**
 * What the UI needs from the replay engine, the live feed and the snapshot format, as one seam.
 * The controller only talks to these; main.tsx wires the real implementations (src/shared/players,
 * src/renderer/src/replay, src/shared/snapshot.ts) and the tests wire fakes.
 */
import type { DaySummary, HeliosApi } from '../../../shared/api';
import type { ChannelState } from '../../../shared/channel-state';
import type { Manifest } from '../../../shared/manifest';
import type { Player } from '../../../shared/player';
import type { AnyEvent } from '../../../shared/schemas';
import type { JumpKind } from '../../../shared/players/jumps';
import type { DayChartData } from '../store/history';
import type { HistoryLoad } from '../store/ui-store';

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

export interface LoadProgress {
  label: string;
  /** 0–1, or null when the total is unknown. */
  fraction: number | null;
}

export interface OpenedDay {
  manifest: Manifest;
  player: Player;
  /** Ad-hoc SQL over the day's data loaded in the browser (DuckDB-WASM). */
  query(sql: string): Promise<QueryResult>;
  /** The SQL console's starting text: a query that works on this day's tables. */
  exampleQuery: string;
  /** Which tables the SQL console has (for its help). */
  tablesHelp?: string;
  /** The replay engine's own steps, when it has them (else the controller seeks by markers). */
  steps?: {
    stepSeconds(direction: 1 | -1, seconds: number): boolean;
    jump(kind: JumpKind, direction: 1 | -1): boolean;
  };
  /**
   * Load the whole day for the charts and the SQL console (in the background: call it once the
   * first frame is shown). Resolves with the charts' whole-day series as soon as those are ready;
   * `onProgress` keeps reporting until everything is loaded. Absent when the engine cannot.
   */
  loadHistory?(onProgress: (p: HistoryLoad) => void): Promise<DayChartData>;
  /** Close the player and free the day's data. */
  close(): void;
}

export interface SnapshotRequest {
  at_ms: number;
  correlation_id: string;
  /** The reconstructed state the UI shows at `at_ms`. */
  state: ChannelState;
}

export interface SnapshotFile {
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
  openDay(api: HeliosApi, day: Pick<DaySummary, 'station_id' | 'date'>, onProgress: (p: LoadProgress) => void): Promise<OpenedDay>;
  openLive(api: HeliosApi): Player;
  /** Snapshot of the moment at the cursor; `day` is the replayed day (null in live mode). */
  buildSnapshot(request: SnapshotRequest, day: OpenedDay | null): Promise<SnapshotFile>;
  openSnapshot(contents: string): OpenedSnapshot;
}
