/** Where "next/previous METAR, event window, shock" lead, from the manifest's timeline markers. */
import type { Marker } from '../manifest';
import { parseIsoMs } from '../time';

export type JumpKind = 'metar' | 'window' | 'shock';

const KIND: Record<JumpKind, Marker['kind']> = { metar: 'METAR', window: 'WINDOW', shock: 'SHOCK' };

/**
 * The first marker of `kind` strictly after `fromMs` (direction 1) or the last one strictly before
 * it (direction -1); null when there is none. Windows are reached at their start.
 */
export function jumpTarget(markers: readonly Marker[], kind: JumpKind, fromMs: number, direction: 1 | -1): { ms: number; marker: Marker } | null {
  let best: { ms: number; marker: Marker } | null = null;
  for (const marker of markers) {
    if (marker.kind !== KIND[kind]) continue;
    const ms = parseIsoMs(marker.ts);
    if (direction === 1 ? ms > fromMs && (!best || ms < best.ms) : ms < fromMs && (!best || ms > best.ms)) best = { ms, marker };
  }
  return best;
}
