import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSettingsStore, DEFAULT_SETTINGS, DEFAULT_WINDOW, loadSettings, restoreBounds, saveSettings, settingsFile } from '../../src/main/settings';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helios-settings-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

describe('settings persistence', () => {
  it('starts from defaults on first run', async () => {
    expect(await loadSettings(settingsFile(dir))).toEqual({ settings: DEFAULT_SETTINGS, warning: null });
  });

  it('remembers the data root and window layout across runs', async () => {
    const file = settingsFile(dir);
    const store = createSettingsStore(file, DEFAULT_SETTINGS, { debounceMs: 10_000 });
    store.update({ data_root: '/srv/helios/data' });
    store.update({ window: { x: 40, y: 60, width: 1500, height: 950, maximized: true } });
    await store.flush();
    const { settings } = await loadSettings(file);
    expect(settings).toEqual({
      version: 1,
      data_root: '/srv/helios/data',
      window: { x: 40, y: 60, width: 1500, height: 950, maximized: true },
      retention: DEFAULT_SETTINGS.retention,
    });
  });

  it('coalesces a burst of window moves into one write after the debounce', async () => {
    vi.useFakeTimers();
    const file = settingsFile(dir);
    const store = createSettingsStore(file, DEFAULT_SETTINGS, { debounceMs: 500 });
    for (let x = 0; x < 50; x++) store.update({ window: { x, y: 0, width: 1000, height: 800, maximized: false } });
    await vi.advanceTimersByTimeAsync(400);
    await expect(readFile(file, 'utf8')).rejects.toThrow(); // nothing written yet
    await vi.advanceTimersByTimeAsync(200);
    vi.useRealTimers();
    await store.flush();
    expect(JSON.parse(await readFile(file, 'utf8')).window.x).toBe(49);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps an invalid file aside, says so, and uses the defaults', async () => {
    const file = settingsFile(dir);
    await writeFile(file, JSON.stringify({ version: 1, data_root: 42, window: null }));
    const { settings, warning } = await loadSettings(file);
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(warning).toMatch(/data_root/);
    expect(JSON.parse(await readFile(join(dir, 'settings.invalid.json'), 'utf8')).data_root).toBe(42);
  });

  it('treats a truncated file the same way', async () => {
    await writeFile(settingsFile(dir), '{"version":1,"data_ro');
    const { settings, warning } = await loadSettings(settingsFile(dir));
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(warning).toMatch(/not JSON/);
  });

  it('refuses to save something invalid', async () => {
    await expect(saveSettings(settingsFile(dir), { ...DEFAULT_SETTINGS, window: { width: 10, height: 10, maximized: false } })).rejects.toThrow();
  });
});

describe('window bounds restore', () => {
  const primary = { x: 0, y: 0, width: 1920, height: 1080 };
  const right = { x: 1920, y: 0, width: 2560, height: 1440 };

  it('uses the default size the first time', () => {
    expect(restoreBounds(null, [primary])).toEqual(DEFAULT_WINDOW);
  });

  it('reopens where it was on a display that is still connected', () => {
    const saved = { x: 2000, y: 100, width: 1600, height: 1000, maximized: false };
    expect(restoreBounds(saved, [primary, right])).toEqual({ x: 2000, y: 100, width: 1600, height: 1000 });
  });

  it('recentres (and fits) a window whose display was unplugged', () => {
    const saved = { x: 2000, y: 100, width: 2400, height: 1300, maximized: false };
    expect(restoreBounds(saved, [primary])).toEqual({ width: 1920, height: 1080 });
  });
});
