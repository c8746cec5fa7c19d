/**
 * The API the renderer uses for everything outside itself. Electron's preload exposes it over IPC
 * (`window.helios`); the browser bridge implements it over HTTP/WS on 127.0.0.1. One interface,
 * one set of argument schemas: main and the bridge validate every call with `API_ARGS`.
 */
import { z } from 'zod';
import { CHANNELS, GROUPS, type Channel, type ChannelGroup } from './channels';
import { MAX_PART, type Manifest } from './manifest';
import type { ServerMessage } from './protocol';
import { sourcesChoiceArgs, type SourcesView } from './sources-config';
import { STATION_ID_PATTERN } from './stations';
import { DATE_PATTERN } from './time';

const stationId = z.string().regex(STATION_ID_PATTERN);
const date = z.string().regex(DATE_PATTERN);
const dayRef = z.object({ station_id: stationId, date });
const readParquetArgs = dayRef.extend({
  ch: z.enum(CHANNELS as unknown as [Channel, ...Channel[]]),
  /** The part file (`part-NNNN.parquet`, as the manifest lists it); default 0. */
  part: z.number().int().min(0).max(MAX_PART).optional(),
  /**
   * The manifest's generation: the files are read from that generation, or the call fails with
   * "reopen the day" once it is gone. Absent: the day's current files.
   */
  generation: z.number().int().nonnegative().optional(),
  /** Optional byte range of the file. */
  offset: z.number().int().nonnegative().optional(),
  length: z.number().int().positive().max(512 * 1024 * 1024).optional(),
});
const connectServerArgs = z.object({
  /** A `helios serve` server's URL (http:// or https://); null goes back to the local data folder. */
  url: z.string().min(1).max(2048).nullable(),
  token: z.string().max(4096).optional(),
});
/** A window sweep of a day; `grid` as `helios sweep --grid` takes it (checked against the parameters by the sweep). */
const startSweepArgs = dayRef.extend({
  grid: z.record(z.string().max(64), z.array(z.number()).min(1).max(100)).optional(),
});
const sweepStatusArgs = z.object({ job: z.string().regex(/^[0-9a-f]{16}$/, 'a sweep job id') });
/** Largest snapshot file, saved or reopened (its text, in UTF-16 units or UTF-8 bytes). */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;
export const snapshotFileNameSchema = z.string().regex(/^[\w.@=+-]{1,200}\.json$/, 'a plain file name ending in .json');
const saveSnapshotArgs = z.object({
  suggested_name: snapshotFileNameSchema,
  contents: z.string().max(MAX_SNAPSHOT_BYTES),
});
/** Most bytes one export may carry (every file together). */
export const MAX_EXPORT_BYTES = 512 * 1024 * 1024;
const exportFileName = z.string().regex(/^[\w.@=+-]{1,200}\.(parquet|csv)$/, 'a plain file name ending in .parquet or .csv');
const exportFolderName = z.string().regex(/^[\w.@=+-]{1,200}$/, 'a plain folder name');
const exportFiles = <F extends z.ZodType<{ name: string }>>(file: F, size: (f: z.output<F>) => number) =>
  z
    .array(file)
    .min(1)
    .max(64)
    .refine((files) => new Set(files.map((f) => f.name)).size === files.length, 'file names must not repeat')
    .refine((files) => files.reduce((n, f) => n + size(f), 0) <= MAX_EXPORT_BYTES, `at most ${MAX_EXPORT_BYTES} bytes in all`);
