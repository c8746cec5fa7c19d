/**
 * One outcome token's order book, stepped one second at a time, emitting exactly the Polymarket
 * market-channel messages a client would receive: `book` snapshots, `price_change` batches (new
 * aggregate size per level, with the asset's best bid/ask after the batch), `last_trade_price`,
 * `tick_size_change`. Prices are kept as integer thousandths and sizes as integer hundredths of a
 * share so arithmetic is exact and formatting is a table lookup.
 *
 * The book follows a target mid (fair value from the model belief + a wandering mispricing + the
 * decaying residue of shocks) through a spread regime (NORMAL 1–3 ticks, WIDE, briefly LOCKED),
 * with order churn, trades, depth cliffs (makers pulling the top of book) and mid shocks (a taker
 * sweeping several levels). The book is shared/book.ts's OrderBook, its levels set directly in
 * those integer units.
 */
import { OrderBook, type SortedLevels } from '../../../shared/book';
import type { ClobMarketMessageWire } from '../polymarket-messages';
import { hex40, mix32, type Rng } from './rng';

export type Regime = 'NORMAL' | 'WIDE' | 'LOCKED';

/** Price strings by integer thousandths, as the venue writes them ("0.5", "0.51", "0.005"). */
export const PRICE_STR: readonly string[] = Array.from({ length: 1001 }, (_, i) => String(i / 1000));

/** Size string from integer hundredths of a share ("250", "1520.5", "33.75"). */
export function sizeStr(hundredths: number): string {
  const whole = Math.floor(hundredths / 100) | 0;
  const cents = (hundredths | 0) - whole * 100;
  if (cents === 0) return String(whole);
  if (cents % 10 === 0) return `${whole}.${cents / 10}`;
  return `${whole}.${cents < 10 ? '0' : ''}${cents}`;
}

const MS3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let secondsKey = -1;
let secondsStr = '';
/** Epoch ms as the venue's decimal string, without a float-to-string conversion per message. */
export function msString(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== secondsKey) {
    secondsKey = sec;
    secondsStr = String(sec);
  }
  return secondsStr + MS3[ms - sec * 1000]!;
}

export type PriceChangeMessage = Extract<ClobMarketMessageWire, { event_type: 'price_change' }>;
export type BookMessage = Extract<ClobMarketMessageWire, { event_type: 'book' }>;

/** Where a token's messages go: `delivered` false means the client never sees it (gap/disconnect). */
export interface BookSink {
  message(msg: ClobMarketMessageWire, atMs: number, delivered: boolean): void;
}

export interface StepContext {
  t0: number;
  /** Whether messages of this step can reach the output at all (false while fast-forwarding). */
  emitting: boolean;
  /** First instant messages are produced; earlier ones are dropped silently. */
  fromMs: number;
  /** The model/market probability of this token's bucket. */
  fair: number;
  /** Expected book events per second for a liquid token at this hour (before bursts). */
  baseRate: number;
  /** Whether the market feed is connected at `t` (used for delivery). */
  connected: (t: number) => boolean;
  sink: BookSink;
}

const KIND_SNAPSHOT = 0;
const KIND_TICK = 1;
const KIND_CLIFF_START = 2;
const KIND_CLIFF_END = 3;
const KIND_SHOCK = 4;
const KIND_REQUOTE = 5;
const KIND_UNLOCK = 6;
const KIND_CHURN = 7;
const KIND_TRADE = 8;

const MIN_LEVELS = 12;
/** Hundredths of a share; keeps a level from random-walking into absurd sizes. */
const MAX_SIZE = 50_000_000;
const MAX_LEVELS = 20;
const MIS_TAU_S = 1200;
const MIS_RHO = Math.exp(-1 / MIS_TAU_S);
const MIS_SHOCK = Math.sqrt(1 - MIS_RHO * MIS_RHO);
const BURST_TAU_MS = 100_000;
/** Per second, for a liquid token: a depth cliff every ~8 h, a mid shock every ~4 h. */
const CLIFF_RATE = 1 / 28_800;
const SHOCK_RATE = 1 / 14_400;
/** Levels behind the touch that makers fill at a requote, and how likely each missing one is. */
const FILL_BEHIND = 6;
const FILL_P = 0.85;

