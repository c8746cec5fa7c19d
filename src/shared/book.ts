/**
 * Order-book math shared by the recorder (mirror → 1 s snapshots), the replay (snapshot + window
 * deltas → book at t) and the UI. Prices are outcome-token prices in [0, 1]; sizes are shares.
 */
export interface Level {
  p: number;
  s: number;
}

export type BookSide = 'bid' | 'ask';

export interface BookMetrics {
  best_bid: number | null;
  best_ask: number | null;
  mid: number | null;
  spread: number | null;
  microprice: number | null;
  imbalance: number | null;
}

/** Metrics of a book given its sides best-first. Imbalance uses the depth of the levels given. */
export function bookMetrics(bids: readonly Level[], asks: readonly Level[]): BookMetrics {
  const bb = bids[0];
  const ba = asks[0];
  const best_bid = bb ? bb.p : null;
  const best_ask = ba ? ba.p : null;
  const mid = bb && ba ? (bb.p + ba.p) / 2 : null;
  const spread = bb && ba ? roundPrice(ba.p - bb.p) : null;
  // Microprice weights each side's price by the opposite side's size: a heavy bid pulls it up.
  const microprice = bb && ba && bb.s + ba.s > 0 ? (bb.p * ba.s + ba.p * bb.s) / (bb.s + ba.s) : null;
  const bidDepth = depth(bids);
  const askDepth = depth(asks);
  const imbalance = bidDepth + askDepth > 0 ? (bidDepth - askDepth) / (bidDepth + askDepth) : null;
  return { best_bid, best_ask, mid, spread, microprice, imbalance };
}

export function depth(levels: readonly Level[], n = levels.length): number {
  let total = 0;
  for (let i = 0; i < n && i < levels.length; i++) total += levels[i]!.s;
  return total;
}

/** Removes binary floating noise from price arithmetic (ticks are ≥ 0.0001). */
export function roundPrice(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}

export type SpreadRegime = 'LOCKED' | 'NORMAL' | 'WIDE';

export function spreadRegime(spread: number | null, wideAt: number): SpreadRegime {
  if (spread === null) return 'WIDE';
  if (spread <= 0) return 'LOCKED';
  return spread >= wideAt ? 'WIDE' : 'NORMAL';
}

export interface LevelChange {
  side: BookSide;
  p: number;
  s: number;
}

/**
 * One side of a book: prices sorted best first (bids descending, asks ascending) with their sizes
 * in a parallel array, so the best level, the top N and their depth are reads, not a sort.
 * Prices are taken as given (OrderBook rounds them; a caller keeping integer units uses this
 * directly).
 */
export class SortedLevels {
  readonly prices: number[] = [];
  readonly sizes: number[] = [];

  /** 1 for asks (ascending), −1 for bids (descending). */
  constructor(readonly direction: 1 | -1) {}

  get length(): number {
    return this.prices.length;
  }

