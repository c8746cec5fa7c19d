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
    readonly info: MarketToken,
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
   * Whether the mirror agrees with the best bid/ask the venue reported after a change. The venue
   * reports an empty side as 0 (bid) / 1 (ask).
   */
  agreesWith(bestBid: number, bestAsk: number): boolean {
    const bid = this.book.bestBid ?? 0;
    const ask = this.book.bestAsk ?? 1;
    return Math.abs(bid - bestBid) < 1e-9 && Math.abs(ask - bestAsk) < 1e-9;
  }
}