const saveExportArgs = z.object({
  /** The folder the files go in when there are several; a single file is saved by its own name. */
  name: exportFolderName,
  files: exportFiles(z.object({ name: exportFileName, bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes') }), (f) => f.bytes.byteLength),
});
/**
 * saveExport over HTTP (the browser bridge): the files' names and sizes in the query, their bytes
 * one after the other as the request body, streamed to disk (never held whole).
 */
export const streamedExport = z.object({
  name: exportFolderName,
  files: exportFiles(z.object({ name: exportFileName, size: z.number().int().nonnegative() }), (f) => f.size),
});

export const API_ARGS = {
  getInfo: z.tuple([]),
  listDays: z.tuple([]),
  readManifest: z.tuple([dayRef]),
  readParquet: z.tuple([readParquetArgs]),
  saveSnapshot: z.tuple([saveSnapshotArgs]),
  openSnapshot: z.tuple([]),
  chooseDataRoot: z.tuple([]),
  connectServer: z.tuple([connectServerArgs]),
  getSources: z.tuple([]),
  setSources: z.tuple([sourcesChoiceArgs]),
  startSweep: z.tuple([startSweepArgs]),
  sweepStatus: z.tuple([sweepStatusArgs]),
  saveExport: z.tuple([saveExportArgs]),
  recompactDay: z.tuple([dayRef]),
} as const;

export type ApiOperation = keyof typeof API_ARGS;

/** One recorded day: a station and its local date. */
export type DayRef = z.input<typeof dayRef>;

/** A day as one string, `STATION/DATE` (a map key, a React key, a row's `data-day`). */
export const dayKey = (day: DayRef) => `${day.station_id}/${day.date}`;

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
  'connect-server',
  'toggle-live',
  'toggle-panel:depth',
  'toggle-panel:price',
  'toggle-panel:probability',
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
  /** The `helios serve` server the data comes from (File ▸ Connect to Server…); null: the local data root. */
  server: string | null;
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
  /** Why the day cannot be opened (its manifest is unreadable or invalid, naming the file), or null. */
  damaged: string | null;
  /** Whether the day's journal is still there (so the day can be compacted again). */
  journal?: boolean;
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
  /** Every compacted day under the data root (from `_manifest.json` files), newest first; damaged ones say why. */
  listDays(): Promise<DaySummary[]>;
  readManifest(day: z.input<typeof dayRef>): Promise<Manifest>;
  /** A part file of one channel of a day (of the manifest's generation), or a byte range of it. */
  readParquet(args: z.input<typeof readParquetArgs>): Promise<Uint8Array>;
  /** Save an exported snapshot (a save dialog in Electron, a download in the browser). */
  saveSnapshot(args: z.input<typeof saveSnapshotArgs>): Promise<{ saved: boolean; path: string | null }>;
  /** Let the user pick a snapshot file to reopen; null when cancelled. */
  openSnapshot(): Promise<{ name: string; contents: string } | null>;
  /** Let the user pick another data root; null when cancelled or unsupported. */
  chooseDataRoot(): Promise<string | null>;
  /**
   * Take days and live from a `helios serve` server from now on (`url` null: the local data root
   * again). The shell connects (the token stays there) and answers with the new AppInfo.
   */
  connectServer(args: z.input<typeof connectServerArgs>): Promise<AppInfo>;
  /** What LIVE records (simulator or real sources), which keys are stored and where, each upstream's state. */
  getSources(): Promise<SourcesView>;
  /** Record these sources LIVE from now on (remembered); keys: null = keep the stored one, '' = forget it. */
  setSources(choice: z.input<typeof sourcesChoiceArgs>): Promise<SourcesView>;
  /** Start a window sweep of a compacted day (in a worker); poll it with `sweepStatus`. */
  startSweep(args: z.input<typeof startSweepArgs>): Promise<{ job: string }>;
  sweepStatus(args: z.input<typeof sweepStatusArgs>): Promise<SweepJobStatus>;
  /**
   * Save exported files (a range of the day, a query result): one file by its name, several in a
   * folder `name` (a save dialog in Electron, `<data>/exports/` in the browser). `path` is the file
   * or folder written.
   */
  saveExport(args: z.input<typeof saveExportArgs>): Promise<{ saved: boolean; path: string | null }>;
  /** Compact a day again from its journal (a damaged part or manifest); a one-line summary. */
  recompactDay(day: z.input<typeof dayRef>): Promise<{ summary: string }>;
  /** The live protocol stream; returns an unsubscribe function. */
  subscribeLive(groups: ChannelGroup[], listener: (message: ServerMessage) => void): () => void;
  /** Menu commands of the desktop app (absent in the browser); returns an unsubscribe function. */
  onMenuCommand?(listener: (command: MenuCommand) => void): () => void;
}

export const ALL_GROUPS: readonly ChannelGroup[] = GROUPS;
