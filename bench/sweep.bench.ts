/**
 * `npm run bench -- sweep`: the window sweep over a 24 h, 8-token KLGA day (the simulator's day,
 * recorded and compacted at the start of the run) with the default 45-setting grid, against the
 * baseline an analyst without the one-pass sweep has: one sweep per setting, each reading the day
 * again (measured on BASELINE_SETTINGS settings; the rate is what compares). Goal: the 45 settings
 * in under a minute. BENCH_DATA=<data root holding a compacted KLGA 2026-01-29> skips the setup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDay } from '../src/services/compactor';
import { recordDay } from '../src/services/recorder/session';
import { SimulatorSource } from '../src/services/sources/simulator';
import { DEFAULT_GRID, settingsOf } from '../src/services/sweep/grid';
import { sweepRecordedDays } from '../src/services/sweep/sweep';

const DATE = '2026-01-29';
const ROUNDS = 2;
const BASELINE_SETTINGS = 4;

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const own = process.env.BENCH_DATA === undefined;
  const root = process.env.BENCH_DATA ?? mkdtempSync(join(tmpdir(), 'helios-sweep-bench-'));
  try {
    console.log(`machine: load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
    if (own) {
      const t = performance.now();
      const stats = await recordDay({ dataRoot: root, source: (scheduler) => new SimulatorSource({ date: DATE, seed: 1, speed: Infinity, scheduler }), startMs: Date.parse(`${DATE}T05:00:00Z`), endMs: Date.parse('2026-01-30T05:00:00Z') });
      await compactDay({ dataRoot: root, station: 'KLGA', date: DATE });
      const snapshots = stats.recorder.events.l2_snap_1s;
      console.log(`setup: simulated ${DATE} (8 tokens, 24 h, ${snapshots.toLocaleString('en-US')} snapshots) recorded and compacted in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const settings = settingsOf(DEFAULT_GRID);
    const runs: { ms: number; cpu: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const c0 = process.cpuUsage();
      const result = await sweepRecordedDays({ dataRoot: root, station: 'KLGA', dates: [DATE] });
      runs.push({ ms: result.elapsed_ms, cpu: cpuMs(c0) });
    }
    const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const rate = settings.length / (best.ms / 1000);
    console.log(`one pass, ${settings.length} settings × 1 day: ${runs.map((r) => (r.ms / 1000).toFixed(1)).join(' / ')} s wall (best), ${(best.cpu / 1000).toFixed(1)} s CPU → ${rate.toFixed(2)} settings×days/s`);

    let baselineMs = 0;
    const c0 = process.cpuUsage();
    for (const setting of settings.slice(0, BASELINE_SETTINGS)) {
      const grid = Object.fromEntries(Object.entries(setting).map(([k, v]) => [k, [v]]));
      baselineMs += (await sweepRecordedDays({ dataRoot: root, station: 'KLGA', dates: [DATE], grid })).elapsed_ms;
    }
    const baselineRate = BASELINE_SETTINGS / (baselineMs / 1000);
    console.log(
      `baseline, one sweep per setting (${BASELINE_SETTINGS} settings): ${(baselineMs / 1000).toFixed(1)} s wall, ${(cpuMs(c0) / 1000).toFixed(1)} s CPU → ${baselineRate.toFixed(2)} settings×days/s (${((settings.length / baselineRate)).toFixed(0)} s for all ${settings.length})`,
    );
    console.log(`ratio one pass / one sweep per setting: ${(rate / baselineRate).toFixed(1)}× the settings×days per second`);
    console.log(`goal: ${settings.length} settings of a 24 h 8-token day in < 60 s → ${best.ms < 60_000 ? 'met' : 'NOT met'} (${(best.ms / 1000).toFixed(1)} s, load ${loadavg()[0]!.toFixed(1)})`);
  } finally {
    if (own) rmSync(root, { recursive: true, force: true });
  }
}

await main();
