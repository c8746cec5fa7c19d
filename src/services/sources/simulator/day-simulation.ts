/**
 * The simulation engine: everything about one station-local day, stepped one second at a time from
 * local midnight. Each step returns that second's messages in receive order. Steps before `fromMs`
 * still evolve every state with the same random draws (they just build no messages), so a stream
 * that starts mid-day is exactly the corresponding slice of the whole-day stream (plus the connect
 * it begins with, and the latest METAR and PWS readings a poller's first poll returns).
 */
import type { ClobMarketMessageWire } from '../polymarket-messages';
import type { SourceMessage } from '../source';
import { getStation } from '../../../shared/stations';
import { localDayBoundsUtc } from '../../../shared/time';
import { TokenBookSim, type BookMessage, type BookSink, type StepContext } from './book-sim';
import { FeatureModel } from './features';
import { buildMarket, type SimulatedMarket } from './market';
import { BeliefTracker, bucketProbabilities, censoredMoments, peakTimeBins, roundDistribution, type Belief } from './model';
import { median, PwsNetwork } from './pws';
import { mix32, Rng, seedOf } from './rng';
import { buildWeatherDay, localHour, MINUTE, type WeatherDay, type WeatherReport } from './weather';

/** A book change the client never received (sequence gap or disconnect); kept so a source can still answer REST book requests truthfully. */
export interface LostMessage {
  kind: 'lost';
  received_ms: number;
  message: ClobMarketMessageWire;
}

export type SimMessage = SourceMessage | LostMessage;

export interface DayOptions {
  station: string;
  date: string;
  seed: string | number;
  tokens: number;
  fromMs: number;
  toMs: number;
}

/** Traders act on a METAR a few seconds after it is published. */
const MARKET_LAG_MS = 4000;
const STEP_MS = 1000;

interface Outage {
  downMs: number;
  upMs: number;
}

export class DaySimulation {
  readonly weather: WeatherDay;
  readonly market: SimulatedMarket;
  readonly fromMs: number;
  readonly toMs: number;
  readonly disconnects: Outage[] = [];
  /** When a token's next BBO-moving price_change gets lost, for tests and debugging. */
  readonly gaps: { atMs: number; token: number }[] = [];
  private readonly timeZone: string;
  private readonly books: TokenBookSim[];
  private readonly tracker: BeliefTracker;
  private readonly pws: PwsNetwork;
  private readonly features: FeatureModel;
  private readonly rng: Rng;
  private readonly probs: Float64Array;
  private readonly reportsByArrival: WeatherReport[];
  private readonly connectKey: number;
  private t: number;
  private reportIdx = 0;
  private reactIdx = 0;
  private gapIdx = 0;
  private featuresAt: number;
  private nowcastAt: number;
  private featuresMinuteMs: number;
  private nowcastMinuteMs: number;
  private lastReport: WeatherReport | null = null;
  private lastPws: { atMs: number; median: number; support: number } | null = null;
  /** What a poller started at `fromMs` gets on its first poll: the latest METAR and PWS readings before it. */
  private metarBeforeFrom: WeatherReport | null = null;
  private pwsBeforeFrom: SourceMessage | null = null;
  private out: SimMessage[] = [];
  private readonly sink: BookSink;
  private readonly ctx: StepContext;
  private marketKnown = 0;

