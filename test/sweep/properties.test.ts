/**
 * The sweep's properties (issue #15, Proof) on synthetic days, through the same scoreDay the CLI
 * runs on Parquet: the recorder's window logic over 1 s snapshots and world inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveRecordingConfig, type RecordingConfig } from '../../src/services/recorder/config';
import { configOf } from '../../src/services/sweep/grid';
import type { DayInputs } from '../../src/services/sweep/read-day';
import { scoreDay } from '../../src/services/sweep/sweep';
import type { SnapshotRow } from '../../src/services/sweep/window-replay';

const DAY_START = Date.UTC(2026, 0, 29, 15, 0, 0);
const SECONDS = 1200;

interface Day {
  /** Per token, per second: mid in cents and top-5 size, book_ok, epoch bumps. */
  tokens: { mids: number[]; sizes: number[]; ok: boolean[] }[];
  metars: number[];
  qc: number[];
}

const dayArb: fc.Arbitrary<Day> = fc.record({
  tokens: fc.array(
    fc
      .record({
        start: fc.integer({ min: 20, max: 80 }),
        steps: fc.array(fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: -2, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: -9, max: 9 }) }), { minLength: SECONDS, maxLength: SECONDS }),
        cliffs: fc.array(fc.integer({ min: 0, max: SECONDS - 1 }), { maxLength: 4 }),
        gaps: fc.array(fc.integer({ min: 0, max: SECONDS - 1 }), { maxLength: 3 }),
      })
      .map(({ start, steps, cliffs, gaps }) => {
        const mids: number[] = [];
        let mid = start;
        for (const s of steps) mids.push((mid = Math.min(95, Math.max(5, mid + s))));
        const sizes = mids.map((_, i) => (cliffs.some((c) => i >= c && i < c + 20) ? 10 : 500));
        const ok = mids.map((_, i) => !gaps.some((g) => i >= g && i < g + 5));
        return { mids, sizes, ok };
      }),
    { minLength: 1, maxLength: 3 },
  ),
  metars: fc.array(fc.integer({ min: 0, max: SECONDS * 1000 }), { maxLength: 3 }),
  qc: fc.array(fc.integer({ min: 0, max: SECONDS * 1000 }), { maxLength: 2 }),
});

function inputsOf(day: Day): DayInputs {
  return {
    metars: [...day.metars].sort((a, b) => a - b).map((t, i) => ({ t: DAY_START + t + 1, event_id: `m${i}`, label: 'METAR KLGA' })),
    qc: [...day.qc].sort((a, b) => a - b).map((t) => ({ t: DAY_START + t + 1, detail: 'QC' })),
    manual: [],
    recorded: [],
    deltaRows: 0,
    deltaBytes: 0,
  };
}

function snapshotsOf(day: Day) {
  return async (onInstant: (t: number, rows: readonly SnapshotRow[]) => void) => {
    let seq = 0;
    for (let s = 0; s < SECONDS; s++) {
      const rows = day.tokens.map((tok, k): SnapshotRow => {
        const mid = tok.mids[s]! / 100;
        const epoch = tok.ok.slice(0, s + 1).filter((ok, i) => ok && (i === 0 || !tok.ok[i - 1])).length;
        const levels = (from: number, dir: number) => Array.from({ length: 5 }, (_, i) => Math.round((from + dir * i * 0.01) * 100) / 100);
        return {
          token_id: `t${k}`,
          market_id: 'm',
          seq: (seq += 3),
          epoch,
          ok: tok.ok[s]!,
          bidPrices: levels(mid - 0.01, -1),
          bidSizes: Array(5).fill(tok.sizes[s]!),
          bidCount: 5,
          askPrices: levels(mid + 0.01, 1),
          askSizes: Array(5).fill(tok.sizes[s]!),
          askCount: 5,
        };
      });
      onInstant(DAY_START + s * 1000, rows);
    }
  };
}

function score(day: Day, configs: RecordingConfig[], dayEnd = DAY_START + SECONDS * 1000) {
  return scoreDay({ station: 'KLGA', dayStart: DAY_START, dayEnd, configs, inputs: inputsOf(day), snapshots: snapshotsOf(day) });
}

describe('window sweep properties', () => {
  it('a lower mid-shock threshold never captures fewer moves (without the cool-down an earlier, smaller shock would start)', async () => {
    const base = resolveRecordingConfig({ triggers: { midShockCooldownS: 0 } });
    const grid = [1, 2, 3, 4, 6, 8].flatMap((ticks) => [0, 0.01, 0.02, 0.03].map((move) => ({ ticks, move })));
    const configs = grid.map((g) => configOf(base, { midShockTicks: g.ticks, midShockMinMove: g.move }));
    await fc.assert(
      fc.asyncProperty(dayArb, async (day) => {
        const figures = await score(day, configs);
        for (const [i, a] of grid.entries()) {
          for (const [j, b] of grid.entries()) {
            if (a.ticks <= b.ticks && a.move <= b.move) expect(figures[i]!.moves_in_window, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBeGreaterThanOrEqual(figures[j]!.moves_in_window);
          }
        }
        expect(figures[0]!.moves).toBe(figures.at(-1)!.moves); // what counts as a move does not depend on the setting
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('never counts more covered time than the day has, however long the windows and wherever they fall', async () => {
    await fc.assert(
      fc.asyncProperty(dayArb, fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 60, max: 180 }), fc.integer({ min: 60, max: SECONDS }), async (day, windowS, metarS, daySeconds) => {
        const config = configOf(resolveRecordingConfig({ windows: { metarS }, triggers: { midShockTicks: 1, midShockMinMove: 0 } }), { window_s: windowS, qcOutlierS: windowS });
        const [f] = await score(day, [config], DAY_START + daySeconds * 1000);
        expect(f!.covered_s).toBeLessThanOrEqual(daySeconds);
        expect(f!.moves_in_window).toBeLessThanOrEqual(f!.moves);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
