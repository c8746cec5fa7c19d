/**
 * The one message pipeline's state: what every panel shows, rebuilt from events alone. Live and
 * replay feed it the same way (`applyEvents`); a seek resets it and applies the backfill. Pure and
 * isomorphic, so the replay engine, the export and the tests use exactly what the UI uses.
 *
 * Updates are immutable at the granularity panels subscribe to (one token's book, the METAR, …),
 * so a zustand selector re-renders only what changed.
 */
import { OrderBook, bookMetrics, type BookMetrics, type Level } from './book';
import type {
  AnyEvent,
  BookEvent,
  EventWindow,
  Features1m,
  Health,
  L2Snapshot,
  MarketsEvent,
  MetarObs,
  Nowcast1m,
  PwsCluster,
  TapeTrade,
} from './schemas';
import { ingestMs } from './event-time';

export const DEPTH_LEVELS = 20;
export const RECENT_TRADES = 50;

export interface TokenBook {
  token_id: string;
  market_id: string;
  /** The outcome label (e.g. "34-35°F") from the latest snapshot, null if the recorder had none. */
  bucket: string | null;
  bids: Level[];
  asks: Level[];
  metrics: BookMetrics;
  book_ok: boolean;
  seq: number;
  resync_epoch_id: number;
  /** ts_ingest_utc of the last snapshot or delta applied. */
  updated_at: string;
  /** Deltas applied on top of the last snapshot (non-zero only inside event windows). */
  deltas_since_snapshot: number;
  last_book_event: BookEvent | null;
}

/** A market (one station-local date) as the `markets` channel describes it. */
export interface MarketState {
  market_date: string;
  /** The latest listing: title, rules verbatim, resolution source, bucket tokens. */
  listing: MarketsEvent | null;
  /** Its tokens left the operating cone (after its day). */
  unlisted: boolean;
  /** Resolutions of its bucket markets, by market_id. */
  resolutions: Readonly<Record<string, MarketsEvent>>;
  /** The bucket that paid: the one whose followed YES token won its resolution. */
  winner: string | null;
}

export interface ChannelState {
  /** Instant the state corresponds to (the last event's ingest time). */
  at_ms: number | null;
  books: Readonly<Record<string, TokenBook>>;
  trades: Readonly<Record<string, readonly TapeTrade[]>>;
  metar: MetarObs | null;
  pws: PwsCluster | null;
  features: Features1m | null;
  nowcast: Nowcast1m | null;
  health: Health | null;
  /** Windows opened and not yet closed, by window_id. */
  open_windows: Readonly<Record<string, EventWindow>>;
  /** The markets followed, by market date. */
  markets: Readonly<Record<string, MarketState>>;
  /** The most recent event of any channel (its correlation_id is "the story at the cursor"). */
  last_event: AnyEvent | null;
  /**
   * A token's latest book event that arrived before its first snapshot; the snapshot adopts it as
   * `last_book_event`. So a seek's backfill (latest book event, then latest snapshot) rebuilds the
   * same book as playing the day through.
   */
  pending_book_events: Readonly<Record<string, BookEvent>>;
}

export function emptyChannelState(): ChannelState {
  return {
    at_ms: null,
    books: {},
    trades: {},
    metar: null,
    pws: null,
    features: null,
    nowcast: null,
    health: null,
    open_windows: {},
    markets: {},
    last_event: null,
    pending_book_events: {},
  };
}

function bookFromSnapshot(snap: L2Snapshot): TokenBook {
  return {
    token_id: snap.token_id,
    market_id: snap.market_id,
    bucket: snap.bucket ?? null,
    bids: snap.bids,
    asks: snap.asks,
    metrics: {
      best_bid: snap.best_bid,
      best_ask: snap.best_ask,
      mid: snap.mid,
      spread: snap.spread,
      microprice: snap.microprice,
      imbalance: snap.imbalance,
    },
    book_ok: snap.book_ok,
    seq: snap.seq,
    resync_epoch_id: snap.resync_epoch_id,
    updated_at: snap.ts_ingest_utc,
    deltas_since_snapshot: 0,
    last_book_event: null,
  };
}

/**
 * Apply events (in ts_ingest_utc order) to `state`, returning a new state that shares every part
 * the events did not touch.
 */
