/**
 * Market and book integrity: the cone's books from the CLOB feed, their 1 s snapshots, deltas
 * inside windows, trades, and the integrity bookkeeping of docs/spec.md §5 (see token-mirror.ts for seq,
 * epoch and ok). A gap is a dropped connection, or the mirror's best bid/ask disagreeing with the
 * venue's after a `price_change` (or a full book disagreeing with a healthy mirror): GAP_DETECTED,
 * BOOK_RESYNC_START, a book request, book_ok=false until the fresh book, BOOK_RESYNC_DONE.
 */
import { bookMetrics, OrderBook, type Level } from '../../shared/book';
import { describeZodError } from '../../shared/registry';
import { isCrossed, type EventOf } from '../../shared/schemas';
import { clobMarketMessage, unknownEventType, type ClobMarketMessage } from '../sources/polymarket-messages';
import type { MarketToken, SourceMessage } from '../sources/source';
import type { RecordingConfig } from './config';
import type { EventOutput } from './event-output';
import type { HealthSampler } from './health-sampler';
import { clobRestBook, parsePriceChangeFast } from './input-schemas';
import { fmt } from './market-triggers';
import { TokenMirror } from './token-mirror';
import type { WindowTriggers } from './window-policy';

type Message<K extends SourceMessage['kind']> = Extract<SourceMessage, { kind: K }>;
export type MarketResolved = Extract<ClobMarketMessage, { event_type: 'market_resolved' }>;

export class MarketBooks {
  private readonly books = new Map<string, TokenMirror>();
  private started = false;
  private connectionUp = true;
  /** Tokens whose book is to be requested from the source once the current call is done. */
  private readonly requests = new Set<string>();

  constructor(
    private readonly out: EventOutput,
    private readonly health: HealthSampler,
    private readonly windows: WindowTriggers,
    private readonly config: RecordingConfig,
    private readonly station: string,
    tokens: readonly MarketToken[],
    /** Whether the source can be asked for a book (`requestBook`). */
    private readonly canRequestBooks: boolean,
    /** A `market_resolved` from the feed (the markets channel records it). */
    private readonly onResolved: (message: MarketResolved) => void,
  ) {
    for (const t of tokens) this.add(t);
  }

  /** Every book starts untrusted until its first book arrives. */
  start(): void {
    this.started = true;
    for (const t of this.books.values()) this.beginResync(t, 'awaiting the first book');
  }

  /** The cone's tokens. */
  *cone(): IterableIterator<MarketToken> {
    for (const t of this.books.values()) yield t.info;
  }

  /** A token joins the cone: snapshots from the next second, untrusted until its first book. */
  add(token: MarketToken): void {
    const known = this.books.get(token.token_id);
    if (known) {
      known.info = token;
      return;
    }
    const mirror = new TokenMirror(token, this.config.triggers.defaultTick);
    this.books.set(token.token_id, mirror);
    this.windows.follow(mirror);
    if (this.started) this.beginResync(mirror, 'awaiting the first book');
  }

  /** A token leaves the cone: no more snapshots, its messages are ignored from now on. */
  remove(tokenId: string): void {
    const mirror = this.books.get(tokenId);
    if (!mirror) return;
    this.books.delete(tokenId);
    this.windows.unfollow(mirror);
    this.requests.delete(tokenId);
  }

  /** The book requests gathered since the last call, in the order they were made. */
  takeRequests(): string[] {
    const requests = [...this.requests];
    this.requests.clear();
    return requests;
  }

  get hasRequests(): boolean {
    return this.requests.size > 0;
  }

  /** One `l2_snap_1s` per cone token at the current (whole-second) instant. */
  snapshots(): void {
    const n = this.config.snapshotLevels;
    for (const t of this.books.values()) {
      const top = t.book.top(n);
      const metrics = bookMetrics(top.bids, top.asks);
      this.out.record('l2_snap_1s', {
        station_id: this.station,
        market_id: t.info.market_id,
        token_id: t.info.token_id,
        bucket: t.info.bucket || null,
        seq: t.seq,
        resync_epoch_id: t.epoch,
        bids: top.bids,
        asks: top.asks,
        ...metrics,
        book_ok: t.ok && !isCrossed(metrics.spread), // a crossed mirror missed something (schemas.ts)
      });
    }
  }