export class TokenBookSim {
  private readonly book = new OrderBook();
  private readonly bids: SortedLevels = this.book.bids;
  private readonly asks: SortedLevels = this.book.asks;
  tick = 10;
  regime: Regime = 'NORMAL';
  private regimeUntil = 0;
  private normalSpread = 10;
  private wideSpread = 80;
  private cliffUntil = 0;
  private cliffDepth = 0;
  private shock = 0;
  private shockDecay = 1;
  private mis: number;
  /** Target mid in [0, 1]. */
  mid = 0.5;
  fair = 0.5;
  private targetBid = 0;
  private targetAsk = 0;
  private lastTargetBid = -1;
  private lastTargetAsk = -1;
  private burstAtMs = -Infinity;
  /** The next price_change that moves the best bid/ask will be lost (a sequence gap). */
  loseNextBboChange = false;
  /** Messages reach the client only from this instant (after its `book`), Infinity while disconnected. */
  liveFromMs = Infinity;
  private readonly pendingSnapshots: number[] = [];
  private hashCounter = 0;
  private readonly hashKey: number;
  // Per-event scratch: flattened [side, price, size] triples.
  private changes: number[] = [];
  private events: number[] = [];

  constructor(
    readonly tokenId: string,
    readonly marketId: string,
    private readonly rng: Rng,
    hashSeed: number,
  ) {
    this.hashKey = mix32(hashSeed);
    this.mis = rng.normal();
    this.redrawSpreads();
  }

  // --- Schedule hooks used by the engine ---------------------------------------------------------

  /** Emit a full `book` at `atMs` (connect or reconnect); the client sees this token from then on. */
  scheduleSnapshot(atMs: number): void {
    this.pendingSnapshots.push(atMs);
  }

  disconnect(): void {
    this.liveFromMs = Infinity;
    this.pendingSnapshots.length = 0;
  }

  /** A METAR just reached the market: activity bursts and makers may step back for a moment. */
  react(atMs: number): void {
    this.burstAtMs = atMs;
    if (this.regime === 'NORMAL' && this.rng.chance(0.3)) {
      this.regime = 'WIDE';
      this.regimeUntil = atMs + this.rng.range(15_000, 60_000);
    }
  }

  /** Initialise the book around the current target (before the first step). */
  seed(fair: number): void {
    this.fair = fair;
    this.mid = this.targetMid();
    this.updateTick();
    this.redrawSpreads();
    this.computeTarget();
    const b = this.targetBid;
    const a = this.targetAsk;
    for (let p = b, i = 0; p >= this.tick && i < 16; p -= this.tick, i++) this.bids.set(p, this.newSize(i));
    for (let p = a, i = 0; p <= 1000 - this.tick && i < 16; p += this.tick, i++) this.asks.set(p, this.newSize(i));
    this.lastTargetBid = b;
    this.lastTargetAsk = a;
  }

  // --- Stepping ----------------------------------------------------------------------------------

