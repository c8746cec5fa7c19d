/**
 * The one "state at t" rule: what a client needs to rebuild every panel at t from nothing. Which
 * events are kept is `BackfillTracker`'s (per token the latest book snapshot and the deltas after
 * it, the latest book event and the last RECENT_TRADES trades; the latest event of each other
 * topic; the open event windows and the last window record; every markets event); this module says
 * which rows a source reads for it, so every replay source (the browser's Arrow blocks, Node's
 * DuckDB) asks the same questions and keeps the same answer.
 */
import type { Channel } from '../channels';
import { RECENT_TRADES } from '../channel-state';
import type { AnyEvent } from '../schemas';
import { BackfillTracker } from './backfill-tracker';
import { mergeSorted, throwIfAborted } from './event-source';

/** Channels whose state is "the latest event before t" (one topic each). */
export const LATEST_OF: readonly Channel[] = ['metar_obs', 'pws_cluster', 'features_1m', 'nowcast_1m', 'health'];

/** How a source reads a day's rows for the rule (each answer in replay order). */
export interface StateReader {
  /** Whether the day has rows of `ch`. */
  has(ch: Channel): boolean;
  /** Events of `ch` with lo ≤ ts_ingest < hi. */
  rows(ch: Channel, lo: number, hi: number): Promise<AnyEvent[]>;
  /** The latest event of `ch` with ts_ingest < hi (none or one). */
  latest(ch: Channel, hi: number): Promise<AnyEvent[]>;
}

export interface StateAtOptions {
  day_start_ms: number;
  /** How far before t a token's latest snapshot is looked for (older ones: no longer recorded). */
  snapshotLookbackMs: number;
  /** First span searched for each token's recent trades; doubled until found. */
  tradeLookbackMs: number;
  signal?: AbortSignal;
}

/** The events that rebuild the state at the millisecond `t` (every event before t + 1), in replay order. */
export async function stateAt(reader: StateReader, t: number, options: StateAtOptions): Promise<AnyEvent[]> {
  const hi = Math.floor(t) + 1;
  const dayStart = options.day_start_ms;
  const snapFrom = Math.max(dayStart, hi - options.snapshotLookbackMs);
  const read = (ch: Channel, lo: number) => (reader.has(ch) ? reader.rows(ch, lo, hi) : Promise.resolve([]));
  const snapshotsP = read('l2_snap_1s', snapFrom);
  // Deltas don't wait for the snapshots: every delta that can matter is after snapFrom (the
  // tracker keeps, per token, only those after its latest snapshot).
  const deltasP = read('l2_deltas', snapFrom);
  const latestP = Promise.all(LATEST_OF.map((ch) => (reader.has(ch) ? reader.latest(ch, hi) : Promise.resolve([]))));
  // Small channels: the whole day up to t.
  const bookEventsP = read('book_events', dayStart);
  const windowsP = read('event_windows', dayStart);
  const marketsP = read('markets', dayStart);
  const tradesP = reader.has('tape_trades')
    ? recentTrades(reader, snapshotsP.then((snaps) => new Set(snaps.map((e) => e.token_id!))), hi, dayStart, options.tradeLookbackMs)
    : Promise.resolve([]);
  const [snapshots, deltas, trades, bookEvents, windows, markets, latest] = await Promise.all([snapshotsP, deltasP, tradesP, bookEventsP, windowsP, marketsP, latestP]);
  throwIfAborted(options.signal);
  const tracker = new BackfillTracker();
  tracker.addAll(mergeSorted([snapshots, deltas, trades, bookEvents, windows, markets, ...latest]));
  return tracker.backfill(snapFrom);
}

/**
 * Trades before hi covering each token's last RECENT_TRADES: the span searched doubles until every
 * token with a book (or with trades) has its full count, or the day's start is reached.
 */
async function recentTrades(reader: StateReader, tokensP: Promise<Set<string>>, hi: number, dayStart: number, firstSpanMs: number): Promise<AnyEvent[]> {
  let span = firstSpanMs;
  for (;;) {
    const lo = Math.max(dayStart, hi - span);
    // awaited together, so a rejection of either (an abort) is always observed
    const [trades, tokens] = await Promise.all([reader.rows('tape_trades', lo, hi), tokensP]);
    const counts = new Map<string, number>();
    for (const tr of trades) counts.set(tr.token_id!, (counts.get(tr.token_id!) ?? 0) + 1);
    const wanted = new Set([...tokens, ...counts.keys()]);
    if ([...wanted].every((tok) => (counts.get(tok) ?? 0) >= RECENT_TRADES) || lo === dayStart) return trades;
    span *= 2;
  }
}
