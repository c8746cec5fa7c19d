/**
 * The window-policy sweep (issue #15): what every setting of a grid would have captured on
 * recorded days — windows, covered time, the 1 s mid moves inside them, the deltas they would
 * have kept — through the recorder's own window logic, reading each day's snapshots once for all
 * settings. Two inputs:
 *   sweepRecordedDays    compacted days (l2_snap_1s, metar_obs, pws_cluster, event_windows);
 *   sweepSimulatedDays   the simulator's days regenerated from their seed, through the whole
 *                        recorder (every message, every resync): the current setting then gives
 *                        exactly the windows the recording had.
 */
import type { SweepReport, SweepReportRow } from '../../shared/api';
import { ingestMs } from '../../shared/event-time';
import { getStation } from '../../shared/stations';
import { localDayBoundsUtc } from '../../shared/time';
import { DataRoot } from '../data-root';
import { resolveRecordingConfig, type RecordingConfig } from '../recorder/config';
import { driveDay } from '../recorder/session';
import { SimulatorSource } from '../sources/simulator';
import { DayFigures, type Interval, type SettingFigures } from './day-figures';
import { columnName, configOf, DEFAULT_GRID, isCurrent, settingAsConfig, settingsOf, valueIn, type Grid, type Setting, type SweepParam } from './grid';
import { DayReader, type DayInputs } from './read-day';
import { policiesFor, tickOf, WindowCollector, WindowReplay, type SnapshotRow } from './window-replay';

/** Parquet bytes per delta when a day recorded none to measure it on (the simulator's days: 11–13). */
export const DEFAULT_DELTA_BYTES = 12;

export interface SweepRow extends SettingFigures {
  /** The varied parameters under their output names (`mid_shock_ticks`, `min_move`, `window_s`, …). */
  params: Record<string, number>;
  setting: Setting;
  /** The setting as a recording config fragment (what `record --settings FILE` takes). */
  config: ReturnType<typeof settingAsConfig>;
  covered_share: number;
  moves_share: number;
  recorded_windows: number;
  /** The settings currently in force. */
  current: boolean;
  /** The most moves captured for no more covered time than the current setting. */
  best: boolean;
}

export interface SweepResult {
  station_id: string;
  dates: string[];
  /** Seconds of the days swept (local days: 23, 24 or 25 h). */
  day_s: number;
  varied: SweepParam[];
  rows: SweepRow[];
  elapsed_ms: number;
}

export interface SweepProgress {
  /** 0–1 over all days. */
  fraction: number;
  date: string;
}

interface SweepCommon {
  station: string;
  dates: readonly string[];
  grid?: Grid;
  /** The settings in force (default: the recorder's defaults). */
  current?: RecordingConfig;
  onProgress?(p: SweepProgress): void;
  signal?: AbortSignal;
}

interface SweepPlan {
  settings: Setting[];
  configs: RecordingConfig[];
  varied: SweepParam[];
  current: RecordingConfig;
}

function plan(options: SweepCommon): SweepPlan {
  const current = options.current ?? resolveRecordingConfig();
  const grid = options.grid ?? DEFAULT_GRID;
  const varied = Object.keys(grid) as SweepParam[];
  const settings = settingsOf(grid);
  const configs = settings.map((s) => configOf(current, s));
  if (!settings.some((s) => isCurrent(s, current))) {
    // the settings in force are always evaluated, even off the grid
    settings.push(Object.fromEntries(varied.map((p) => [p, valueIn(current, p)])) as Setting);
    configs.push(current);
  }
  return { settings, configs, varied, current };
}

/** Sum of each setting's figures over the days, then the shares and the marks. */
function rows(p: SweepPlan, perDay: SettingFigures[][], day_s: number): SweepRow[] {
  const out = p.settings.map((setting, i): SweepRow => {
    const sum = (k: keyof SettingFigures) => perDay.reduce((acc, day) => acc + day[i]![k], 0);
    const f: SettingFigures = {
      windows: sum('windows'),
      covered_s: sum('covered_s'),
      moves: sum('moves'),
      moves_in_window: sum('moves_in_window'),
      est_delta_bytes: sum('est_delta_bytes'),
      found_recorded: sum('found_recorded'),
    };
    return {
      params: Object.fromEntries(p.varied.map((param) => [columnName(param), setting[param]!])),
      setting,
      config: settingAsConfig(setting),
      ...f,
      covered_share: day_s > 0 ? f.covered_s / day_s : 0,
      moves_share: f.moves > 0 ? f.moves_in_window / f.moves : 0,
      recorded_windows: 0,
      current: isCurrent(setting, p.current),
      best: false,
    };
  });
  const current = out.find((r) => r.current);
  if (current) {
    const candidates = out.filter((r) => r.covered_s <= current.covered_s + 1e-9);
    candidates.sort((a, b) => b.moves_in_window - a.moves_in_window || a.covered_s - b.covered_s || a.windows - b.windows);
    candidates[0]!.best = true;
  }
  return out;
}

