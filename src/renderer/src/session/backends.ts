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
  /** The replay engine's own steps, when it has them (else the controller seeks by markers). */
  steps?: {
    stepSeconds(direction: 1 | -1, seconds: number): boolean;
    jump(kind: JumpKind, direction: 1 | -1): boolean;
  };
  /**
   * Events the charts draw (snapshots, trades, nowcasts, METARs) in [t0, t1) that the player has
   * not played: the history before the cursor after a seek. Absent when the engine cannot answer.
   */
  loadHistory?(t0: number, t1: number): Promise<AnyEvent[]>;
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