  step(ctx: StepContext): void {
    const rng = this.rng;
    const t0 = ctx.t0;
    this.fair = ctx.fair;
    this.mis = MIS_RHO * this.mis + MIS_SHOCK * rng.normal();
    if (this.shock !== 0) {
      this.shock *= this.shockDecay;
      if (Math.abs(this.shock) < 0.0005) this.shock = 0;
    }
    this.mid = this.targetMid();
    const liquid = this.fair > 0.04 && this.fair < 0.96;
    const events = this.events;
    events.length = 0;
    // Each event is one number: offset in the step (ms) * 16 + kind, so a numeric sort orders them.
    for (const s of this.pendingSnapshots) if (s < t0 + 1000) events.push(Math.max(0, s - t0) * 16 + KIND_SNAPSHOT);

    if (this.regime !== 'NORMAL' && t0 >= this.regimeUntil) {
      if (this.regime === 'LOCKED') events.push(rng.int(0, 999) * 16 + KIND_UNLOCK);
      else this.regime = 'NORMAL';
    }
    // Rare per-second events share one uniform draw, each owning a disjoint slice of [0, 1):
    // regime changes at the bottom, depth cliff and mid shock at the top.
    const u = rng.next();
    if (this.regime === 'NORMAL') {
      // A spread blow-out every ~3 h at night (makers step back), every ~8 h by day, per token.
      const wide = ctx.baseRate < 1.5 ? 1 / 10_800 : 1 / 28_800;
      const locked = this.tick === 10 && liquid ? 1 / 14_400 : 0;
      if (u < wide) {
        this.regime = 'WIDE';
        this.regimeUntil = t0 + rng.range(2, 12) * 60_000;
      } else if (u < wide + locked) {
        this.regime = 'LOCKED';
        this.regimeUntil = t0 + rng.range(1500, 4500);
      } else if (u < wide + locked + 1 / 120) {
        this.redrawSpreads();
      }
    }
    const top = 1 - u;
    if (this.cliffUntil > 0) {
      if (t0 >= this.cliffUntil) events.push(rng.int(0, 999) * 16 + KIND_CLIFF_END);
    } else if (liquid && top <= CLIFF_RATE) {
      events.push(rng.int(0, 999) * 16 + KIND_CLIFF_START);
    }
    if (this.fair > 0.08 && this.fair < 0.92 && top > CLIFF_RATE && top <= CLIFF_RATE + SHOCK_RATE) events.push(rng.int(0, 999) * 16 + KIND_SHOCK);
    if (t0 % 60_000 < 1000 && this.tickShouldChange()) events.push(rng.int(0, 300) * 16 + KIND_TICK);

    this.computeTarget();
    const b = this.targetBid;
    const a = this.targetAsk;
    if (b !== this.lastTargetBid || a !== this.lastTargetAsk || this.depleted(b, a)) events.push(rng.int(0, 999) * 16 + KIND_REQUOTE);

    const sinceBurst = t0 - this.burstAtMs;
    const burst = sinceBurst >= 0 && sinceBurst < 10 * BURST_TAU_MS ? 1 + 4 * Math.exp(-sinceBurst / BURST_TAU_MS) : 1;
    const rate = ctx.baseRate * (liquid ? 1 : 0.45) * burst * (this.regime === 'WIDE' ? 0.6 : 1);
    const n = rng.poisson(rate);
    const tradeP = liquid ? 0.006 * (1 + (burst - 1) * 0.8) : 0.002;
    for (let i = 0; i < n; i++) events.push(rng.int(0, 999) * 16 + (rng.next() < tradeP ? KIND_TRADE : KIND_CHURN));

    // Insertion sort: a step holds a handful of events.
    for (let i = 1; i < events.length; i++) {
      const e = events[i]!;
      let j = i - 1;
      while (j >= 0 && events[j]! > e) {
        events[j + 1] = events[j]!;
        j--;
      }
      events[j + 1] = e;
    }
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const t = t0 + Math.floor(e / 16);
      switch (e & 15) {
        case KIND_SNAPSHOT:
          this.pendingSnapshots.shift();
          this.liveFromMs = t;
          if (ctx.emitting && t >= ctx.fromMs) ctx.sink.message(this.bookMessage(t), t, true);
          break;
        case KIND_TICK:
          this.changeTick(t, ctx); // its cancellations go out with the requote, in one batch
          this.requote(t, ctx);
          break;
        case KIND_CLIFF_START:
          this.cliffStart(t, ctx);
          break;
        case KIND_CLIFF_END:
          this.cliffEnd(t, ctx);
          break;
        case KIND_SHOCK:
          this.shockNow(t, ctx);
          break;
        case KIND_REQUOTE:
          this.requote(t, ctx);
          break;
        case KIND_UNLOCK:
          this.unlock(t, ctx);
          break;
        case KIND_CHURN:
          this.churn(t, ctx);
          break;
        case KIND_TRADE:
          this.trade(t, ctx, 0);
          break;
      }
    }
  }

  // --- Targets -----------------------------------------------------------------------------------

  private targetMid(): number {
    const p = this.fair;
    const scale = 0.05 * Math.sqrt(p * (1 - p)) + 0.002;
    const m = p + scale * this.mis + this.shock;
    return m < 0.0015 ? 0.0015 : m > 0.9985 ? 0.9985 : m;
  }

  private spread(): number {
    return this.regime === 'LOCKED' ? 0 : this.regime === 'WIDE' ? this.wideSpread : this.normalSpread;
  }

  /** Target best bid and ask (integer thousandths) into targetBid/targetAsk. */
  private computeTarget(): void {
    const tick = this.tick;
    const s = this.spread();
    let b = Math.round((this.mid * 1000 - s / 2) / tick) * tick;
    if (b + s > 1000 - tick) b = 1000 - tick - s;
    if (b < tick) b = tick;
    this.targetBid = b;
    this.targetAsk = b + s;
  }

  private depleted(b: number, a: number): boolean {
    const bb = this.bids.prices[0];
    const ba = this.asks.prices[0];
    return bb === undefined || ba === undefined || bb < b || ba > a || this.bids.length < 4 || this.asks.length < 4 || this.holey(this.bids) || this.holey(this.asks);
  }

  private redrawSpreads(): void {
    const rng = this.rng;
    if (this.tick === 10) {
      this.normalSpread = 10 * (1 + rng.weighted([0.5, 0.35, 0.15]));
      this.wideSpread = 10 * rng.int(6, 14);
    } else {
      this.normalSpread = rng.int(1, 5);
      this.wideSpread = rng.int(8, 20);
    }
  }

  private tickShouldChange(): boolean {
    const m = this.mid;
    // Polymarket narrows the tick below 0.04 / above 0.96; hysteresis keeps it from flapping.
    return this.tick === 10 ? m < 0.035 || m > 0.965 : m > 0.07 && m < 0.93;
  }

  private updateTick(): void {
    this.tick = this.mid < 0.04 || this.mid > 0.96 ? 1 : 10;
  }

  private newSize(levelIndex: number): number {
    const rng = this.rng;
    const median = (this.tick === 1 ? 900 : 140) * (1 + 0.35 * levelIndex) * (this.cliffUntil > 0 && levelIndex < this.cliffDepth ? 0.04 : 1);
    const shares = rng.logNormal(median, 0.9);
    const r = rng.next();
    // Mostly whole shares, some round lots, some with cents (partial fills).
    if (r < 0.15) return Math.min(MAX_SIZE, Math.max(1, Math.round(shares / 50)) * 5000);
    if (r < 0.85) return Math.min(MAX_SIZE, Math.max(5, Math.round(shares)) * 100);
    return Math.min(MAX_SIZE, Math.max(500, Math.round(shares * 100)));
  }

  // --- Output ------------------------------------------------------------------------------------

  private change(side: 0 | 1, p: number, s: number): void {
    this.changes.push(side, p, s);
  }

  /**
   * Send the accumulated changes as one price_change batch. A batch marked `losable` (a requote that
   * pulls the old touch) is the one dropped when a gap is due: the client's mirror then keeps a
   * phantom best level, so its best bid/ask disagrees with every later message until it resyncs.
   */
  private flush(t: number, ctx: StepContext, bboBefore: number, losable = false): void {
    const changes = this.changes;
    if (changes.length === 0) return;
    const bb = this.bids.prices[0] ?? 0;
    const ba = this.asks.prices[0] ?? 1000;
    const hashes = changes.length / 3;
    const firstHash = this.hashCounter;
    this.hashCounter += hashes;
    // Decided whether or not anything is emitted, so a stream started mid-day stays a slice of the full day.
    let lost = false;
    if (this.loseNextBboChange && losable && bb * 1001 + ba !== bboBefore) {
      this.loseNextBboChange = false;
      lost = true;
    }
    if (ctx.emitting) {
      // Changes just before `fromMs` in the first emitting step travel as lost, so a source's mirror
      // of the true book (seeded at the step's start) stays exact.
      const delivered = !lost && t >= this.liveFromMs && t >= ctx.fromMs && ctx.connected(t);
      const best_bid = PRICE_STR[bb]!;
      const best_ask = PRICE_STR[ba]!;
      const entries: PriceChangeMessage['price_changes'] = [];
      for (let i = 0; i < changes.length; i += 3) {
        entries.push({
          asset_id: this.tokenId,
          price: PRICE_STR[changes[i + 1]!]!,
          size: sizeStr(changes[i + 2]!),
          side: changes[i] === 0 ? 'BUY' : 'SELL',
          hash: hex40(this.hashKey, firstHash + i / 3),
          best_bid,
          best_ask,
        });
      }
      ctx.sink.message(
        { event_type: 'price_change', market: this.marketId, price_changes: entries as PriceChangeMessage['price_changes'], timestamp: this.serverTs(t) },
        t,
        delivered,
      );
    }
    changes.length = 0;
  }

  private bbo(): number {
    return (this.bids.prices[0] ?? 0) * 1001 + (this.asks.prices[0] ?? 1000);
  }

  private serverTs(t: number): string {
    return msString(t - 25 - (mix32(t ^ this.hashKey) % 70));
  }

  bookMessage(t: number): BookMessage {
    const bids: { price: string; size: string }[] = [];
    for (let i = this.bids.length - 1; i >= 0; i--) bids.push({ price: PRICE_STR[this.bids.prices[i]!]!, size: sizeStr(this.bids.sizes[i]!) });
    const asks: { price: string; size: string }[] = [];
    for (let i = this.asks.length - 1; i >= 0; i--) asks.push({ price: PRICE_STR[this.asks.prices[i]!]!, size: sizeStr(this.asks.sizes[i]!) });
    // The venue lists both sides worst-to-best (bids ascending, asks descending).
    return {
      event_type: 'book',
      asset_id: this.tokenId,
      market: this.marketId,
      bids,
      asks,
      timestamp: this.serverTs(t),
      hash: hex40(this.hashKey ^ 0x5bd1e995, t),
    };
  }

  private tradeMessage(t: number, p: number, s: number, side: 'BUY' | 'SELL'): ClobMarketMessageWire {
    return {
      event_type: 'last_trade_price',
      asset_id: this.tokenId,
      market: this.marketId,
      price: PRICE_STR[p]!,
      size: sizeStr(s),
      side,
      fee_rate_bps: '0',
      timestamp: this.serverTs(t),
    };
  }

  // --- Book mutations ------------------------------------------------------------------------------

  private removeAt(levels: SortedLevels, side: 0 | 1, index: number): void {
    this.change(side, levels.prices[index]!, 0);
    levels.removeAt(index);
  }

  /** The level at `index` now holds `s` (> 0) shares; sent as a change. */
  private resize(levels: SortedLevels, side: 0 | 1, index: number, s: number): void {
    levels.sizes[index] = s;
    this.change(side, levels.prices[index]!, s);
  }

  /** Set a level's size (> 0), inserting it in best-first order if new; sent as a change. */
  private insert(levels: SortedLevels, side: 0 | 1, p: number, s: number): void {
    levels.set(p, s);
    this.change(side, p, s);
  }

  private keepDepth(): void {
    const tick = this.tick;
    const rng = this.rng;
    while (this.bids.length < MIN_LEVELS) {
      const worst = this.bids.prices[this.bids.length - 1];
      const p = worst !== undefined ? worst - tick * (rng.chance(0.25) ? 2 : 1) : this.lastTargetBid;
      if (p < tick) break;
      this.insert(this.bids, 0, p, this.newSize(this.bids.length));
    }
    while (this.asks.length < MIN_LEVELS) {
      const worst = this.asks.prices[this.asks.length - 1];
      const p = worst !== undefined ? worst + tick * (rng.chance(0.25) ? 2 : 1) : this.lastTargetAsk;
      if (p > 1000 - tick) break;
      this.insert(this.asks, 1, p, this.newSize(this.asks.length));
    }
    while (this.bids.length > MAX_LEVELS) this.removeAt(this.bids, 0, this.bids.length - 1);
    while (this.asks.length > MAX_LEVELS) this.removeAt(this.asks, 1, this.asks.length - 1);
  }

  private requote(t: number, ctx: StepContext): void {
    const before = this.bbo();
    this.computeTarget();
    const b = this.targetBid;
    const a = this.targetAsk;
    const pullsTouch = (this.bids.length > 0 && this.bids.prices[0]! > b) || (this.asks.length > 0 && this.asks.prices[0]! < a);
    const losable = pullsTouch && (b !== this.lastTargetBid || a !== this.lastTargetAsk);
    this.lastTargetBid = b;
    this.lastTargetAsk = a;
    const tick = this.tick;
    while (this.bids.length > 0 && this.bids.prices[0]! > b) this.removeAt(this.bids, 0, 0);
    if (this.bids.length === 0 || this.bids.prices[0]! < b) this.insert(this.bids, 0, b, this.newSize(0));
    while (this.asks.length > 0 && this.asks.prices[0]! < a) this.removeAt(this.asks, 1, 0);
    if (this.asks.length === 0 || this.asks.prices[0]! > a) this.insert(this.asks, 1, a, this.newSize(0));
    // Makers also quote the levels right behind the touch (a hole behind a lone touch level would
    // turn every fill of it into a multi-tick spread jump, which liquid books do not do all day).
    this.fillBehind(this.bids, 0, -tick);
    this.fillBehind(this.asks, 1, tick);
    this.keepDepth();
    this.flush(t, ctx, before, losable);
  }

  /** Fill missing price levels within FILL_BEHIND ticks behind the touch, each with chance FILL_P. */
  private fillBehind(levels: SortedLevels, side: 0 | 1, step: number): void {
    const touch = levels.prices[0];
    if (touch === undefined) return;
    const prices = levels.prices;
    for (let k = 1, i = 1; k <= FILL_BEHIND; k++) {
      const p = touch + k * step;
      if (p < this.tick || p > 1000 - this.tick) break;
      while (i < prices.length && (prices[i]! - p) * step < 0) i++;
      if (prices[i] === p) continue;
      if (this.rng.chance(FILL_P)) this.insert(levels, side, p, this.newSize(k));
    }
  }

  /** A gap of more than 2 ticks between adjacent levels among the top three. */
  private holey(levels: SortedLevels): boolean {
    const prices = levels.prices;
    for (let i = 1; i < 3 && i < prices.length; i++) if (Math.abs(prices[i]! - prices[i - 1]!) > 2 * this.tick) return true;
    return false;
  }

  private changeTick(t: number, ctx: StepContext): void {
    const old = this.tick;
    this.tick = old === 10 ? 1 : 10;
    this.redrawSpreads();
    if (ctx.emitting && t >= ctx.fromMs) {
      ctx.sink.message(
        {
          event_type: 'tick_size_change',
          asset_id: this.tokenId,
          market: this.marketId,
          old_tick_size: PRICE_STR[old]!,
          new_tick_size: PRICE_STR[this.tick]!,
          timestamp: this.serverTs(t),
        },
        t,
        t >= this.liveFromMs && ctx.connected(t),
      );
    }
    if (this.tick === 10) {
      // Resting orders off the coarser grid are cancelled.
      for (let i = this.bids.length - 1; i >= 0; i--) if (this.bids.prices[i]! % 10 !== 0) this.removeAt(this.bids, 0, i);
      for (let i = this.asks.length - 1; i >= 0; i--) if (this.asks.prices[i]! % 10 !== 0) this.removeAt(this.asks, 1, i);
    }
  }

  private pickIndex(length: number): number {
    // Geometric over depth: most activity near the top of the book.
    const k = Math.floor(Math.log(1 - this.rng.next()) / Math.log(0.62));
    return k < length ? k : length - 1;
  }

  private churn(t: number, ctx: StepContext): void {
    const rng = this.rng;
    const before = this.bbo();
    const side: 0 | 1 = rng.next() < 0.5 ? 0 : 1;
    const levels = side === 0 ? this.bids : this.asks;
    const r = rng.next();
    const tick = this.tick;
    const bb = this.bids.prices[0];
    const ba = this.asks.prices[0];
    if (bb === undefined || ba === undefined) {
      this.requote(t, ctx);
      return;
    }
    if (r < 0.07) {
      // Improve the touch by one tick when there is room.
      if (this.regime === 'NORMAL' && ba - bb >= 2 * tick) {
        this.insert(levels, side, side === 0 ? bb + tick : ba - tick, Math.max(500, Math.round(this.newSize(0) / 3)));
      }
    } else if (r < 0.3) {
      const k = this.pickIndex(levels.length);
      const from = levels.prices[k]!;
      const p = side === 0 ? from - tick : from + tick;
      const next = levels.prices[k + 1];
      if (p >= tick && p <= 1000 - tick && next !== p) this.insert(levels, side, p, this.newSize(k + 1));
      else this.resize(levels, side, k, Math.min(MAX_SIZE, levels.sizes[k]! + this.newSize(k)));
    } else if (r < 0.42) {
      const k = this.pickIndex(levels.length);
      if (levels.length > 4 && (k > 0 || rng.chance(0.3))) this.removeAt(levels, side, k);
    } else {
      const k = this.pickIndex(levels.length);
      const size = levels.sizes[k]!;
      // Either a fresh maker size pulled toward the level's typical size, or one order added/cancelled
      // (a cancel takes at most half the level: the rest belongs to other makers).
      const next =
        rng.next() < 0.5
          ? Math.round(Math.sqrt(size * this.newSize(k)))
          : rng.chance(0.5)
            ? size + rng.pick([1000, 2500, 5000, 10_000, 25_000])
            : Math.max(size - rng.pick([1000, 2500, 5000, 10_000, 25_000]), Math.round(size / 2));
      this.resize(levels, side, k, Math.min(MAX_SIZE, Math.max(100, next)));
    }
    this.flush(t, ctx, before);
  }

  /** A taker trade against the touch; `forceSide` 1 = buy, -1 = sell, 0 = drawn from the drift. */
  private trade(t: number, ctx: StepContext, forceSide: number, fullLevel = false): void {
    const rng = this.rng;
    const bb = this.bids.prices[0];
    const ba = this.asks.prices[0];
    if (bb === undefined || ba === undefined) return;
    const quoteMid = (bb + ba) / 2;
    const drift = Math.max(-0.3, Math.min(0.3, (this.mid * 1000 - quoteMid) / (3 * this.tick)));
    const buy = forceSide !== 0 ? forceSide > 0 : rng.next() < 0.5 + drift;
    const levels = buy ? this.asks : this.bids;
    const side: 0 | 1 = buy ? 1 : 0;
    const touch = levels.sizes[0]!;
    const wanted = fullLevel ? touch : Math.max(100, Math.round(rng.logNormal(45, 1.1)) * 100);
    const size = levels.length === 1 ? Math.min(wanted, touch - 100) : Math.min(wanted, touch);
    if (size <= 0) return;
    const before = this.bbo();
    if (ctx.emitting && t >= ctx.fromMs && t >= this.liveFromMs && ctx.connected(t)) {
      ctx.sink.message(this.tradeMessage(t, levels.prices[0]!, size, buy ? 'BUY' : 'SELL'), t, true);
    }
    if (touch - size <= 0) this.removeAt(levels, side, 0);
    else this.resize(levels, side, 0, touch - size);
    this.flush(t, ctx, before);
  }

  private unlock(t: number, ctx: StepContext): void {
    this.trade(t, ctx, this.rng.chance(0.5) ? 1 : -1, true);
    this.regime = 'NORMAL';
  }

  private cliffStart(t: number, ctx: StepContext): void {
    const rng = this.rng;
    const before = this.bbo();
    this.cliffDepth = rng.int(5, 8);
    this.cliffUntil = t + rng.range(30_000, 150_000);
    for (const [levels, side] of [[this.bids, 0], [this.asks, 1]] as const) {
      for (let k = 0; k < this.cliffDepth && k < levels.length; k++) {
        this.resize(levels, side, k, Math.max(100, Math.round(levels.sizes[k]! * rng.range(0.02, 0.06))));
      }
    }
    this.flush(t, ctx, before);
  }

  private cliffEnd(t: number, ctx: StepContext): void {
    const before = this.bbo();
    const depth = this.cliffDepth;
    this.cliffUntil = 0;
    for (const [levels, side] of [[this.bids, 0], [this.asks, 1]] as const) {
      for (let k = 0; k < depth && k < levels.length; k++) this.resize(levels, side, k, this.newSize(k));
    }
    this.flush(t, ctx, before);
  }

  /** A large taker sweeps several levels; the mid jumps and relaxes back over minutes. */
  private shockNow(t: number, ctx: StepContext): void {
    const rng = this.rng;
    const up = rng.next() < 0.5;
    this.shock += ((up ? 1 : -1) * rng.int(5, 12) * 10) / 1000;
    this.shockDecay = Math.exp(-1000 / (rng.range(3, 8) * 60_000)); // relaxes over 3–8 min
    this.mid = this.targetMid();
    this.computeTarget();
    const b = this.targetBid;
    const a = this.targetAsk;
    const levels = up ? this.asks : this.bids;
    for (let swept = 0; levels.length > 1 && swept < 8; swept++) {
      const touch = levels.prices[0]!;
      if (up ? touch >= a : touch <= b) break;
      this.trade(t, ctx, up ? 1 : -1, true);
    }
    this.requote(t, ctx);
  }
}