  /** Ask again for the books whose requested resync has not come after `resyncRetryMs`. */
  retryResyncs(): void {
    const now = this.out.now;
    for (const t of this.books.values()) {
      if (!t.ok && t.resyncRequestedAt !== null && now - t.resyncRequestedAt >= this.config.resyncRetryMs) {
        this.requestResync(t);
      }
    }
  }

  onClob(message: Message<'clob'>): void {
    let m: ClobMarketMessage | null = parsePriceChangeFast(message.message);
    if (!m) {
      const parsed = clobMarketMessage.safeParse(message.message);
      if (!parsed.success) return this.out.reject(message, `CLOB message: ${unknownEventType(message.message) ?? describeZodError(parsed.error)}`);
      m = parsed.data;
    }
    this.health.seen('clob');
    this.health.sample('clob_to_ingest', message.received_ms - m.timestamp);
    switch (m.event_type) {
      case 'book': {
        const t = this.token(m.asset_id);
        if (!t) return;
        if (m.tick_size !== undefined) t.tick = m.tick_size;
        this.fullBook(t, toLevels(m.bids), toLevels(m.asks), m.hash, 'book message');
        return;
      }
      case 'price_change':
        return this.priceChange(m.price_changes);
      case 'last_trade_price': {
        const t = this.token(m.asset_id);
        if (!t) return;
        this.out.record('tape_trades', {
          station_id: this.station,
          market_id: t.info.market_id,
          token_id: t.info.token_id,
          p: m.price,
          s: m.size,
          side: m.side === 'BUY' ? 'buy' : 'sell',
          trade_id: m.transaction_hash ?? null,
        });
        return;
      }
      case 'tick_size_change': {
        // The venue re-prices the book on the new grid: the mirror is not trusted until the next book.
        const t = this.token(m.asset_id);
        if (!t) return;
        t.tick = m.new_tick_size;
        if (t.ok) this.beginResync(t, `tick size ${m.old_tick_size} → ${m.new_tick_size}: book dropped until the next book`);
        return;
      }
      case 'best_bid_ask': {
        const t = this.token(m.asset_id);
        if (t?.ok && !t.agreesWith(m.best_bid, m.best_ask)) this.mismatch(t, m.best_bid, m.best_ask, 'best_bid_ask');
        return;
      }
      case 'new_market':
        this.out.stats.new_markets++;
        return;
      case 'market_resolved':
        return this.onResolved(m);
    }
  }

  onRestBook(message: Message<'clob_rest_book'>): void {
    const parsed = clobRestBook.safeParse(message.book);
    if (!parsed.success) return this.out.reject(message, `REST book: ${describeZodError(parsed.error)}`);
    this.health.seen('clob');
    const t = this.token(parsed.data.asset_id);
    if (t) this.fullBook(t, toLevels(parsed.data.bids), toLevels(parsed.data.asks), parsed.data.hash, 'REST book');
  }

  /**
   * The market feed went down (every book may miss updates: a gap on each trusted one) or came
   * back (ask for every untrusted book). A `clob_connection` message and a `clob` source status
   * both land here.
   */
  connection(up: boolean, detail: string): void {
    if (!up) {
      this.connectionUp = false;
      for (const t of this.books.values()) {
        if (!t.ok) continue;
        this.gap(t, `market connection down: ${detail}`);
        this.beginResync(t, 'connection lost');
      }
      return;
    }
    if (!this.connectionUp) this.out.stats.reconnects++;
    this.connectionUp = true;
    for (const t of this.books.values()) if (!t.ok) this.requestResync(t);
  }

  private priceChange(all: Extract<ClobMarketMessage, { event_type: 'price_change' }>['price_changes']): void {
    const byToken = new Map<string, typeof all>();
    for (const c of all) {
      const list = byToken.get(c.asset_id);
      if (list) list.push(c);
      else byToken.set(c.asset_id, [c]);
    }
    for (const [tokenId, changes] of byToken) {
      const t = this.token(tokenId);
      if (!t) continue;
      const inWindow = this.windows.activeAt(this.out.now) !== null;
      for (const c of changes) {
        const side = c.side === 'BUY' ? 'bid' : 'ask';
        const seq = t.apply(side, c.price, c.size);
        if (inWindow) this.delta(t, seq, side, c.price, c.size, c.hash);
      }
      const last = changes[changes.length - 1]!;
      if (t.ok && !t.agreesWith(last.best_bid, last.best_ask)) this.mismatch(t, last.best_bid, last.best_ask, `price_change ${last.hash}`);
      else this.windows.bookChanged(t, this.out.now);
    }
  }

