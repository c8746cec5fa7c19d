/**
 * Market vs model, per bucket. The market's implied probability of a bucket is its YES token's mid
 * divided by the sum of the mids of every bucket (the raw sum is the market's overround, shown as
 * is); the model's is the nowcast's `p_bucket`; the edge is model minus market. At the cursor from
 * the channel state, and over the day from the history (the whole day once loaded).
 */
import type { TokenBook } from '../../shared/channel-state';
import type { Nowcast1m } from '../../shared/schemas';
import { parseBucket } from './settlement';
import type { NowcastPoint, PricePoint, SortedSeries } from './store/history';

export interface BucketToken {
  token_id: string;
  bucket: string;
}

export interface LadderRow extends BucketToken {
  mid: number | null;
  /** mid / Σ mid; null when this token has no mid. */
  market: number | null;
  nowcast: number | null;
  /** nowcast − market. */
  edge: number | null;
}

export interface ProbabilityLadder {
  rows: LadderRow[];
  /** Σ mid over the tokens that have one (1 for a market without overround). */
  rawSum: number | null;
  /** Tokens without a mid at the cursor (left out of the sum). */
  missing: number;
}

const key = (label: string) => {
  const r = parseBucket(label);
  return r ? `${r.lo ?? '-inf'}..${r.hi ?? 'inf'}` : label.trim();
};

/** A bucket's probability in a nowcast's `p_bucket`, matched by label, else by the range it names. */
export function nowcastLookup(pBucket: ReadonlyArray<{ bucket: string; p: number }>): (bucket: string) => number | null {
  const exact = new Map(pBucket.map((b) => [b.bucket, b.p]));
  const byRange = new Map(pBucket.map((b) => [key(b.bucket), b.p]));
  return (bucket) => exact.get(bucket) ?? byRange.get(key(bucket)) ?? null;
}

/** Normalize mids into probabilities: p_i = mid_i / Σ mid (tokens without a mid stay null). */
export function normalize(mids: readonly (number | null)[]): { probs: (number | null)[]; sum: number | null } {
  let sum = 0;
  let n = 0;
  for (const m of mids) if (m !== null && Number.isFinite(m)) (sum += m), n++;
  if (n === 0 || sum <= 0) return { probs: mids.map(() => null), sum: n === 0 ? null : sum };
  return { probs: mids.map((m) => (m === null || !Number.isFinite(m) ? null : m / sum)), sum };
}

export function ladderAt(tokens: readonly BucketToken[], books: Readonly<Record<string, TokenBook>>, nowcast: Pick<Nowcast1m, 'p_bucket'> | null): ProbabilityLadder {
  const mids = tokens.map((t) => books[t.token_id]?.metrics.mid ?? null);
  const { probs, sum } = normalize(mids);
  const model = nowcast ? nowcastLookup(nowcast.p_bucket) : () => null;
  const rows = tokens.map((t, i): LadderRow => {
    const market = probs[i]!;
    const p = model(t.bucket);
    return { ...t, mid: mids[i]!, market, nowcast: p, edge: p !== null && market !== null ? p - market : null };
  });
  return { rows, rawSum: sum, missing: mids.filter((m) => m === null).length };
}

export interface ProbabilitySeries {
  /** Sample times, epoch seconds, ascending. */
  t: number[];
  /** Per token (in `tokens` order), the normalized market probability at each sample (NaN: none). */
  market: Float64Array[];
  rawSum: Float64Array;
  /** Nowcast samples: times (s) and, per token, p at each. */
  nowcastT: number[];
  nowcast: Float64Array[];
}

/**
 * Market and nowcast probabilities of every bucket over [fromSec, toSec], at most `maxPoints`
 * samples (each token's price carried forward from its last point, as a book holds its price
 * until it changes).
 */
export function probabilitySeries(
  tokens: readonly BucketToken[],
  prices: ReadonlyMap<string, SortedSeries<PricePoint>>,
  nowcasts: SortedSeries<NowcastPoint>,
  fromSec: number,
  toSec: number,
  maxPoints: number,
): ProbabilitySeries {
  const times = sampleTimes(tokens.map((t) => prices.get(t.token_id)).filter((s): s is SortedSeries<PricePoint> => !!s), fromSec, toSec, maxPoints);
  const market = tokens.map(() => new Float64Array(times.length).fill(NaN));
  const rawSum = new Float64Array(times.length).fill(NaN);
  const cursors = tokens.map((t) => {
    const s = prices.get(t.token_id);
    return s ? Math.max(-1, s.indexAtOrBefore(times[0] ?? fromSec) - 1) : -1;
  });
  const mids: (number | null)[] = tokens.map(() => null);
  for (let k = 0; k < times.length; k++) {
    const t = times[k]!;
    for (let i = 0; i < tokens.length; i++) {
      const s = prices.get(tokens[i]!.token_id);
      if (!s) continue;
      let c = cursors[i]!;
      while (c + 1 < s.length && s.t[c + 1]! <= t) c++;
      cursors[i] = c;
      mids[i] = c >= 0 ? s.v[c]!.mid : null;
    }
    const { probs, sum } = normalize(mids);
    for (let i = 0; i < tokens.length; i++) market[i]![k] = probs[i] ?? NaN;
    rawSum[k] = sum ?? NaN;
  }
  const first = Math.max(0, nowcasts.indexAtOrBefore(fromSec));
  const last = nowcasts.indexAtOrBefore(toSec);
  const nowcastT: number[] = [];
  const nowcast = tokens.map(() => [] as number[]);
  for (let i = first; i <= last; i++) {
    const p = nowcasts.v[i]!.p_bucket;
    if (!p) continue;
    const lookup = nowcastLookup(p);
    nowcastT.push(nowcasts.t[i]!);
    tokens.forEach((t, k) => nowcast[k]!.push(lookup(t.bucket) ?? NaN));
  }
  return { t: times, market, rawSum, nowcastT, nowcast: nowcast.map((a) => Float64Array.from(a)) };
}

/** Every point time of the series in range, thinned to at most `maxPoints` evenly spaced ones. */
function sampleTimes(series: readonly SortedSeries<PricePoint>[], fromSec: number, toSec: number, maxPoints: number): number[] {
  const all = new Set<number>();
  for (const s of series) {
    const a = Math.max(0, s.indexAtOrBefore(fromSec));
    const b = s.indexAtOrBefore(toSec);
    for (let i = a; i <= b; i++) all.add(s.t[i]!);
  }
  const sorted = [...all].sort((x, y) => x - y);
  if (sorted.length <= maxPoints) return sorted;
  const step = (sorted[sorted.length - 1]! - sorted[0]!) / (maxPoints - 1);
  const out: number[] = [];
  let j = 0;
  for (let k = 0; k < maxPoints; k++) {
    const want = sorted[0]! + k * step;
    while (j + 1 < sorted.length && sorted[j + 1]! <= want) j++;
    if (out[out.length - 1] !== sorted[j]) out.push(sorted[j]!);
  }
  return out;
}
