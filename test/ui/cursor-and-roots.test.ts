import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import { cursorStory } from '../../src/renderer/src/session/cursor';
import { appDataDir, defaultDataRoot } from '../../src/services/app-folders';
import { rendererBuildReason } from '../../src/services/web/renderer-build';
import { syntheticDay } from './synthetic-day';

const day = syntheticDay({ start_ms: Date.parse('2026-01-29T15:40:00.000Z'), minutes: 20 });
const stateAt = (ms: number) => applyEvents(emptyChannelState(), day.events.filter((e) => Date.parse(e.ts_ingest_utc) <= ms));

describe('the story at the cursor', () => {
  test('inside a window it is the window’s correlation; after it, the latest METAR’s; before any, the last event’s', () => {
    const metarMs = day.metar_ms[0]!;
    const inside = stateAt(metarMs + 30_000);
    const metar = inside.metar!;
    expect(cursorStory(inside)).toMatchObject({ source: 'window', correlation_id: metar.correlation_id });
    const after = stateAt(metarMs + 5 * 60_000); // the 120 s window has closed
    expect(Object.keys(after.open_windows)).toHaveLength(0);
    expect(cursorStory(after)).toMatchObject({ source: 'metar', correlation_id: metar.correlation_id });
    const before = stateAt(day.start_ms + 10_000);
    expect(before.metar).toBeNull();
    expect(cursorStory(before)).toMatchObject({ source: 'last_event', correlation_id: before.last_event!.correlation_id });
    expect(cursorStory(emptyChannelState())).toBeNull();
  });
});

describe('npm run web defaults', () => {
  test('the data root is the desktop app’s on each platform, HELIOS_DATA first', () => {
    expect(defaultDataRoot({}, 'linux', '/home/ana')).toBe('/home/ana/.config/HELIOS Tape/data');
    expect(defaultDataRoot({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/ana')).toBe('/cfg/HELIOS Tape/data');
    expect(appDataDir({}, 'darwin', '/Users/ana')).toBe('/Users/ana/Library/Application Support');
    expect(appDataDir({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ana')).toBe('C:\\Users\\ana\\AppData\\Roaming');
    expect(defaultDataRoot({ HELIOS_DATA: '/data/helios' }, 'linux', '/home/ana')).toBe('/data/helios');
  });

  test('the renderer is rebuilt when its output is missing or older than its sources', async () => {
    const out = await mkdtemp(join(tmpdir(), 'helios-out-'));
    try {
      expect(await rendererBuildReason(out)).toMatch(/index\.html is missing/);
      await mkdir(out, { recursive: true });
      await writeFile(join(out, 'index.html'), '');
      const future = new Date(Date.now() + 3_600_000);
      await utimes(join(out, 'index.html'), future, future);
      expect(await rendererBuildReason(out)).toBeNull();
      const past = new Date(Date.parse('2000-01-01'));
      await utimes(join(out, 'index.html'), past, past);
      expect(await rendererBuildReason(out)).toBe('sources changed since the last build');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
