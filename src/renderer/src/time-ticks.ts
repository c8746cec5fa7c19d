/**
 * Time-axis ticks at round wall-clock times of the chosen zone (whole hours, 15 minutes, 10
 * seconds, … whatever fits), shared by the timeline and the SVG charts so every axis reads the
 * same and follows a zone switch at once.
 */
import { utcOffsetMinutes } from '../../shared/time';
import { formatHourMinute, formatTime, ZONES, type ZoneChoice } from './format';

const STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200];

export interface Tick {
  ms: number;
  label: string;
}

/**
 * Ticks in [from, to] at least `minPx` apart on a `widthPx` wide axis, on round local times of
 * `zone` (a whole-hour zone offset keeps hours round; Intl gives the offset at each tick, so DST
 * days are right).
 */
export function timeTicks(from: number, to: number, widthPx: number, zone: ZoneChoice, minPx = 56): Tick[] {
  if (!(to > from) || widthPx <= 0) return [];
  const msPerPx = (to - from) / widthPx;
  const stepS = STEPS_S.find((s) => (s * 1000) / msPerPx >= minPx) ?? STEPS_S[STEPS_S.length - 1]!;
  const step = stepS * 1000;
  const tz = ZONES[zone].timeZone;
  const offsetMs = (ms: number) => (tz === 'UTC' ? 0 : utcOffsetMinutes(ms, tz) * 60_000);
  const format = stepS < 60 ? formatTime : formatHourMinute;
  const out: Tick[] = [];
  // walk local time: local = utc + offset; round local times are multiples of `step`
  let local = Math.ceil((from + offsetMs(from)) / step) * step;
  for (let guard = 0; guard < 10_000; guard++, local += step) {
    const exact = local - offsetMs(local - offsetMs(from)); // the offset at the tick itself (DST)
    if (exact > to) break;
    if (exact >= from && (out.length === 0 || exact > out[out.length - 1]!.ms)) out.push({ ms: exact, label: format(exact, zone) });
  }
  return out;
}
