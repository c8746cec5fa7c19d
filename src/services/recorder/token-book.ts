/**
 * One cone token's book as the recorder tracks it: a full-depth mirror plus what integrity needs.
 *   seq              +1 for every level change applied to the mirror (price_change entries, and each
 *                    level a full book changes), never reset: a replay orders deltas by it.
 *   resync_epoch_id  +1 at every full resync (the first book, and every book after a gap).
 *   ok               false until the first book and from a gap until the fresh book arrives.
 * Each side is kept as prices sorted best first (binary-search insert/remove) with their sizes in a
 * parallel array, because the gap check needs the best bid/ask after every change, the market
 * triggers the top-N depth and the snapshots the top levels every second: a price → size map
 * (BookMirror) sorts on every `top` (~30 µs on a realistic book) and costs a lookup per level read.
 * Prices are keyed after `roundPrice`, as BookMirror does.
 */
import { roundPrice, type BookSide, type Level } from '../../shared/book';
import type { MarketToken } from '../sources/source';

export interface LevelChange {
  side: BookSide;
  p: number;
  s: number;
}

class Side {
  readonly prices: number[] = [];
  readonly sizes: number[] = [];
  /** 1 for asks (ascending), −1 for bids (descending). */
  constructor(private readonly direction: 1 | -1) {}

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

  set(p: number, s: number): void {
    const i = this.search(p);
    const present = this.prices[i] === p;
    if (s > 0) {
      if (present) this.sizes[i] = s;
      else {
        this.prices.splice(i, 0, p);
        this.sizes.splice(i, 0, s);
      }
    } else if (present) {
      this.prices.splice(i, 1);
      this.sizes.splice(i, 1);
    }
  }

  sizeAt(p: number): number {
    const i = this.search(p);
    return this.prices[i] === p ? this.sizes[i]! : 0;
  }
}

export class TokenBook {
  seq = 0;
  epoch = 0;
  ok = false;
  tick: number;
  /** When the pending resync was last requested (ms), null when none is pending or none can be asked for. */
  resyncRequestedAt: number | null = null;

  private readonly bids = new Side(-1);
  private readonly asks = new Side(1);

  constructor(
    readonly info: MarketToken,
    defaultTick: number,
  ) {
    this.tick = defaultTick;
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

  /** Apply one level change (size 0 removes the level); returns the new seq. */
  apply(side: BookSide, p: number, s: number): number {
    (side === 'bid' ? this.bids : this.asks).set(roundPrice(p), s);
    return ++this.seq;
  }

  /** Size resting at price `p` (0 when there is no level). */
  sizeAt(side: BookSide, p: number): number {
    return (side === 'bid' ? this.bids : this.asks).sizeAt(roundPrice(p));
  }

  /** Top `n` levels per side, best first. */
  top(n: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.levels('bid', n), asks: this.levels('ask', n) };
  }

  /** Shares on the top `n` levels of a side. */
  depth(side: BookSide, n: number): number {
    const sizes = (side === 'bid' ? this.bids : this.asks).sizes;
    let total = 0;
    for (let i = 0; i < n && i < sizes.length; i++) total += sizes[i]!;
    return total;
  }

  /** The level changes that turn the mirror into the given full book, sorted by side then price. */
  diffTo(bids: readonly Level[], asks: readonly Level[]): LevelChange[] {
    return [...diffSide('bid', this.levels('bid', Infinity), bids), ...diffSide('ask', this.levels('ask', Infinity), asks)];
  }

  /**
   * Whether the mirror agrees with the best bid/ask the venue reported after a change. The venue
   * reports an empty side as 0 (bid) / 1 (ask).
   */
  agreesWith(bestBid: number, bestAsk: number): boolean {
    const bid = this.bids.prices[0] ?? 0;
    const ask = this.asks.prices[0] ?? 1;
    return Math.abs(bid - bestBid) < 1e-9 && Math.abs(ask - bestAsk) < 1e-9;
  }

  /** The top `n` levels of a side into `out` as [p, s, p, s, …], best first (no allocation). */
  topInto(side: BookSide, n: number, out: number[]): void {
    const { prices, sizes } = side === 'bid' ? this.bids : this.asks;
    const count = Math.min(n, prices.length);
    out.length = 2 * count;
    for (let i = 0; i < count; i++) {
      out[2 * i] = prices[i]!;
      out[2 * i + 1] = sizes[i]!;
    }
  }

  /** Top `n` levels of one side, best first. */
  levels(side: BookSide, n: number): Level[] {
    const { prices, sizes } = side === 'bid' ? this.bids : this.asks;
    const count = Math.min(n, prices.length);
    const out: Level[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = { p: prices[i]!, s: sizes[i]! };
    return out;
  }
}

function diffSide(side: BookSide, current: readonly Level[], target: readonly Level[]): LevelChange[] {
  const want = new Map<number, number>();
  for (const l of target) want.set(l.p, l.s); // a repeated price: the last one wins, as the mirror would
  const changes: LevelChange[] = [];
  for (const l of current) if (!(want.get(l.p)! > 0)) changes.push({ side, p: l.p, s: 0 });
  const have = new Map(current.map((l) => [l.p, l.s]));
  for (const [p, s] of want) if (s > 0 && have.get(p) !== s) changes.push({ side, p, s });
  return changes.sort((a, b) => a.p - b.p);
}