/** A snapshot stream: calls `onInstant` for every instant's rows, in time order. */
export type SnapshotStream = (onInstant: (t: number, rows: readonly SnapshotRow[]) => void) => Promise<void>;

/**
 * One day through every config's window logic: its world inputs and its snapshots, read once.
 * Returns each config's figures (in config order).
 */
export async function scoreDay(options: {
  station: string;
  dayStart: number;
  dayEnd: number;
  configs: readonly RecordingConfig[];
  inputs: DayInputs;
  snapshots: SnapshotStream;
  /** Called with the share of the day done. */
  onProgress?(fraction: number): void;
  signal?: AbortSignal;
}): Promise<SettingFigures[]> {
  const { dayStart, dayEnd, inputs } = options;
  const figures = new DayFigures(dayStart, dayEnd, inputs.deltaRows > 0 ? inputs.deltaBytes / inputs.deltaRows : DEFAULT_DELTA_BYTES);
  figures.recorded = inputs.recorded;
  const replay = new WindowReplay(options.station, options.configs);
  const world = [
    ...inputs.metars.map((m) => ({ t: m.t, apply: () => replay.metar(m.t, m.label, m.event_id) })),
    ...inputs.qc.map((q) => ({ t: q.t, apply: () => replay.qc(q.t, q.detail) })),
    ...inputs.manual.map((m) => ({ t: m.t, apply: () => replay.manual(m.t, m.durationMs, m.detail) })),
  ].sort((a, b) => a.t - b.t);
  let next = 0;
  let last = dayStart;
  let reported = dayStart;
  await options.snapshots((t, snapshots) => {
    while (next < world.length && world[next]!.t < t) world[next++]!.apply();
    replay.second(t, snapshots);
    for (const r of snapshots) {
      const mid = r.bidCount > 0 && r.askCount > 0 ? (r.bidPrices[0]! + r.askPrices[0]!) / 2 : null;
      figures.snapshot(t, r.token_id, r.seq, r.epoch, r.ok, mid, tickOf(r));
    }
    last = t;
    if (options.onProgress && t - reported >= 600_000) {
      reported = t;
      options.onProgress((t - dayStart) / (dayEnd - dayStart));
    }
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
  });
  while (next < world.length) world[next++]!.apply();
  replay.finish(Math.max(last, world.at(-1)?.t ?? last) + 1);
  return replay.collectors.map((c) => figures.score(c.windows));
}

/** Every day of `options.dates` scored by `scoreDate` for the plan's configs, summed into rows. */
async function sweepDays(
  options: SweepCommon,
  scoreDate: (p: SweepPlan, date: string, dayStart: number, dayEnd: number, onProgress?: (fraction: number) => void) => Promise<{ figures: SettingFigures[]; recorded: number }>,
): Promise<SweepResult> {
  const t0 = performance.now();
  const station = getStation(options.station);
  const p = plan(options);
  const perDay: SettingFigures[][] = [];
  let day_s = 0;
  let recorded = 0;
  for (const [d, date] of options.dates.entries()) {
    const [dayStart, dayEnd] = localDayBoundsUtc(date, station.timeZone);
    day_s += (dayEnd - dayStart) / 1000;
    options.onProgress?.({ fraction: d / options.dates.length, date });
    const day = await scoreDate(p, date, dayStart, dayEnd, options.onProgress && ((f) => options.onProgress!({ fraction: (d + f) / options.dates.length, date })));
    perDay.push(day.figures);
    recorded += day.recorded;
  }
  options.onProgress?.({ fraction: 1, date: options.dates.at(-1) ?? '' });
  const out = rows(p, perDay, day_s);
  for (const r of out) r.recorded_windows = recorded;
  return { station_id: station.id, dates: [...options.dates], day_s, varied: p.varied, rows: out, elapsed_ms: performance.now() - t0 };
}

