/**
 * The timeline's zoom and pan: which part of the day [start, end] it shows. `null` is the whole
 * day; a zoomed view is kept inside the day and never narrower than `MIN_SPAN_MS`.
 */
import type { TimeRange } from './store/ui-store';

export const MIN_SPAN_MS = 10_000;

/** `view` clamped into [start, end]; null when it covers the whole day. */
export function clampView(view: TimeRange | null, [start, end]: readonly [number, number]): TimeRange | null {
  if (!view) return null;
  const full = end - start;
  const span = Math.max(Math.min(MIN_SPAN_MS, full), Math.min(view.to - view.from, full));
  if (span >= full) return null;
  const from = Math.min(Math.max(view.from, start), end - span);
  return { from, to: from + span };
}

/**
 * Zoom by `factor` (< 1 in, > 1 out) keeping `anchor` (the pointer, or the cursor) where it is on
 * screen; without an anchor, around the middle.
 */
export function zoomView(view: TimeRange | null, day: readonly [number, number], anchor: number | null, factor: number): TimeRange | null {
  const current = view ?? { from: day[0], to: day[1] };
  const span = current.to - current.from;
  const at = anchor !== null && anchor >= current.from && anchor <= current.to ? anchor : current.from + span / 2;
  const share = (at - current.from) / span;
  const next = span * factor;
  return clampView({ from: at - share * next, to: at - share * next + next }, day);
}

/** Move the view by `deltaMs` (kept inside the day). */
export function panView(view: TimeRange | null, day: readonly [number, number], deltaMs: number): TimeRange | null {
  if (!view) return null;
  return clampView({ from: view.from + deltaMs, to: view.to + deltaMs }, day);
}
