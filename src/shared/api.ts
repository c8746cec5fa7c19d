/**
 * The API the renderer uses for everything outside itself. Electron's preload exposes it over IPC
 * (`window.helios`); the browser bridge implements it over HTTP/WS on 127.0.0.1. One interface,
 * one set of argument schemas: main and the bridge validate every call with `API_ARGS`.
 */
import { z } from 'zod';
import { CHANNELS, GROUPS, type Channel, type ChannelGroup } from './channels';
import type { Manifest } from './manifest';
import type { ServerMessage } from './protocol';
import { sourcesChoiceArgs, type SourcesView } from './sources-config';
import { STATION_ID_PATTERN } from './stations';
import { DATE_PATTERN } from './time';

const stationId = z.string().regex(STATION_ID_PATTERN);
const date = z.string().regex(DATE_PATTERN);
const dayRef = z.object({ station_id: stationId, date });
const readParquetArgs = dayRef.extend({
  ch: z.enum(CHANNELS as unknown as [Channel, ...Channel[]]),
  /** Optional byte range of the file. */
  offset: z.number().int().nonnegative().optional(),
  length: z.number().int().positive().max(512 * 1024 * 1024).optional(),
});
/** A window sweep of a day; `grid` as `helios sweep --grid` takes it (checked against the parameters by the sweep). */
const startSweepArgs = dayRef.extend({
  grid: z.record(z.string().max(64), z.array(z.number()).min(1).max(100)).optional(),
});
const sweepStatusArgs = z.object({ job: z.string().regex(/^[0-9a-f]{16}$/, 'a sweep job id') });
/** Largest snapshot file, saved or reopened (its text, in UTF-16 units or UTF-8 bytes). */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;
export const snapshotFileName = z.string().regex(/^[\w.@=+-]{1,200}\.json$/, 'a plain file name ending in .json');
const saveSnapshotArgs = z.object({
  suggested_name: snapshotFileName,
  contents: z.string().max(MAX_SNAPSHOT_BYTES),
});

export const API_ARGS = {
  getInfo: z.tuple([]),
  listDays: z.tuple([]),
  readManifest: z.tuple([dayRef]),
  readParquet: z.tuple([readParquetArgs]),
  saveSnapshot: z.tuple([saveSnapshotArgs]),
  openSnapshot: z.tuple([]),
  chooseDataRoot: z.tuple([]),
  getSources: z.tuple([]),
  setSources: z.tuple([sourcesChoiceArgs]),
  startSweep: z.tuple([startSweepArgs]),
  sweepStatus: z.tuple([sweepStatusArgs]),
} as const;

export type ApiOperation = keyof typeof API_ARGS;

/**
 * Commands from the desktop app's menu that only the UI can carry out (it owns the day picker, the
 * snapshot being exported and the panel layout). Main sends them through the preload; the browser
 * bridge has no menu and never emits them.
 */
export const MENU_COMMANDS = [
  'open-day',
  'open-snapshot',
  'export-snapshot',
  'data-root-changed',
  'toggle-live',
  'toggle-panel:depth',
  'toggle-panel:price',
  'toggle-panel:nowcast',
  'toggle-panel:world',
  'toggle-panel:health',
  'toggle-panel:inputs',
  'toggle-panel:sql',
  'time-zone:nyc',
  'time-zone:madrid',
  'time-zone:utc',
  'window-sweep',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];
export const menuCommand = z.enum(MENU_COMMANDS);

export interface AppInfo {
  version: string;
  shell: 'electron' | 'web';
  data_root: string;
  /** Whether a live source is recording and can be subscribed to. */
  live_available: boolean;
  live_station_id: string | null;
}

export interface DaySummary {
  station_id: string;
  date: string;
  rows: Partial<Record<Channel, number>>;
  bytes: number;
  min_ts: string | null;
  max_ts: string | null;
}

/** One setting of a window sweep (see `helios sweep`). */
export interface SweepReportRow {
  /** The varied parameters: `mid_shock_ticks`, `min_move`, `window_s`, … */
  params: Record<string, number>;
  windows: number;
  covered_s: number;
  covered_share: number;
  moves: number;
  moves_in_window: number;
  moves_share: number;
  est_delta_bytes: number;
  recorded_windows: number;
  found_recorded: number;
  current: boolean;
  best: boolean;
  /** The setting as recording settings (the JSON `helios record --settings FILE` takes). */
  settings: { triggers?: Record<string, number>; windows?: Record<string, number> };
}

export interface SweepReport {
  station_id: string;
  dates: string[];
  day_s: number;
  elapsed_ms: number;
  rows: SweepReportRow[];
}

export interface SweepJobStatus {
  job: string;
  state: 'running' | 'done' | 'failed';
  /** 0–1. */
  fraction: number;
  report: SweepReport | null;
  error: string | null;
}

export interface HeliosApi {
  getInfo(): Promise<AppInfo>;
  /** Every compacted day under the data root (from `_manifest.json` files), newest first. */
  listDays(): Promise<DaySummary[]>;
  readManifest(day: z.input<typeof dayRef>): Promise<Manifest>;
  /** A day's Parquet file of one channel, or a byte range of it. */
  readParquet(args: z.input<typeof readParquetArgs>): Promise<Uint8Array>;
  /** Save an exported snapshot (a save dialog in Electron, a download in the browser). */
  saveSnapshot(args: z.input<typeof saveSnapshotArgs>): Promise<{ saved: boolean; path: string | null }>;
  /** Let the user pick a snapshot file to reopen; null when cancelled. */
  openSnapshot(): Promise<{ name: string; contents: string } | null>;
  /** Let the user pick another data root; null when cancelled or unsupported. */
  chooseDataRoot(): Promise<string | null>;
  /** What LIVE records (simulator or real sources), which keys are stored and where, each upstream's state. */
  getSources(): Promise<SourcesView>;
  /** Record these sources LIVE from now on (remembered); keys: null = keep the stored one, '' = forget it. */
  setSources(choice: z.input<typeof sourcesChoiceArgs>): Promise<SourcesView>;
  /** Start a window sweep of a compacted day (in a worker); poll it with `sweepStatus`. */
  startSweep(args: z.input<typeof startSweepArgs>): Promise<{ job: string }>;
  sweepStatus(args: z.input<typeof sweepStatusArgs>): Promise<SweepJobStatus>;
  /** The live protocol stream; returns an unsubscribe function. */
  subscribeLive(groups: ChannelGroup[], listener: (message: ServerMessage) => void): () => void;
  /** Menu commands of the desktop app (absent in the browser); returns an unsubscribe function. */
  onMenuCommand?(listener: (command: MenuCommand) => void): () => void;
}

export const ALL_GROUPS: readonly ChannelGroup[] = GROUPS;
