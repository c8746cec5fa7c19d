/**
 * The day's market as Polymarket lists it: "Highest temperature in NYC on <date>?", one binary
 * market per 2 °F bucket (negative-risk event), of which the simulator streams the YES token.
 * Buckets are centred on the forecast the market was created from (the day's true high plus a
 * forecast error), so the winning bucket is usually, not always, near the middle.
 */
import type { MarketToken, SourceScope } from '../source';
import { Rng, seedOf } from './rng';

export interface Bucket {
  label: string;
  /** Inclusive bounds in whole °F; null for the open-ended tails. */
  lo: number | null;
  hi: number | null;
}

export interface SimulatedMarket extends SourceScope {
  date: string;
  seed: string | number;
  title: string;
  buckets: Bucket[];
}

export const MIN_TOKENS = 6;
export const MAX_TOKENS = 12;

export function bucketLabels(lo: number, count: number): Bucket[] {
  const inner = count - 2;
  const buckets: Bucket[] = [{ label: `≤${lo - 1}°F`, lo: null, hi: lo - 1 }];
  for (let i = 0; i < inner; i++) {
    const a = lo + 2 * i;
    buckets.push({ label: `${a}-${a + 1}°F`, lo: a, hi: a + 1 });
  }
  const top = lo + 2 * inner;
  buckets.push({ label: `≥${top}°F`, lo: top, hi: null });
  return buckets;
}

/** Index of the bucket holding whole-degree temperature `f`. */
export function bucketIndexOf(buckets: readonly Bucket[], f: number): number {
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!;
    if ((b.lo === null || f >= b.lo) && (b.hi === null || f <= b.hi)) return i;
  }
  return buckets.length - 1;
}

/** A decimal string of `digits` digits (first one non-zero) drawn from `rng`. */
function decimalDigits(rng: Rng, digits: number): string {
  let s = String(rng.int(1, 9));
  while (s.length < digits) s += String(rng.int(0, 9));
  return s;
}

function hex(rng: Rng, chars: number): string {
  let s = '';
  while (s.length < chars) s += rng.u32().toString(16).padStart(8, '0');
  return s.slice(0, chars);
}

export interface MarketOptions {
  station: string;
  date: string;
  seed: string | number;
  tokens: number;
  /** The forecast high (°F) the market's buckets were laid out around. */
  forecastHighF: number;
}

export function buildMarket(opts: MarketOptions): SimulatedMarket {
  if (!Number.isInteger(opts.tokens) || opts.tokens < MIN_TOKENS || opts.tokens > MAX_TOKENS) {
    throw new Error(`token count must be an integer in ${MIN_TOKENS}–${MAX_TOKENS}, got ${opts.tokens}`);
  }
  const rng = new Rng(seedOf(opts.seed, opts.station, opts.date, 'market'));
  const span = 2 * (opts.tokens - 2);
  let lo = Math.round(opts.forecastHighF - span / 2);
  if (lo % 2 !== 0) lo -= 1; // Polymarket's NYC ladders start inner buckets on even degrees
  const buckets = bucketLabels(lo, opts.tokens);
  const tokens: MarketToken[] = buckets.map((b) => ({
    // Outcome token ids are uint256 in decimal: 77 digits, or 78 starting "10" (below 2^256).
    token_id: rng.chance(0.85) ? decimalDigits(rng, 77) : `10${decimalDigits(rng, 76)}`,
    market_id: `0x${hex(rng, 64)}`,
    bucket: b.label,
  }));
  const monthDay = new Date(`${opts.date}T12:00:00Z`).toLocaleDateString('en-US', { month: 'long', day: 'numeric', timeZone: 'UTC' });
  return {
    id: `sim:${opts.station}:${opts.date}:${String(opts.seed)}`,
    station_id: opts.station,
    tokens,
    date: opts.date,
    seed: opts.seed,
    title: `Highest temperature in NYC on ${monthDay}?`,
    buckets,
  };
}
