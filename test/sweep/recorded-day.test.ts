/**
 * The sweep on a real recording: a simulated KLGA morning recorded by the recorder, compacted,
 * then swept — from its regenerated inputs (the recorder's windows come back exactly) and from
 * its 1 s snapshots (the CLI's path), through `helios sweep`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/cli/cli-error';
import { sweepCommand } from '../../src/cli/commands/sweep';
import { compactDay } from '../../src/services/compactor';
import { resolveRecordingConfig } from '../../src/services/recorder/config';
import { recordDay } from '../../src/services/recorder/session';
import { SimulatorSource } from '../../src/services/sources/simulator';
import { configOf } from '../../src/services/sweep/grid';
import { evaluateSimulatedDay } from '../../src/services/sweep/sweep';
import { DataRoot } from '../../src/services/data-root';
import { createBridgeApi } from '../../src/services/web/bridge-api';
import type { SweepJobStatus } from '../../src/shared/api';
import { WindowCollector } from '../../src/services/sweep/window-replay';
import { parseLine } from '../../src/shared/registry';
import { localDayBoundsUtc, NYC_TZ } from '../../src/shared/time';
import { readJournal } from '../recorder/journal-files';

const DATE = '2026-01-29';
const SEED = 3;
const [DAY_START] = localDayBoundsUtc(DATE, NYC_TZ);
const FROM = DAY_START + 9 * 3_600_000;
const TO = DAY_START + 12 * 3_600_000;
let root = '';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'helios-sweep-'));
  await recordDay({
    dataRoot: root,
    source: (scheduler) => new SimulatorSource({ date: DATE, seed: SEED, start: FROM, to: TO, speed: Infinity, scheduler }),
    startMs: FROM,
    endMs: TO,
  });
  await compactDay({ dataRoot: root, station: 'KLGA', date: DATE, threads: 0 });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function recordedWindows() {
  const collector = new WindowCollector();
  for (const f of readJournal(root)) {
    for (const line of f.lines) {
      const parsed = parseLine(line);
      if (parsed.ok && parsed.event.ch === 'event_windows') collector.emit(parsed.event);
    }
  }
  return collector.windows;
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...x: unknown[]) => void lines.push(x.join(' ')));
  try {
    return { code: await sweepCommand.run(args), out: lines.join('\n') };
  } finally {
    log.mockRestore();
  }
}

describe('window sweep on a recorded day', () => {
  it('on the inputs the recorder saw (the simulator day from its seed), the current setting gives back the recorded windows exactly', async () => {
    const recorded = recordedWindows();
    expect(recorded.length).toBeGreaterThan(3);
    const current = resolveRecordingConfig();
    const other = configOf(current, { midShockTicks: 2, window_s: 180 });
    const day = await evaluateSimulatedDay({ station: 'KLGA', date: DATE, seed: SEED, from: FROM, to: TO, current, configs: [other, current] });
    expect(day.windows[1]).toEqual(recorded); // starts, ends and reasons, window for window
    expect(day.recorded).toEqual(recorded);
    expect(day.windows[0]).not.toEqual(recorded);
  }, 120_000);

  it('on the 1 s snapshots alone, says how many of the recorded windows the current setting finds', async () => {
    const { code, out } = await cli(['--data', root, '--station', 'KLGA', '--from', DATE]);
    expect(code).toBe(0);
    const recorded = recordedWindows().length;
    const finds = /finds (\d+) of the (\d+) recorded windows/.exec(out);
    expect(finds).not.toBeNull();
    expect(Number(finds![2])).toBe(recorded);
    expect(Number(finds![1])).toBeGreaterThan(recorded / 2);
    expect(Number(finds![1])).toBeLessThanOrEqual(recorded);
    expect(out.split('\n').filter((l) => /^\*/.test(l))).toHaveLength(1); // the current setting, marked
    expect(out).toMatch(/^best \+/m);
    expect(out).toMatch(/45 settings in [\d.]+ s \([\d.]+ settings×days\/s\)/);
  }, 120_000);

  it('prints one JSON array with every field, the current and the best setting marked', async () => {
    const { out } = await cli(['--data', root, '--from', DATE, '--format', 'json']);
    const records = JSON.parse(out) as Record<string, unknown>[];
    expect(records).toHaveLength(45);
    expect(Object.keys(records[0]!)).toEqual([
      'mid_shock_ticks',
      'min_move',
      'window_s',
      'windows',
      'covered_s',
      'covered_share',
      'moves',
      'moves_in_window',
      'moves_share',
      'est_delta_bytes',
      'recorded_windows',
      'found_recorded',
      'current',
      'best',
    ]);
    expect(records.filter((r) => r.current)).toEqual([expect.objectContaining({ mid_shock_ticks: 4, min_move: 0.02, window_s: 60 })]);
    const current = records.find((r) => r.current)!;
    const best = records.find((r) => r.best)!;
    expect(best.covered_s as number).toBeLessThanOrEqual(current.covered_s as number);
    expect(best.moves_in_window as number).toBeGreaterThanOrEqual(current.moves_in_window as number);
    for (const r of records) expect(r.covered_s as number).toBeLessThanOrEqual(86_400);
  }, 120_000);

  it('varies any trigger parameter from a grid file, and refuses a bad grid with the reason', async () => {
    const grid = join(root, 'grid.json');
    writeFileSync(grid, JSON.stringify({ depthCliffShares: [50, 200], spreadPersistS: [2, 5] }));
    const { out } = await cli(['--data', root, '--from', DATE, '--grid', grid, '--format', 'csv']);
    const [header, ...lines] = out.split('\n');
    const columns = header!.split(',');
    expect(columns.slice(0, 3)).toEqual(['depth_cliff_shares', 'spread_persist_s', 'windows']);
    // the settings in force (100 shares, 5 s) are off this grid: evaluated too, last, and marked
    expect(lines).toHaveLength(4 + 1);
    const last = Object.fromEntries(columns.map((c, i) => [c, lines.at(-1)!.split(',')[i]]));
    expect(last).toMatchObject({ depth_cliff_shares: '100', spread_persist_s: '5', current: 'true' });
    writeFileSync(grid, JSON.stringify({ midShockTick: [2] }));
    await expect(cli(['--data', root, '--from', DATE, '--grid', grid])).rejects.toThrow(/grid .*midShockTick/);
    writeFileSync(grid, JSON.stringify({ midShockMinMove: [2] }));
    await expect(cli(['--data', root, '--from', DATE, '--grid', grid])).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('midShockMinMove') });
    await expect(cli(['--data', root, '--from', '2026-01-30'])).rejects.toThrow(CliError);
  }, 120_000);

  it('runs on a worker through the app’s API (the browser bridge here): progress, then the report', async () => {
    const api = createBridgeApi({ dataRoot: new DataRoot(root), info: () => ({ version: 'test', live_available: false, live_station_id: null }) });
    const { job } = (await api.call('startSweep', [{ station_id: 'KLGA', date: DATE, grid: { midShockTicks: [3, 4], window_s: [60, 120] } }])) as { job: string };
    let status: SweepJobStatus;
    do {
      await new Promise((r) => setTimeout(r, 100));
      status = (await api.call('sweepStatus', [{ job }])) as SweepJobStatus;
      expect(status.fraction).toBeGreaterThanOrEqual(0);
    } while (status.state === 'running');
    expect(status).toMatchObject({ state: 'done', fraction: 1, error: null });
    const rows = status.report!.rows;
    expect(rows.map((r) => r.params)).toEqual([
      { mid_shock_ticks: 3, window_s: 60 },
      { mid_shock_ticks: 3, window_s: 120 },
      { mid_shock_ticks: 4, window_s: 60 },
      { mid_shock_ticks: 4, window_s: 120 },
    ]);
    expect(rows.filter((r) => r.current).map((r) => r.params)).toEqual([{ mid_shock_ticks: 4, window_s: 60 }]);
    expect(rows[1]!.settings).toEqual({ triggers: { midShockTicks: 3 }, windows: { midShockS: 120, spreadRegimeS: 120, depthCliffS: 120 } });
    await expect(api.call('startSweep', [{ station_id: 'KLGA', date: DATE, grid: { midShockTicks: ['x'] } }])).rejects.toThrow(/startSweep: invalid arguments/);
    await expect(api.call('startSweep', [{ station_id: 'KLGA', date: DATE, grid: { mid_shock: [2] } }])).rejects.toThrow(/startSweep: grid: .*mid_shock/);
    await expect(api.call('startSweep', [{ station_id: 'KLGA', date: '2026-01-30' }])).rejects.toThrow(/no compacted day KLGA 2026-01-30/);
  }, 120_000);
});
