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

/**
 * A full-depth book kept as price → size maps. `apply` is the only mutation; a size of 0 removes
 * the level (the CLOB's convention for deltas). Prices are keyed after `roundPrice` so a level
 * computed by arithmetic (0.4 + 0.02) and the same level parsed from text ("0.42") are one level.
 */
export class BookMirror {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();

  reset(bids: readonly Level[], asks: readonly Level[]): void {
    this.bids.clear();
    this.asks.clear();
    for (const l of bids) if (l.s > 0) this.bids.set(roundPrice(l.p), l.s);
    for (const l of asks) if (l.s > 0) this.asks.set(roundPrice(l.p), l.s);
  }

  apply(side: BookSide, p: number, s: number): void {
    const levels = side === 'bid' ? this.bids : this.asks;
    if (s > 0) levels.set(roundPrice(p), s);
    else levels.delete(roundPrice(p));
  }

  sizeAt(side: BookSide, p: number): number {
    return (side === 'bid' ? this.bids : this.asks).get(roundPrice(p)) ?? 0;
  }

  /** Top `n` levels per side, best first (bids descending, asks ascending). */
  top(n: number): { bids: Level[]; asks: Level[] } {
    return { bids: topLevels(this.bids, n, -1), asks: topLevels(this.asks, n, 1) };
  }

  get levelCount(): number {
    return this.bids.size + this.asks.size;
  }
}

function topLevels(levels: Map<number, number>, n: number, direction: 1 | -1): Level[] {
  const prices = [...levels.keys()].sort((a, b) => (a - b) * direction);
  const out: Level[] = [];
  for (let i = 0; i < n && i < prices.length; i++) out.push({ p: prices[i]!, s: levels.get(prices[i]!)! });
  return out;
}
