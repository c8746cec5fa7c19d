/**
 * One cone token's book as the recorder tracks it: the shared BookMirror plus what integrity needs.
 *   seq              +1 for every level change applied to the mirror (price_change entries, and each
 *                    level a full book changes), never reset: a replay orders deltas by it.
 *   resync_epoch_id  +1 at every full resync (the first book, and every book after a gap).
 *   ok               false until the first book and from a gap until the fresh book arrives.
 * Level prices are also kept sorted (binary-search insert/remove) because the gap check needs the
 * best bid/ask after every change and the depth-cliff check the top N: BookMirror#top sorts every
 * price on each call, which costs ~30 µs on a realistic book.
 */
import { BookMirror, roundPrice, type BookSide, type Level, type SpreadRegime } from '../../shared/book';
import type { MarketToken } from '../sources/source';

export interface LevelChange {
  side: BookSide;
  p: number;
  s: number;
}

export class TokenBook {
  readonly mirror = new BookMirror();
  seq = 0;
  epoch = 0;
  ok = false;
  tick: number;
  /** When the pending resync was last requested (ms), null when none is pending or none can be asked for. */
  resyncRequestedAt: number | null = null;

  // Trigger state (see Recorder#evaluateMarket).
  /** Mid at the last 1 s boundary: mid(t − 1 s) of the shock test. */
  refMid: number | null = null;
  shockFired = false;
  regime: SpreadRegime | null = null;
  bidThin = false;
  askThin = false;

  /** Level prices best first (bids descending, asks ascending), kept beside the mirror's maps. */
  private readonly bidPrices: number[] = [];
  private readonly askPrices: number[] = [];

  constructor(
    readonly info: MarketToken,
    defaultTick: number,
  ) {
    this.tick = defaultTick;
  }

  get bestBid(): number | null {
    return this.bidPrices[0] ?? null;
  }

  get bestAsk(): number | null {
    return this.askPrices[0] ?? null;
  }

  get mid(): number | null {
    const bid = this.bidPrices[0];
    const ask = this.askPrices[0];
    return bid !== undefined && ask !== undefined ? (bid + ask) / 2 : null;
  }

  get spread(): number | null {
    const bid = this.bidPrices[0];
    const ask = this.askPrices[0];
    return bid !== undefined && ask !== undefined ? roundPrice(ask - bid) : null;
  }

  /** Apply one level change (size 0 removes the level); returns the new seq. */
  apply(side: BookSide, p: number, s: number): number {
    const had = this.mirror.sizeAt(side, p) > 0;
    this.mirror.apply(side, p, s);
    if (s > 0 !== had) {
      const prices = side === 'bid' ? this.bidPrices : this.askPrices;
      const i = search(prices, p, side === 'bid' ? -1 : 1);
      if (s > 0) prices.splice(i, 0, p);
      else prices.splice(i, 1);
    }
    return ++this.seq;
  }

  /** Top `n` levels per side, best first (what BookMirror#top returns, without sorting). */
  top(n: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.levels('bid', n), asks: this.levels('ask', n) };
  }

  /** Shares on the top `n` levels of a side. */
  depth(side: BookSide, n: number): number {
    const prices = side === 'bid' ? this.bidPrices : this.askPrices;
    let total = 0;
    for (let i = 0; i < n && i < prices.length; i++) total += this.mirror.sizeAt(side, prices[i]!);
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
    const bid = this.bidPrices[0] ?? 0;
    const ask = this.askPrices[0] ?? 1;
    return Math.abs(bid - bestBid) < 1e-9 && Math.abs(ask - bestAsk) < 1e-9;
  }

  private levels(side: BookSide, n: number): Level[] {
    const prices = side === 'bid' ? this.bidPrices : this.askPrices;
    const out: Level[] = [];
    for (let i = 0; i < n && i < prices.length; i++) out.push({ p: prices[i]!, s: this.mirror.sizeAt(side, prices[i]!) });
    return out;
  }
}

/** Index of `p` in `prices` (sorted by `direction`), or where it would be inserted. */
function search(prices: readonly number[], p: number, direction: 1 | -1): number {
  let lo = 0;
  let hi = prices.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((prices[mid]! - p) * direction < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
