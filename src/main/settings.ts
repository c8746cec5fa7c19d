/**
 * What the desktop app remembers between runs: the last data root and the window layout, in
 * `<userData>/settings.json`, validated with zod on read. A file that doesn't validate is kept
 * aside as `settings.invalid.json` (nothing is lost) and the defaults are used.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { describeZodError } from '../shared/registry';
import { retentionPolicySchema } from '../services/retention/policy';
import type { WindowBounds } from './security';

const windowState = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(200).max(100_000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof windowState>;

export const settingsSchema = z.object({
  version: z.literal(1),
  /** Absolute path of the data root last opened; null = the default under userData. */
  data_root: z.string().min(1).nullable().default(null),
  window: windowState.nullable().default(null),
  /** Delete what has outlived the policy once a day (docs/spec.md §8; `helios retention` shows what). */
  retention: z
    .object({ daily: z.boolean().default(false), policy: retentionPolicySchema.prefault({}) })
    .prefault({}),
});
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({ version: 1 });
export const DEFAULT_WINDOW: WindowBounds = { width: 1400, height: 900 };

export function settingsFile(userDataDir: string): string {
  return join(userDataDir, 'settings.json');
}

export async function loadSettings(file: string): Promise<{ settings: Settings; warning: string | null }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { settings: DEFAULT_SETTINGS, warning: null };
    throw e;
  }
  let reason: string;
  try {
    const parsed = settingsSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { settings: parsed.data, warning: null };
    reason = describeZodError(parsed.error);
  } catch (e) {
    reason = `not JSON (${(e as Error).message})`;
  }
  const kept = join(dirname(file), 'settings.invalid.json');
  await rename(file, kept);
  return { settings: DEFAULT_SETTINGS, warning: `${file}: ${reason}; kept as ${kept}, using defaults` };
}

/** Atomic: a crash mid-write leaves the previous file, never half of a new one. */
export async function saveSettings(file: string, settings: Settings): Promise<void> {
  const valid = settingsSchema.parse(settings);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(valid, null, 2) + '\n');
  await rename(tmp, file);
}

export interface SettingsStore {
  get(): Settings;
  /** Apply a change now; written to disk after `debounceMs` (window moves come in bursts). */
  update(patch: Partial<Omit<Settings, 'version'>>): void;
  /** Write pending changes now (on quit). */
  flush(): Promise<void>;
}

export function createSettingsStore(
  file: string,
  initial: Settings,
  { debounceMs = 500, onError = (e: unknown) => console.error('HELIOS: saving settings failed', e) } = {},
): SettingsStore {
  let current = initial;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let writing: Promise<void> = Promise.resolve();

  const write = () => {
    timer = null;
    const snapshot = current;
    writing = writing.then(() => saveSettings(file, snapshot)).catch(onError);
    return writing;
  };

  return {
    get: () => current,
    update(patch) {
      current = settingsSchema.parse({ ...current, ...patch });
      if (!timer) timer = setTimeout(write, debounceMs);
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        await write();
      } else {
        await writing;
      }
    },
  };
}

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The bounds to open the window with: the saved ones when at least a usable part of the title bar
 * area is on a connected display, else the saved size (capped to the primary display) centred.
 */
export function restoreBounds(saved: WindowState | null, workAreas: readonly Rectangle[]): WindowBounds {
  if (!saved) return DEFAULT_WINDOW;
  const primary = workAreas[0];
  const width = primary ? Math.min(saved.width, primary.width) : saved.width;
  const height = primary ? Math.min(saved.height, primary.height) : saved.height;
  if (saved.x === undefined || saved.y === undefined) return { width, height };
  const titleBar: Rectangle = { x: saved.x, y: saved.y, width: saved.width, height: 40 };
  const visible = workAreas.some((area) => overlap(titleBar, area) >= Math.min(100, saved.width) * 20);
  return visible ? { x: saved.x, y: saved.y, width: saved.width, height: saved.height } : { width, height };
}

function overlap(a: Rectangle, b: Rectangle): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}