  /** Index of `p`, or where it would be inserted. */
  search(p: number): number {
    const prices = this.prices;
    const direction = this.direction;
    let lo = 0;
    let hi = prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((prices[mid]! - p) * direction < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Set the size at `p`; a size of 0 (or less) removes the level. */
  set(p: number, s: number): void {
    const i = this.search(p);
    const present = this.prices[i] === p;
    if (s > 0) {
      if (present) this.sizes[i] = s;
      else {
        this.prices.splice(i, 0, p);
        this.sizes.splice(i, 0, s);
      }
    } else if (present) this.removeAt(i);
  }

  removeAt(i: number): void {
    this.prices.splice(i, 1);
    this.sizes.splice(i, 1);
  }

  sizeAt(p: number): number {
    const i = this.search(p);
    return this.prices[i] === p ? this.sizes[i]! : 0;
  }

  /** Shares on the top `n` levels. */
  depth(n: number): number {
    const sizes = this.sizes;
    let total = 0;
    for (let i = 0; i < n && i < sizes.length; i++) total += sizes[i]!;
    return total;
  }

  /** The top `n` levels, best first. */
  levels(n: number): Level[] {
    const { prices, sizes } = this;
    const count = Math.min(n, prices.length);
    const out: Level[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = { p: prices[i]!, s: sizes[i]! };
    return out;
  }

  /** The top `n` levels into `out` as [p, s, p, s, …], best first (no allocation). */
  topInto(n: number, out: number[]): void {
    const { prices, sizes } = this;
    const count = Math.min(n, prices.length);
    if (out.length !== 2 * count) out.length = 2 * count;
    for (let i = 0; i < count; i++) {
      out[2 * i] = prices[i]!;
      out[2 * i + 1] = sizes[i]!;
    }
  }

  clear(): void {
    this.prices.length = 0;
    this.sizes.length = 0;
  }

  /** Replace every level with the first `count` given, already sorted best first (a snapshot's side). */
  assign(prices: ArrayLike<number>, sizes: ArrayLike<number>, count: number): void {
    if (this.prices.length !== count) {
      this.prices.length = count;
      this.sizes.length = count;
    }
    for (let i = 0; i < count; i++) {
      this.prices[i] = roundPrice(prices[i]!);
      this.sizes[i] = sizes[i]!;
    }
  }
}

/**
 * A full-depth order book: the one book type of the simulator, the recorder's mirrors and the
 * channel-state reducer. `apply` is the only mutation besides `reset`; a size of 0 removes the
 * level (the CLOB's convention). Prices are keyed after `roundPrice`, so a level computed by
 * arithmetic (0.4 + 0.02) and the same level parsed from text ("0.42") are one level.
 */
export class OrderBook {
  readonly bids = new SortedLevels(-1);
  readonly asks = new SortedLevels(1);

  /** A book holding the given levels (any order; a repeated price: the last one wins). */
  static from(bids: readonly Level[], asks: readonly Level[]): OrderBook {
    const book = new OrderBook();
    book.reset(bids, asks);
    return book;
  }

  side(side: BookSide): SortedLevels {
    return side === 'bid' ? this.bids : this.asks;
  }

  reset(bids: readonly Level[], asks: readonly Level[]): void {
    this.bids.clear();
    this.asks.clear();
    for (const l of bids) this.bids.set(roundPrice(l.p), l.s);
    for (const l of asks) this.asks.set(roundPrice(l.p), l.s);
  }

  /** Apply one level change (size 0 removes the level). */
  apply(side: BookSide, p: number, s: number): void {
    (side === 'bid' ? this.bids : this.asks).set(roundPrice(p), s);
  }

  /** Size resting at price `p` (0 when there is no level). */
  sizeAt(side: BookSide, p: number): number {
    return (side === 'bid' ? this.bids : this.asks).sizeAt(roundPrice(p));
  }

  get bestBid(): number | null {
    return this.bids.prices[0] ?? null;
  }

  get bestAsk(): number | null {
    return this.asks.prices[0] ?? null;
  }

  get mid(): number | null {
    const bid = this.bids.prices[0];
    const ask = this.asks.prices[0];
    return bid !== undefined && ask !== undefined ? (bid + ask) / 2 : null;
  }

  get spread(): number | null {
    const bid = this.bids.prices[0];
    const ask = this.asks.prices[0];
    return bid !== undefined && ask !== undefined ? roundPrice(ask - bid) : null;
  }

  get levelCount(): number {
    return this.bids.length + this.asks.length;
  }

  /** Top `n` levels per side, best first (bids descending, asks ascending). */
  top(n: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.bids.levels(n), asks: this.asks.levels(n) };
  }

  /** Shares on the top `n` levels of a side. */
  depth(side: BookSide, n: number): number {
    return (side === 'bid' ? this.bids : this.asks).depth(n);
  }

  /** The level changes that turn this book into `target`: bids then asks, each by ascending price. */
  changesTo(target: OrderBook): LevelChange[] {
    return [...diffSide('bid', this.bids, target.bids), ...diffSide('ask', this.asks, target.asks)];
  }
}

function diffSide(side: BookSide, from: SortedLevels, to: SortedLevels): LevelChange[] {
  const changes: LevelChange[] = [];
  for (let i = 0; i < from.length; i++) {
    const p = from.prices[i]!;
    if (to.sizeAt(p) === 0) changes.push({ side, p, s: 0 });
  }
  for (let i = 0; i < to.length; i++) {
    const p = to.prices[i]!;
    const s = to.sizes[i]!;
    if (from.sizeAt(p) !== s) changes.push({ side, p, s });
  }
  return changes.sort((a, b) => a.p - b.p);
}
