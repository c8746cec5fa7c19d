/**
 * The simulated HELIOS model's belief about the day's high, shared by the nowcast (published each
 * minute) and the market (which trades on the same information a few seconds after a METAR lands).
 *
 * final high = max(observed max so far, X),  X ~ N(mu, sigma)
 *
 * where X is the highest report still to come. `mu` is the truth (known to the simulator) plus a
 * slowly wandering model error whose size shrinks as the remaining heating shrinks; each METAR the
 * model ingests trims the error (assimilation). Censoring at the observed max is what makes the
 * bucket of a new high jump when its METAR arrives, and what keeps the mean above the max so far.
 */
import type { Bucket } from './market';
import { sunTimes } from './climate';
import type { Rng } from './rng';
import { HOUR, localHour, type WeatherDay, type WeatherReport } from './weather';

export function erfc(x: number): number {
  // Numerical Recipes' erfcc: fractional error below 1.2e-7 everywhere, tails included.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

export interface Belief {
  /** Highest temperature reported so far today (°F), -Infinity before the first report. */
  obsMaxF: number;
  /** Obs time of that report. */
  obsMaxAtMs: number | null;
  /** Distribution of the highest report still to come; mu = -Infinity when none is left. */
  mu: number;
  sigma: number;
  /** Obs time of the (true) highest report still to come. */
  futurePeakAtMs: number | null;
}

/** CDF of the final high at `x`. */
function finalCdf(b: Belief, x: number): number {
  if (x < b.obsMaxF) return 0;
  if (b.mu === -Infinity) return 1;
  return normalCdf((x - b.mu) / b.sigma);
}

/**
 * P(judge-aligned whole-degree high ∈ bucket) for every bucket, into `out`. Whole degree k covers
 * [k − 0.5, k + 0.5) (half away from zero for the positive °F of a NYC day).
 */
export function bucketProbabilities(b: Belief, buckets: readonly Bucket[], out: Float64Array): void {
  let prev = 0;
  let total = 0;
  for (let i = 0; i < buckets.length; i++) {
    const hi = buckets[i]!.hi;
    const cdf = hi === null ? 1 : finalCdf(b, hi + 0.5);
    const p = Math.max(0, cdf - prev);
    out[i] = p;
    total += p;
    prev = Math.max(prev, cdf);
  }
  for (let i = 0; i < buckets.length; i++) out[i] = out[i]! / total;
}

/** Mean and standard deviation of max(a, X), X ~ N(mu, sigma). */
export function censoredMoments(b: Belief): { mean: number; sd: number } {
  const a = b.obsMaxF;
  if (b.mu === -Infinity) return { mean: a, sd: 0 };
  if (a === -Infinity) return { mean: b.mu, sd: b.sigma };
  const alpha = (a - b.mu) / b.sigma;
  const cdf = normalCdf(alpha);
  const pdf = normalPdf(alpha);
  const mean = a * cdf + b.mu * (1 - cdf) + b.sigma * pdf;
  const second = a * a * cdf + (b.mu * b.mu + b.sigma * b.sigma) * (1 - cdf) + b.sigma * pdf * (b.mu + a);
  return { mean: Math.max(a, mean), sd: Math.sqrt(Math.max(0, second - mean * mean)) };
}

/**
 * Rounds probabilities to multiples of 10^-digits with the largest-remainder method, so the rounded
 * values still sum to exactly 1 (in integer units) and no value goes negative.
 */
export function roundDistribution(ps: ArrayLike<number>, digits: number): number[] {
  const unit = 10 ** digits;
  const scaled = Array.from(ps, (p) => Math.max(0, p) * unit);
  const total = scaled.reduce((s, x) => s + x, 0);
  const units = scaled.map((x) => Math.floor((x / total) * unit));
  let missing = unit - units.reduce((s, x) => s + x, 0);
  const order = scaled
    .map((x, i) => ({ i, frac: (x / total) * unit - units[i]! }))
    .sort((p, q) => q.frac - p.frac || p.i - q.i);
  for (let k = 0; missing > 0; k = (k + 1) % order.length, missing--) units[order[k]!.i]! += 1;
  return units.map((u) => u / unit);
}

/** How far off the model can be about the highest report still to come, °F. */
function remainingSigma(nowMs: number, futurePeakAtMs: number): number {
  return 0.45 + 0.6 * Math.sqrt(Math.max(0, (futurePeakAtMs - nowMs) / HOUR));
}

const ERROR_STEP_MS = 10_000;
/** Model errors persist for hours; each METAR trims them a little. */
const ERROR_TAU_MS = 4 * 3_600_000;
const ASSIMILATION = 0.92;

/** Tracks the day's reports by arrival and the model error process. Advance with `advance(t)`. */
export class BeliefTracker {
  /** Reports observed within the day, by receive time. */
  private readonly reports: WeatherReport[];
  /** suffixMax[k]: highest temp among reports[k..]; suffixAt[k]: its obs time. */
  private readonly suffixMax: Float64Array;
  private readonly suffixAt: Float64Array;
  private z: number;
  private lastStepMs: number;
  private ingested = 0;
  private readonly usualPeakMs: number;

  constructor(
    weather: WeatherDay,
    private readonly rng: Rng,
  ) {
    this.reports = weather.reports
      .filter((r) => r.obsMs >= weather.dayStartMs && r.obsMs < weather.dayEndMs)
      .sort((a, b) => a.receivedMs - b.receivedMs);
    const n = this.reports.length;
    this.suffixMax = new Float64Array(n + 1).fill(-Infinity);
    this.suffixAt = new Float64Array(n + 1).fill(NaN);
    for (let k = n - 1; k >= 0; k--) {
      const r = this.reports[k]!;
      const later = this.suffixMax[k + 1]!;
      this.suffixMax[k] = r.tempF >= later ? r.tempF : later;
      this.suffixAt[k] = r.tempF >= later ? r.obsMs : this.suffixAt[k + 1]!;
    }
    this.z = rng.normal();
    this.usualPeakMs = sunTimes(weather.climate, weather.date).solarNoonMs + 3 * HOUR;
    this.lastStepMs = weather.dayStartMs;
  }

  /** Step the error process up to `t`; each report received by then pulls the error in. */
  advance(t: number): void {
    const rho = Math.exp(-ERROR_STEP_MS / ERROR_TAU_MS);
    const shock = Math.sqrt(1 - rho * rho);
    while (this.lastStepMs + ERROR_STEP_MS <= t) {
      this.lastStepMs += ERROR_STEP_MS;
      this.z = rho * this.z + shock * this.rng.normal();
      while (this.ingested < this.reports.length && this.reports[this.ingested]!.receivedMs <= this.lastStepMs) {
        this.ingested++;
        this.z *= ASSIMILATION;
      }
    }
  }

  /** The belief given every report received by `t - lagMs`. */
  beliefAt(t: number, lagMs = 0): Belief {
    const known = t - lagMs;
    let k = 0;
    let obsMaxF = -Infinity;
    let obsMaxAtMs: number | null = null;
    while (k < this.reports.length && this.reports[k]!.receivedMs <= known) {
      const r = this.reports[k]!;
      if (r.tempF > obsMaxF) {
        obsMaxF = r.tempF;
        obsMaxAtMs = r.obsMs;
      }
      k++;
    }
    const future = this.suffixMax[k]!;
    if (future === -Infinity) return { obsMaxF, obsMaxAtMs, mu: -Infinity, sigma: 0.05, futurePeakAtMs: null };
    const futurePeakAtMs = this.suffixAt[k]!;
    // The model can't be surer than the hours of heating still ahead allow, whatever the truth holds.
    const sigma = remainingSigma(t, Math.max(futurePeakAtMs, this.usualPeakMs));
    return { obsMaxF, obsMaxAtMs, mu: future + 0.85 * sigma * this.z, sigma, futurePeakAtMs };
  }

  /** Reports with obs time in the day received by `t`, in arrival order. */
  receivedBy(t: number): WeatherReport[] {
    return this.reports.filter((r) => r.receivedMs <= t);
  }
}

/** Distribution of the local hour of the day's peak, e.g. [{bin: "14:00", p: 0.41}, …]. */
export function peakTimeBins(b: Belief, nowMs: number, timeZone: string): { bin: string; p: number }[] {
  const mass = new Float64Array(24);
  const already = b.obsMaxAtMs === null ? 0 : b.mu === -Infinity ? 1 : normalCdf((b.obsMaxF - b.mu) / b.sigma);
  if (already > 0 && b.obsMaxAtMs !== null) mass[Math.floor(localHour(timeZone, b.obsMaxAtMs))]! += already;
  if (already < 1 && b.futurePeakAtMs !== null) {
    const centre = localHour(timeZone, b.futurePeakAtMs);
    const from = Math.floor(localHour(timeZone, nowMs));
    const spread = 0.8 + b.sigma / 2;
    let total = 0;
    const w = new Float64Array(24);
    for (let h = from; h < 24; h++) {
      w[h] = Math.exp(-0.5 * ((h + 0.5 - centre) / spread) ** 2);
      total += w[h]!;
    }
    for (let h = from; h < 24; h++) mass[h]! += total > 0 ? ((1 - already) * w[h]!) / total : (1 - already) / (24 - from);
  }
  const rounded = roundDistribution(mass, 4);
  const out: { bin: string; p: number }[] = [];
  for (let h = 0; h < 24; h++) if (rounded[h]! > 0) out.push({ bin: `${String(h).padStart(2, '0')}:00`, p: rounded[h]! });
  return out;
}
