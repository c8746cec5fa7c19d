/**
 * The question of the day — which bucket wins? — from what was recorded: the settlement-aligned
 * temperature of every METAR/SPECI (`judge_aligned_temp`, docs/spec.md §6), the highest of them so far in
 * the station-local day, the bucket that reading falls in (what the market would pay if no higher
 * reading came), and the buckets it has already ruled out.
 */
import type { SortedSeries, MetarPoint } from './store/history';

/** Whole °F bounds of a bucket, inclusive; null = open-ended. */
export interface BucketRange {
  lo: number | null;
  hi: number | null;
}

const NUMBER = String.raw`(-?\d+)\s*°?\s*F?`;
const RANGE = new RegExp(String.raw`^${NUMBER}\s*(?:-|–|to)\s*${NUMBER}$`, 'i');
const AT_MOST = [new RegExp(String.raw`^(?:≤|<=)\s*${NUMBER}$`, 'i'), new RegExp(String.raw`^${NUMBER}\s*or\s*(?:below|lower|less)$`, 'i')];
const AT_LEAST = [new RegExp(String.raw`^(?:≥|>=)\s*${NUMBER}$`, 'i'), new RegExp(String.raw`^${NUMBER}\s*or\s*(?:above|higher|more)$`, 'i')];
const SINGLE = new RegExp(String.raw`^${NUMBER}$`, 'i');

/**
 * The range of a bucket label as the market writes it: "34-35°F", "≤33°F", "≥44°F" (simulator),
 * "63°F or below", "82°F or higher" (Polymarket), "70°F"; null when the label says neither.
 */
export function parseBucket(label: string): BucketRange | null {
  const text = label.trim();
  let m = RANGE.exec(text);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  for (const re of AT_MOST) if ((m = re.exec(text))) return { lo: null, hi: Number(m[1]) };
  for (const re of AT_LEAST) if ((m = re.exec(text))) return { lo: Number(m[1]), hi: null };
  if ((m = SINGLE.exec(text))) return { lo: Number(m[1]), hi: Number(m[1]) };
  return null;
}

export function inBucket(temp: number, range: BucketRange): boolean {
  return (range.lo === null || temp >= range.lo) && (range.hi === null || temp <= range.hi);
}

/** The label among `labels` whose range holds the whole-degree `temp`; null when none does. */
export function bucketOfTemp(temp: number, labels: readonly string[]): string | null {
  for (const label of labels) {
    const range = parseBucket(label);
    if (range && inBucket(temp, range)) return label;
  }
  return null;
}

/** A bucket the maximum can no longer end in: its whole range lies under the max so far. */
export function ruledOut(label: string, maxSoFar: number | null): boolean {
  if (maxSoFar === null) return false;
  const range = parseBucket(label);
  return range !== null && range.hi !== null && range.hi < maxSoFar;
}

/** Whether a report received at `receivedMs` (whole seconds) was observed in the day starting at `dayStartMs`. */
function ofTheDay(m: MetarPoint, receivedMs: number, dayStartMs: number): boolean {
  return m.obs_ms === null ? receivedMs >= dayStartMs - 999 : m.obs_ms >= dayStartMs;
}

export interface MaxSoFar {
  temp: number;
  /** When the reading that set it was received. */
  at_ms: number;
  event_id: string;
  raw: string;
  /** METARs with a settlement temperature seen from the day's start up to the cursor. */
  readings: number;
}

/**
 * The highest `judge_aligned_temp` of the METARs of the local day received up to `atMs` (the earliest
 * one that reached it), or null before the first reading. A report belongs to the day it was
 * observed in, as the settlement source reads it: the 23:51 report of the day before, received
 * after midnight, is not today's.
 */
export function maxSoFar(metars: SortedSeries<MetarPoint>, dayStartMs: number, atMs: number): MaxSoFar | null {
  let best: MaxSoFar | null = null;
  let readings = 0;
  const last = metars.indexAtOrBefore(Math.floor(atMs / 1000));
  for (let i = 0; i <= last; i++) {
    const ms = metars.t[i]! * 1000;
    const m = metars.v[i]!;
    if (!ofTheDay(m, ms, dayStartMs) || m.judge_aligned_temp === null) continue;
    readings++;
    if (!best || m.judge_aligned_temp > best.temp) best = { temp: m.judge_aligned_temp, at_ms: ms, event_id: m.event_id, raw: m.raw, readings: 0 };
  }
  return best && { ...best, readings };
}

/**
 * The max-so-far curve from the day's start to `atMs` as steps (seconds, °F): one point where the
 * maximum rises, and a last one at `atMs` so the line reaches the cursor.
 */
export function maxSoFarSteps(metars: SortedSeries<MetarPoint>, dayStartMs: number, atMs: number): Array<{ t: number; temp: number }> {
  const out: Array<{ t: number; temp: number }> = [];
  const lastSec = Math.floor(atMs / 1000);
  const last = metars.indexAtOrBefore(lastSec);
  let max: number | null = null;
  for (let i = 0; i <= last; i++) {
    const temp = metars.v[i]!.judge_aligned_temp;
    if (!ofTheDay(metars.v[i]!, metars.t[i]! * 1000, dayStartMs) || temp === null || (max !== null && temp <= max)) continue;
    max = temp;
    if (out.length > 0 && out[out.length - 1]!.t === metars.t[i]!) out[out.length - 1]!.temp = temp;
    else out.push({ t: metars.t[i]!, temp });
  }
  if (max !== null && out[out.length - 1]!.t < lastSec) out.push({ t: lastSec, temp: max });
  return out;
}
