/**
 * The market's tick size, as its book shows it: the coarsest power-of-ten step every level price
 * sits on (Polymarket: 0.01, or 0.001 near the ends of the range). Price axes print one decimal
 * more than the tick (a mid can be half a tick) and step their labels by half a tick, so
 * neighbouring labels never repeat.
 */
import type { Level } from '../../shared/book';

const STEPS = [0.01, 0.001, 0.0001] as const;

export function tickSizeOf(levels: readonly Level[]): number | null {
  if (levels.length === 0) return null;
  for (const tick of STEPS) {
    if (levels.every((l) => Math.abs(l.p / tick - Math.round(l.p / tick)) < 1e-6)) return tick;
  }
  return STEPS[STEPS.length - 1]!;
}

/** Axis format for prices of a market with this tick: digits and the smallest step between labels. */
export function priceFormatFor(tick: number | null): { precision: number; minMove: number } {
  const t = tick ?? 0.001;
  const decimals = Math.round(-Math.log10(t));
  return { precision: decimals + 1, minMove: Number((t / 2).toFixed(decimals + 1)) };
}