  constructor(opts: DayOptions) {
    const station = getStation(opts.station);
    this.timeZone = station.timeZone;
    const [dayStart, dayEnd] = localDayBoundsUtc(opts.date, station.timeZone);
    this.fromMs = Math.max(dayStart, opts.fromMs);
    this.toMs = Math.min(dayEnd, opts.toMs);
    this.weather = buildWeatherDay({ station: station.id, date: opts.date, seed: opts.seed });
    const w = this.weather;
    const trueHigh = Math.max(...w.reports.filter((r) => r.obsMs >= dayStart && r.obsMs < dayEnd).map((r) => r.tempF));
    this.rng = new Rng(seedOf(opts.seed, station.id, opts.date, 'world'));
    this.market = buildMarket({
      station: station.id,
      date: opts.date,
      seed: opts.seed,
      tokens: opts.tokens,
      forecastHighF: trueHigh + this.rng.gauss(0, 2.5),
    });
    this.connectKey = seedOf(opts.seed, opts.date, 'connect');
    this.tracker = new BeliefTracker(w, new Rng(seedOf(opts.seed, station.id, opts.date, 'model')));
    this.pws = new PwsNetwork(w, new Rng(seedOf(opts.seed, station.id, opts.date, 'pws')));
    this.features = new FeatureModel(w, opts.seed);
    this.reportsByArrival = [...w.reports].sort((a, b) => a.receivedMs - b.receivedMs);
    this.probs = new Float64Array(this.market.buckets.length);
    bucketProbabilities(this.tracker.beliefAt(dayStart, MARKET_LAG_MS), this.market.buckets, this.probs);
    this.books = this.market.tokens.map((tok, i) => {
      const book = new TokenBookSim(tok.token_id, tok.market_id, new Rng(seedOf(opts.seed, station.id, opts.date, 'book', i)), seedOf(opts.seed, 'hash', i));
      book.seed(this.probs[i]!);
      return book;
    });

    // An occasional disconnect (1–3 a day) and a handful of lost price_changes.
    const day = dayEnd - dayStart;
    for (let i = 0, n = 1 + Math.min(2, this.rng.poisson(0.7)); i < n; i++) {
      const downMs = Math.round(dayStart + this.rng.range(0.02, 0.98) * day);
      this.disconnects.push({ downMs, upMs: downMs + this.rng.int(2000, 8000) });
    }
    this.disconnects.sort((a, b) => a.downMs - b.downMs);
    for (let i = 0, n = 4 + this.rng.poisson(4); i < n; i++) {
      this.gaps.push({ atMs: Math.round(dayStart + this.rng.range(0.01, 0.99) * day), token: this.rng.int(0, this.books.length - 1) });
    }
    this.gaps.sort((a, b) => a.atMs - b.atMs);

    this.t = dayStart;
    this.featuresMinuteMs = dayStart;
    this.nowcastMinuteMs = dayStart;
    this.featuresAt = dayStart + this.rng.int(1200, 2800);
    this.nowcastAt = dayStart + this.rng.int(2500, 5500);

    this.sink = {
      message: (message, atMs, delivered) => {
        if (atMs >= this.toMs) return;
        if (delivered) this.out.push({ kind: 'clob', received_ms: atMs, message });
        else if (message.event_type === 'price_change') this.out.push({ kind: 'lost', received_ms: atMs, message });
      },
    };
    this.ctx = { t0: dayStart, emitting: false, fromMs: this.fromMs, fair: 0, baseRate: 0, connected: this.connected, sink: this.sink };
  }

  /** The true book of every token at `atMs` (the state at the start of the next step). */
  trueBooks(atMs: number): BookMessage[] {
    return this.books.map((b) => b.bookMessage(atMs));
  }

  get done(): boolean {
    return this.t >= this.toMs;
  }

  /** Start of the next step. */
  get nowMs(): number {
    return this.t;
  }

  private connected = (t: number): boolean => {
    for (const d of this.disconnects) if (t >= d.downMs && t < d.upMs) return false;
    return true;
  };

  private emit(t: number, msg: SourceMessage): void {
    if (t >= this.fromMs && t < this.toMs) this.out.push(msg);
  }

  /** Simulate the next second; returns its messages in receive order (empty while fast-forwarding). */
  step(): SimMessage[] {
    const t0 = this.t;
    const t1 = t0 + STEP_MS;
    this.t = t1;
    const emitting = t1 > this.fromMs;
    this.out = [];
    this.tracker.advance(t0);

    this.worldStep(t1);
    this.connectionStep(t0, t1);

    while (this.gapIdx < this.gaps.length && this.gaps[this.gapIdx]!.atMs < t1) {
      this.books[this.gaps[this.gapIdx]!.token]!.loseNextBboChange = true;
      this.gapIdx++;
    }
    while (this.reactIdx < this.reportsByArrival.length && this.reportsByArrival[this.reactIdx]!.receivedMs + MARKET_LAG_MS < t1) {
      const at = this.reportsByArrival[this.reactIdx]!.receivedMs + MARKET_LAG_MS;
      if (at >= t0) for (const b of this.books) b.react(at);
      this.reactIdx++;
    }

    // The market's belief moves with the model error (10 s steps) and with each METAR it learns of.
    let known = this.marketKnown;
    while (known < this.reportsByArrival.length && this.reportsByArrival[known]!.receivedMs + MARKET_LAG_MS <= t0) known++;
    if (known !== this.marketKnown || (t0 - this.weather.dayStartMs) % 10_000 === 0) {
      this.marketKnown = known;
      bucketProbabilities(this.tracker.beliefAt(t0, MARKET_LAG_MS), this.market.buckets, this.probs);
    }
    const ctx = this.ctx;
    ctx.t0 = t0;
    ctx.emitting = emitting;
    ctx.baseRate = activityRate(localHour(this.timeZone, t0));
    for (let i = 0; i < this.books.length; i++) {
      ctx.fair = this.probs[i]!;
      this.books[i]!.step(ctx);
    }
    const out = this.out;
    if (out.length > 1) out.sort(byReceived);
    return out;
  }