export function applyEvents(state: ChannelState, events: readonly AnyEvent[]): ChannelState {
  if (events.length === 0) return state;
  const next: ChannelState = { ...state };
  let books: Record<string, TokenBook> | null = null;
  let trades: Record<string, readonly TapeTrade[]> | null = null;
  let windows: Record<string, EventWindow> | null = null;
  let pending: Record<string, BookEvent> | null = null;
  let markets: Record<string, MarketState> | null = null;
  // Deltas for one token are folded through a mirror and materialized once per batch.
  const mirrors = new Map<string, OrderBook>();

  const materialize = (tokenId: string) => {
    const mirror = mirrors.get(tokenId);
    const book = books![tokenId];
    if (!mirror || !book) return;
    const top = mirror.top(DEPTH_LEVELS);
    books![tokenId] = { ...book, ...top, metrics: bookMetrics(top.bids, top.asks) };
    mirrors.delete(tokenId);
  };

  for (const e of events) {
    switch (e.ch) {
      case 'l2_snap_1s': {
        books ??= { ...state.books };
        mirrors.delete(e.token_id);
        const previous = books[e.token_id];
        let adopted: BookEvent | null = null;
        if (!previous) {
          adopted = (pending ?? state.pending_book_events)[e.token_id] ?? null;
          if (adopted) {
            pending ??= { ...state.pending_book_events };
            delete pending[e.token_id];
          }
        }
        books[e.token_id] = { ...bookFromSnapshot(e), last_book_event: previous?.last_book_event ?? adopted };
        break;
      }
      case 'l2_deltas': {
        books ??= { ...state.books };
        const book = books[e.token_id];
        if (!book) break; // a delta before any snapshot of its token has nothing to apply to
        let mirror = mirrors.get(e.token_id);
        if (!mirror) {
          mirror = new OrderBook();
          mirror.reset(book.bids, book.asks);
          mirrors.set(e.token_id, mirror);
        }
        mirror.apply(e.side, e.p, e.s);
        books[e.token_id] = {
          ...book,
          seq: e.seq,
          updated_at: e.ts_ingest_utc,
          deltas_since_snapshot: book.deltas_since_snapshot + 1,
        };
        break;
      }
      case 'book_events': {
        books ??= { ...state.books };
        materialize(e.token_id);
        const book = books[e.token_id];
        if (book) {
          books[e.token_id] = {
            ...book,
            last_book_event: e,
            resync_epoch_id: e.resync_epoch_id,
            book_ok: e.kind === 'BOOK_RESYNC_DONE' ? book.book_ok : false,
          };
        } else {
          pending ??= { ...state.pending_book_events };
          pending[e.token_id] = e;
        }
        break;
      }
      case 'tape_trades': {
        trades ??= { ...state.trades };
        const list = trades[e.token_id] ?? [];
        trades[e.token_id] = [...list.slice(-(RECENT_TRADES - 1)), e];
        break;
      }
      case 'metar_obs':
        next.metar = e;
        break;
      case 'pws_cluster':
        next.pws = e;
        break;
      case 'features_1m':
        next.features = e;
        break;
      case 'nowcast_1m':
        next.nowcast = e;
        break;
      case 'health':
        next.health = e;
        break;
      case 'event_windows': {
        windows ??= { ...state.open_windows };
        if (e.state === 'open') windows[e.window_id] = e;
        else delete windows[e.window_id];
        break;
      }
      case 'markets': {
        markets ??= { ...state.markets };
        const market = markets[e.market_date] ?? { market_date: e.market_date, listing: null, unlisted: false, resolutions: {}, winner: null };
        if (e.kind === 'listed') markets[e.market_date] = { ...market, listing: e, unlisted: false };
        else if (e.kind === 'unlisted') {
          markets[e.market_date] = { ...market, unlisted: true };
          books ??= { ...state.books };
          for (const t of e.tokens) {
            mirrors.delete(t.token_id);
            delete books[t.token_id];
          }
        } else {
          const won = e.winning_asset_id !== null && e.winning_asset_id === e.token_id;
          markets[e.market_date] = {
            ...market,
            resolutions: { ...market.resolutions, [e.market_id ?? e.event_id]: e },
            winner: won ? e.bucket : market.winner,
          };
        }
        break;
      }
    }
  }
  if (books) {
    for (const tokenId of [...mirrors.keys()]) materialize(tokenId);
    next.books = books;
  }
  if (trades) next.trades = trades;
  if (windows) next.open_windows = windows;
  if (markets) next.markets = markets;
  if (pending) next.pending_book_events = pending;
  const last = events[events.length - 1]!;
  next.last_event = last;
  next.at_ms = ingestMs(last);
  return next;
}