  /** The venue's best bid/ask disagree with a trusted mirror: an update was missed. */
  private mismatch(t: TokenMirror, bestBid: number | null, bestAsk: number | null, after: string): void {
    this.gap(t, `mirror best ${fmt(t.book.bestBid)}/${fmt(t.book.bestAsk)} ≠ venue best ${fmt(bestBid)}/${fmt(bestAsk)} after ${after}`);
    this.beginResync(t, 'best bid/ask mismatch');
  }

  private token(tokenId: string): TokenMirror | null {
    const t = this.books.get(tokenId);
    if (!t) this.out.stats.ignored++;
    return t ?? null;
  }

  private delta(t: TokenMirror, seq: number, side: 'bid' | 'ask', p: number, s: number, hash: string | null): void {
    this.out.record('l2_deltas', {
      station_id: this.station,
      market_id: t.info.market_id,
      token_id: t.info.token_id,
      seq,
      side,
      p,
      s,
      hash,
    });
  }

  private bookEvent(t: TokenMirror, kind: EventOf<'book_events'>['kind'], seqBefore: number | null, seqAfter: number | null, detail: string): void {
    this.out.record('book_events', {
      station_id: this.station,
      market_id: t.info.market_id,
      token_id: t.info.token_id,
      kind,
      resync_epoch_id: t.epoch,
      seq_before: seqBefore,
      seq_after: seqAfter,
      detail: detail.slice(0, 2000),
    });
  }

  private gap(t: TokenMirror, detail: string): void {
    this.out.stats.gaps++;
    this.bookEvent(t, 'GAP_DETECTED', t.seq, null, detail);
  }

  /** Mark the book untrustworthy and (unless the fresh book is already in hand) ask for one. */
  private beginResync(t: TokenMirror, why: string, request = true): void {
    t.ok = false;
    this.bookEvent(t, 'BOOK_RESYNC_START', t.seq, null, why);
    if (request) this.requestResync(t);
  }

  private requestResync(t: TokenMirror): void {
    if (!this.canRequestBooks || !this.connectionUp) return;
    t.resyncRequestedAt = this.out.now;
    this.requests.add(t.info.token_id);
  }

  /**
   * A full book (WS `book` or REST). On a trusted mirror that agrees, nothing happens. On one that
   * disagrees the drift is a gap. Either way a book that changes the mirror is a full resync: the
   * level differences are applied as changes (recorded as deltas inside a window, so a replay of
   * the window stays exact), the epoch increments and BOOK_RESYNC_DONE records seq before/after.
   */
  private fullBook(t: TokenMirror, bids: Level[], asks: Level[], hash: string, origin: string): void {
    const changes = t.book.changesTo(OrderBook.from(bids, asks));
    if (t.ok) {
      if (changes.length === 0) return;
      this.gap(t, `${origin} ${hash} disagrees with the mirror at ${changes.length} level(s)`);
      this.beginResync(t, `${origin} disagreed with the mirror`, false);
    }
    const seqBefore = t.seq;
    const inWindow = this.windows.activeAt(this.out.now) !== null;
    for (const c of changes) {
      const seq = t.apply(c.side, c.p, c.s);
      if (inWindow) this.delta(t, seq, c.side, c.p, c.s, hash);
    }
    t.epoch++;
    t.ok = true;
    t.resyncRequestedAt = null;
    this.out.stats.resyncs++;
    this.bookEvent(t, 'BOOK_RESYNC_DONE', seqBefore, t.seq, `${origin} ${hash}: ${changes.length} level change(s)`);
    this.windows.rebased(t);
  }
}

function toLevels(xs: readonly { price: number; size: number }[]): Level[] {
  return xs.map((x) => ({ p: x.price, s: x.size }));
}
