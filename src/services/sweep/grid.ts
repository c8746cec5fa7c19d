/**
 * The settings a window sweep evaluates: a grid of values per window/trigger parameter of the
 * recording config (src/services/recorder/config.ts), expanded into every combination. A grid
 * file is JSON `{ "<parameter>": [values…], … }` with the recording config's names, plus
 * `window_s`: the length of every market-triggered window (MID_SHOCK, SPREAD_REGIME, DEPTH_CLIFF).
 */
import { z } from 'zod';
import { recordingConfigSchema, resolveRecordingConfig, type RecordingConfig, type RecordingConfigInput } from '../recorder/config';

const TRIGGER_PARAMS = Object.keys(recordingConfigSchema.shape.triggers.unwrap().shape) as (keyof RecordingConfig['triggers'])[];
const WINDOW_PARAMS = Object.keys(recordingConfigSchema.shape.windows.unwrap().shape) as (keyof RecordingConfig['windows'])[];
export const WINDOW_S = 'window_s';
const MARKET_WINDOWS = ['midShockS', 'spreadRegimeS', 'depthCliffS'] as const;
export const SWEEP_PARAMS = [...TRIGGER_PARAMS, ...WINDOW_PARAMS, WINDOW_S] as const;
export type SweepParam = (typeof SWEEP_PARAMS)[number];

/** One combination: a value for every varied parameter. */
export type Setting = Partial<Record<SweepParam, number>>;
export type Grid = Partial<Record<SweepParam, readonly number[]>>;

export const MAX_SETTINGS = 2000;

/** The default: mid-shock ticks × minimum move × window length, 45 settings. */
export const DEFAULT_GRID: Grid = { midShockTicks: [2, 3, 4, 6, 8], midShockMinMove: [0.01, 0.02, 0.03], window_s: [60, 120, 180] };

export const gridSchema = z
  .partialRecord(z.enum(SWEEP_PARAMS as unknown as [SweepParam, ...SweepParam[]]), z.array(z.number().refine(Number.isFinite, 'expected a finite number')).min(1).max(100))
  .refine((g) => Object.keys(g).length > 0, 'a grid varies at least one parameter');

/** Every combination of the grid's values, the first parameter varying slowest. */
export function settingsOf(grid: Grid): Setting[] {
  let settings: Setting[] = [{}];
  for (const [param, values] of Object.entries(grid) as [SweepParam, readonly number[]][]) {
    settings = settings.flatMap((s) => [...new Set(values)].map((v) => ({ ...s, [param]: v })));
  }
  if (settings.length > MAX_SETTINGS) throw new Error(`the grid has ${settings.length} settings, more than ${MAX_SETTINGS}`);
  return settings;
}

/** The recording config with a setting applied (validated: an out-of-range value is refused with its reason). */
export function configOf(base: RecordingConfig, setting: Setting): RecordingConfig {
  const input: RecordingConfigInput = { ...base, triggers: { ...base.triggers }, windows: { ...base.windows } };
  for (const [param, value] of Object.entries(setting) as [SweepParam, number][]) {
    if (param === WINDOW_S) for (const w of MARKET_WINDOWS) input.windows![w] = value;
    else if ((WINDOW_PARAMS as string[]).includes(param)) input.windows![param as keyof RecordingConfig['windows']] = value;
    else input.triggers![param as keyof RecordingConfig['triggers']] = value;
  }
  return resolveRecordingConfig(input);
}

/** A parameter's value in a config (`window_s`: the market windows' length, NaN if they differ). */
export function valueIn(config: RecordingConfig, param: SweepParam): number {
  if (param === WINDOW_S) {
    const [first, ...rest] = MARKET_WINDOWS.map((w) => config.windows[w]);
    return rest.every((x) => x === first) ? first! : Number.NaN;
  }
  if ((WINDOW_PARAMS as string[]).includes(param)) return config.windows[param as keyof RecordingConfig['windows']];
  return config.triggers[param as keyof RecordingConfig['triggers']];
}

/** Whether `setting` is what `config` has in force. */
export function isCurrent(setting: Setting, config: RecordingConfig): boolean {
  return (Object.entries(setting) as [SweepParam, number][]).every(([param, value]) => Math.abs(valueIn(config, param) - value) < 1e-12);
}

/** The output column of a parameter: `mid_shock_ticks`, `min_move`, `window_s`, others in snake_case. */
export function columnName(param: SweepParam): string {
  if (param === 'midShockMinMove') return 'min_move';
  return param.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The setting as a recording config fragment, to put into the recorder's settings file. */
export function settingAsConfig(setting: Setting): { triggers?: Partial<RecordingConfig['triggers']>; windows?: Partial<RecordingConfig['windows']> } {
  const out: { triggers?: Partial<RecordingConfig['triggers']>; windows?: Partial<RecordingConfig['windows']> } = {};
  for (const [param, value] of Object.entries(setting) as [SweepParam, number][]) {
    if (param === WINDOW_S) out.windows = { ...out.windows, midShockS: value, spreadRegimeS: value, depthCliffS: value };
    else if ((WINDOW_PARAMS as string[]).includes(param)) out.windows = { ...out.windows, [param]: value };
    else out.triggers = { ...out.triggers, [param]: value };
  }
  return out;
}
