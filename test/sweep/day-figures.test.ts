import { expect, it } from 'vitest';
import { DayFigures } from '../../src/services/sweep/day-figures';

const T = Date.UTC(2026, 0, 29, 5, 0, 0);
const s = (k: number) => T + k * 1000;

it('scores a setting’s windows: covered time, moves caught, deltas kept, recorded windows found', () => {
  const day = new DayFigures(T, s(100), 20);
  // token a: 4 level changes a second; a 3-tick move at 10 s and at 50 s, a 2-tick one at 30 s
  const mids: Record<number, number> = { 10: 0.53, 30: 0.55, 50: 0.58 };
  let mid = 0.5;
  for (let k = 0; k < 100; k++) {
    mid = mids[k] ?? mid;
    day.snapshot(s(k), 'a', 4 * k, 1, true, mid, 0.01);
  }
  // token b: untrusted from 49 s, so its 5-tick move at 50 s is no move
  for (let k = 0; k < 100; k++) day.snapshot(s(k), 'b', 0, 1, k < 49, k < 50 ? 0.2 : 0.25, 0.01);
  day.recorded = [
    { start: s(5), end: s(8), reasons: ['METAR'] },
    { start: s(40), end: s(45), reasons: ['MANUAL'] },
    { start: s(60), end: s(70), reasons: ['QC'] },
  ];
  expect(day.moves).toEqual([s(10), s(50)]);
  const f = day.score([
    { start: s(9) + 500, end: s(20), reasons: ['MID_SHOCK'] },
    { start: s(44), end: s(49) + 1, reasons: ['METAR'] },
    { start: s(95), end: s(130), reasons: ['MANUAL'] },
  ]);
  expect(f).toEqual({
    windows: 3,
    covered_s: 10.5 + 5.001 + 5, // clipped at the day's end
    moves: 2,
    moves_in_window: 2, // (9 s, 10 s] and (49 s, 50 s] are each touched by a window
    // 4 changes a second at 20 bytes each, over the covered seconds that have a snapshot after them
    est_delta_bytes: Math.round((10.5 + 5.001 + 4) * 4 * 20),
    found_recorded: 1, // only [40 s, 45 s) overlaps one
  });
});
