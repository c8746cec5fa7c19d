/**
 * One cone token's book as the recorder tracks it: the full-depth mirror (shared/book.ts's
 * OrderBook) plus what integrity needs.
 *   seq              +1 for every level change applied to the mirror (price_change entries, and each
 *                    level a full book changes), never reset: a replay orders deltas by it.
 *   resync_epoch_id  +1 at every full resync (the first book, and every book after a gap).
 *   ok               false until the first book and from a gap until the fresh book arrives.
 */
import { OrderBook, type BookSide } from '../../shared/book';
import type { MarketToken } from '../sources/source';

export class TokenMirror {
  readonly book = new OrderBook();
  seq = 0;
  epoch = 0;
  ok = false;
  tick: number;
  /** When the pending resync was last requested (ms), null when none is pending or none can be asked for. */
  resyncRequestedAt: number | null = null;

  constructor(
    public info: MarketToken,
    defaultTick: number,
  ) {
    this.tick = defaultTick;
  }

  /** Apply one level change (size 0 removes the level); returns the new seq. */
  apply(side: BookSide, p: number, s: number): number {
    this.book.apply(side, p, s);
    return ++this.seq;
  }

  /**
   * Whether the mirror agrees with the best bid/ask the venue reported (after a change, or in a
   * `best_bid_ask`). The venue reports an empty side as "" (null here), or as a bid of 0 / an ask
   * of 1, prices no order can rest at.
   */
  agreesWith(bestBid: number | null, bestAsk: number | null): boolean {
    return same(this.book.bestBid, bestBid === 0 ? null : bestBid) && same(this.book.bestAsk, bestAsk === 1 ? null : bestAsk);
  }
}

function same(mirror: number | null, venue: number | null): boolean {
  return mirror === null || venue === null ? mirror === venue : Math.abs(mirror - venue) < 1e-9;
}