  private connectionStep(t0: number, t1: number): void {
    if (this.fromMs >= t0 && this.fromMs < t1 && this.connected(this.fromMs)) {
      this.emit(this.fromMs, { kind: 'clob_connection', received_ms: this.fromMs, state: 'up', detail: 'connected to market channel' });
      this.books.forEach((b, i) => b.scheduleSnapshot(this.fromMs + 30 + (mix32(this.connectKey + i) % 400)));
    }
    if (this.fromMs >= t0 && this.fromMs < t1) {
      // A METAR or PWS poller's first poll returns the latest report / readings, not nothing until
      // the next one is published: the world is known from the first instant on.
      const r = this.metarBeforeFrom;
      if (r) this.emit(this.fromMs, { kind: 'metar', received_ms: this.fromMs, raw: r.raw });
      if (this.pwsBeforeFrom && !this.pws.outageActive(this.fromMs)) this.emit(this.fromMs, { ...this.pwsBeforeFrom, received_ms: this.fromMs } as SourceMessage);
    }
    for (const d of this.disconnects) {
      if (d.downMs >= t0 && d.downMs < t1) {
        this.emit(d.downMs, { kind: 'clob_connection', received_ms: d.downMs, state: 'down', detail: 'websocket closed: 1006 abnormal closure' });
        for (const b of this.books) b.disconnect();
      }
      if (d.upMs >= t0 && d.upMs < t1) {
        this.emit(d.upMs, { kind: 'clob_connection', received_ms: d.upMs, state: 'up', detail: `reconnected, resubscribed ${this.books.length} assets` });
        this.books.forEach((b, i) => b.scheduleSnapshot(d.upMs + 40 + (mix32(this.connectKey ^ d.upMs ^ i) % 500)));
      }
    }
  }

  /** METARs, PWS polls, features and nowcasts due before `t1`. */
  private worldStep(t1: number): void {
    const reports = this.reportsByArrival;
    while (this.reportIdx < reports.length && reports[this.reportIdx]!.receivedMs < t1) {
      const r = reports[this.reportIdx++]!;
      this.lastReport = r;
      if (r.receivedMs < this.fromMs) this.metarBeforeFrom = r;
      this.emit(r.receivedMs, { kind: 'metar', received_ms: r.receivedMs, raw: r.raw });
    }
    while (this.pws.nextPollBefore(t1) !== null) {
      const poll = this.pws.poll();
      if (!poll) continue;
      const fresh = poll.readings.filter((r) => poll.atMs - r.obs_time_ms < 10 * MINUTE).map((r) => r.temp_f);
      if (fresh.length > 0) this.lastPws = { atMs: poll.atMs, median: median(fresh), support: fresh.length };
      const message: SourceMessage = { kind: 'pws', received_ms: poll.atMs, readings: poll.readings };
      if (poll.atMs < this.fromMs) this.pwsBeforeFrom = message;
      this.emit(poll.atMs, message);
    }
    while (this.featuresAt < t1 || this.nowcastAt < t1) {
      if (this.featuresAt <= this.nowcastAt) {
        const at = this.featuresAt;
        const payload = this.features.compute(at, { lastReport: this.lastReport, lastPws: this.lastPws });
        this.emit(at, { kind: 'features', received_ms: at, payload });
        this.featuresMinuteMs += MINUTE;
        this.featuresAt = this.featuresMinuteMs + this.rng.int(1200, 2800);
      } else {
        const at = this.nowcastAt;
        this.tracker.advance(at);
        this.emit(at, { kind: 'nowcast', received_ms: at, payload: this.nowcast(at) });
        this.nowcastMinuteMs += MINUTE;
        this.nowcastAt = this.nowcastMinuteMs + this.rng.int(2500, 5500);
      }
    }
  }

  private nowcast(at: number) {
    const belief: Belief = this.tracker.beliefAt(at, 0);
    const probs = new Float64Array(this.market.buckets.length);
    bucketProbabilities(belief, this.market.buckets, probs);
    const rounded = roundDistribution(probs, 6);
    const { mean, sd } = censoredMoments(belief);
    let entropy = 0;
    for (const p of probs) if (p > 0) entropy -= p * Math.log(p);
    const qc_state = this.modelQc(at);
    const sharpness = 1 - entropy / Math.log(probs.length);
    return {
      tmax_mean: Math.max(belief.obsMaxF, Math.round(mean * 100) / 100),
      sigma: Math.round(sd * 1000) / 1000,
      p_bucket: this.market.buckets.map((b, i) => ({ bucket: b.label, p: rounded[i]! })),
      t_peak_bins: peakTimeBins(belief, at, this.timeZone),
      confidence: Math.round(Math.max(0, Math.min(1, sharpness * (qc_state === 'OK' ? 1 : 0.8))) * 1000) / 1000,
      qc_state,
    };
  }

  private modelQc(at: number): 'OK' | 'DEGRADED' | 'OUTLIER_LIKELY' | 'STALE' {
    if (this.lastReport && at - this.lastReport.obsMs > 80 * MINUTE) return 'STALE';
    if (this.pws.outageActive(at)) return 'DEGRADED';
    if (this.pws.outlierActive(at)) return 'OUTLIER_LIKELY';
    return 'OK';
  }
}

const byReceived = (a: SimMessage, b: SimMessage) => a.received_ms - b.received_ms;

/** Book events per second of a liquid bucket token by local hour: quiet nights, busy afternoons. */
function activityRate(hour: number): number {
  if (hour < 6) return 1.1;
  if (hour < 9) return 2.2;
  if (hour < 20) return 3.3;
  return 2.0;
}

