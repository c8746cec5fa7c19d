/** Display formatting: times in the zone the analyst picked, prices, sizes, ages. */
import { MADRID_TZ, NYC_TZ, utcOffsetMinutes } from '../../shared/time';

export type ZoneChoice = 'nyc' | 'madrid' | 'utc';
export const ZONES: Record<ZoneChoice, { label: string; timeZone: string }> = {
  nyc: { label: 'NYC', timeZone: NYC_TZ },
  madrid: { label: 'Madrid', timeZone: MADRID_TZ },
  utc: { label: 'UTC', timeZone: 'UTC' },
};

function shifted(ms: number, zone: ZoneChoice): Date {
  const tz = ZONES[zone].timeZone;
  return new Date(ms + (tz === 'UTC' ? 0 : utcOffsetMinutes(ms, tz)) * 60_000);
}

/** `HH:MM:SS` wall time in the zone. */
export function formatTime(ms: number, zone: ZoneChoice): string {
  return shifted(ms, zone).toISOString().slice(11, 19);
}

/** `HH:MM:SS.mmm` wall time in the zone. */
export function formatTimeMs(ms: number, zone: ZoneChoice): string {
  return shifted(ms, zone).toISOString().slice(11, 23);
}

/** `HH:MM` wall time in the zone. */
export function formatHourMinute(ms: number, zone: ZoneChoice): string {
  return shifted(ms, zone).toISOString().slice(11, 16);
}

/** `YYYY-MM-DD HH:MM:SS` wall time in the zone. */
export function formatDateTime(ms: number, zone: ZoneChoice): string {
  const iso = shifted(ms, zone).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** UTC offset label of the zone at `ms`, e.g. `UTC−05:00`. */
export function offsetLabel(ms: number, zone: ZoneChoice): string {
  const tz = ZONES[zone].timeZone;
  const minutes = tz === 'UTC' ? 0 : utcOffsetMinutes(ms, tz);
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Outcome-token price in cents-like precision: 0.4350 → `0.435`. */
export function formatPrice(p: number | null | undefined, digits = 3): string {
  return p === null || p === undefined || !Number.isFinite(p) ? '—' : p.toFixed(digits);
}

export function formatSize(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  if (s >= 1_000_000) return `${(s / 1_000_000).toFixed(1)}M`;
  if (s >= 10_000) return `${(s / 1000).toFixed(1)}k`;
  return s.toFixed(s >= 100 ? 0 : s % 1 === 0 ? 0 : 1);
}

export function formatNumber(x: number | null | undefined, digits = 1, unit = ''): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(digits)}${unit}`;
}

/** Age in a compact human form: `850ms`, `12.3s`, `4m05s`, `2h03m`. */
export function formatAge(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)}ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(1)}s`;
  if (a < 3_600_000) return `${sign}${Math.floor(a / 60_000)}m${String(Math.floor((a % 60_000) / 1000)).padStart(2, '0')}s`;
  return `${sign}${Math.floor(a / 3_600_000)}h${String(Math.floor((a % 3_600_000) / 60_000)).padStart(2, '0')}m`;
}

/** A long opaque id shortened for display: `0x8a3f…91c2`. The full id goes in the title. */
export function shortId(id: string, head = 6, tail = 4): string {
  return id.length <= head + tail + 1 ? id : `${id.slice(0, head)}…${id.slice(-tail)}`;
}

export function formatSpeed(speed: number): string {
  return `${speed}×`;
}