/** Each compacted day's snapshots, METARs, PWS cluster and windows, read once for every setting. */
export async function sweepRecordedDays(options: SweepCommon & { dataRoot: string | DataRoot }): Promise<SweepResult> {
  const root = typeof options.dataRoot === 'string' ? new DataRoot(options.dataRoot) : options.dataRoot;
  const station = getStation(options.station).id;
  return sweepDays(options, async (p, date, dayStart, dayEnd, onProgress) => {
    const levels = Math.max(1, ...p.configs.map((c) => c.triggers.depthCliffLevels));
    const reader = await DayReader.open(root, { station_id: station, date });
    try {
      const inputs = await reader.inputs();
      const snapshots: SnapshotStream = (onInstant) => reader.snapshots(levels, onInstant);
      const figures = await scoreDay({ station, dayStart, dayEnd, configs: p.configs, inputs, snapshots, onProgress, signal: options.signal });
      return { figures, recorded: inputs.recorded.length };
    } finally {
      reader.close();
    }
  });
}

/** One simulated day through the recorder with every setting as a shadow policy. */
export async function evaluateSimulatedDay(options: {
  station: string;
  date: string;
  seed: string | number;
  tokens?: number;
  /** Part of the day (default: all of it). */
  from?: number;
  to?: number;
  current: RecordingConfig;
  configs: readonly RecordingConfig[];
}): Promise<{ figures: DayFigures; recorded: Interval[]; windows: Interval[][] }> {
  const station = getStation(options.station);
  const [dayStart, dayEnd] = localDayBoundsUtc(options.date, station.timeZone);
  const startMs = options.from ?? dayStart;
  const endMs = options.to ?? dayEnd;
  const figures = new DayFigures(dayStart, dayEnd, DEFAULT_DELTA_BYTES);
  const { policies, collectors } = policiesFor(station.id, options.configs);
  const recordedWindows = new WindowCollector();
  await driveDay({
    config: options.current,
    startMs,
    endMs,
    source: (scheduler) =>
      new SimulatorSource({ station: station.id, seed: options.seed, tokens: options.tokens, date: options.date, start: startMs, to: endMs, speed: Infinity, scheduler }),
    shadowPolicies: policies,
    output: () => ({
      emit(e) {
        if (e.ch === 'event_windows') recordedWindows.emit(e);
        else if (e.ch === 'l2_snap_1s') {
          const prices = { bidPrices: e.bids.map((l) => l.p), bidCount: e.bids.length, askPrices: e.asks.map((l) => l.p), askCount: e.asks.length };
          figures.snapshot(ingestMs(e), e.token_id, e.seq, e.resync_epoch_id, e.book_ok, e.mid, tickOf(prices));
        }
      },
    }),
  });
  figures.recorded = recordedWindows.windows;
  return { figures, recorded: recordedWindows.windows, windows: collectors.map((c) => c.windows) };
}

/** The simulator's days regenerated from their seed, every message through the recorder. */
export async function sweepSimulatedDays(options: SweepCommon & { seed: string | number; tokens?: number }): Promise<SweepResult> {
  const station = getStation(options.station).id;
  return sweepDays(options, async (p, date) => {
    const day = await evaluateSimulatedDay({ station, date, seed: options.seed, tokens: options.tokens, current: p.current, configs: p.configs });
    return { figures: day.windows.map((w) => day.figures.score(w)), recorded: day.recorded.length };
  });
}

/** One output record per setting, the fields (what `--format json` prints). */
export type SweepRecord = Record<string, number | boolean>;

export function sweepRecords(result: SweepResult): SweepRecord[] {
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  return result.rows.map((row) => ({
    ...row.params,
    windows: row.windows,
    covered_s: r3(row.covered_s),
    covered_share: r4(row.covered_share),
    moves: row.moves,
    moves_in_window: row.moves_in_window,
    moves_share: r4(row.moves_share),
    est_delta_bytes: row.est_delta_bytes,
    recorded_windows: row.recorded_windows,
    found_recorded: row.found_recorded,
    current: row.current,
    best: row.best,
  }));
}

/** The result as the app shows it (HeliosApi's SweepReport). */
export function reportOf(result: SweepResult): SweepReport {
  return {
    station_id: result.station_id,
    dates: result.dates,
    day_s: result.day_s,
    elapsed_ms: result.elapsed_ms,
    rows: result.rows.map(({ setting: _, config, ...row }) => ({ ...row, settings: config as SweepReportRow['settings'] })),
  };
}
