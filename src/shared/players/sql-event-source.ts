/**
 * The EventSource questions written as DuckDB SQL over a day's Parquet channels. Where the rows
 * live is the backend's business: Node's DuckDB reads the Parquet files in place
 * (`src/services/replay/node-event-source.ts`); a backend that loads row groups piecemeal gets
 * asked for exactly the row groups each query's time range touches (from the manifest's index),
 * since every query bounds its time range explicitly. The browser answers the same questions from
 * decoded Arrow row groups (`src/renderer/src/replay/arrow-block-source.ts`); the Chromium test
 * checks that both give identical events.
 */
import type { Channel } from '../channels';
import { RECENT_TRADES } from '../channel-state';
import type { Manifest } from '../manifest';
import type { AnyEvent } from '../schemas';
import { sqlString } from '../sql';
import { parseIsoMs } from '../time';
import { compareEvents, mergeSorted, throwIfAborted, type EventSource, type FetchOptions, type SourceInfo } from './event-source';
import { isoFromMs } from './rows';
import { DEFAULT_LOOKBACK, daySourceInfo, daySpans, lastSpansBefore, spansIn, type BackfillLookback, type RowGroupSpan } from './day-spans';

/** Rows of some row groups of a channel, kept available until released. */
export interface Lease {
  /** A SQL table expression over (at least) the acquired row groups' rows. */
  relation: string;
  release(): void;
}

export interface SqlBackend {
  /** Make the rows of `rowGroups` of `ch` queryable until the lease is released. */
  acquire(ch: Channel, rowGroups: readonly number[], signal?: AbortSignal): Promise<Lease>;
  /** Run `sql` (whose rows are all of `ch`'s columns) and convert the rows to events. */
  queryEvents(ch: Channel, sql: string): Promise<AnyEvent[]>;
  /** Which of `candidates` hold a row whose `column` equals `value` (may answer all candidates). */
  rowGroupsWith(ch: Channel, column: 'correlation_id', value: string, candidates: readonly number[]): Promise<number[]>;
  /** Decoded time ranges, if the backend loads data piecemeal. */
  loadedRanges?(): Array<[number, number]>;
  close(): Promise<void>;
}

export type SqlEventSourceOptions = BackfillLookback;

export const sqlTimestamp = (ms: number) => `TIMESTAMPTZ '${isoFromMs(ms)}'`;
const NEWEST_FIRST = 'ORDER BY ts_ingest_utc DESC, event_id DESC';
const OLDEST_FIRST = 'ORDER BY ts_ingest_utc, event_id';

/** Channels whose state is "the latest event ≤ t" (one topic each). */
const LATEST_OF: readonly Channel[] = ['metar_obs', 'pws_cluster', 'features_1m', 'nowcast_1m', 'health'];

export class SqlEventSource implements EventSource {
  private readonly spans: Map<Channel, RowGroupSpan[]>;
  private readonly snapshotLookbackMs: number;
  private readonly tradeLookbackMs: number;
  private info: SourceInfo | null = null;

  constructor(
    readonly manifest: Manifest,
    private readonly backend: SqlBackend,
    options: SqlEventSourceOptions = {},
  ) {
    this.snapshotLookbackMs = options.snapshotLookbackMs ?? DEFAULT_LOOKBACK.snapshotLookbackMs;
    this.tradeLookbackMs = options.tradeLookbackMs ?? DEFAULT_LOOKBACK.tradeLookbackMs;
    this.spans = daySpans(manifest);
  }

  async initialize(): Promise<SourceInfo> {
    this.info ??= daySourceInfo(this.manifest, this.spans);
    return this.info;
  }

  /** Row groups of `ch` holding rows in [lo, hi). */
  rowGroupsIn(ch: Channel, lo: number, hi: number): number[] {
    return spansIn(this.spans.get(ch) ?? [], lo, hi);
  }

  /** From where the latest row of `ch` before `hi` is to be found (the earliest start of the candidate row groups). */
  private lastGroupStart(ch: Channel, hi: number): number | null {
    const spans = this.spans.get(ch) ?? [];
    const candidates = lastSpansBefore(spans, hi);
    return candidates.length ? Math.min(...candidates.map((i) => spans[i]!.min_ms)) : null;
  }

  /** Rows of `ch` in [lo, hi) filtered by `tail` (a WHERE continuation + ORDER/QUALIFY/LIMIT). */
  private async select(ch: Channel, lo: number, hi: number, tail: string, signal?: AbortSignal): Promise<AnyEvent[]> {
    const groups = this.rowGroupsIn(ch, lo, hi);
    if (groups.length === 0) return [];
    throwIfAborted(signal);
    const lease = await this.backend.acquire(ch, groups, signal);
    try {
      throwIfAborted(signal);
      return await this.backend.queryEvents(
        ch,
        `SELECT * FROM ${lease.relation} WHERE ts_ingest_utc >= ${sqlTimestamp(lo)} AND ts_ingest_utc < ${sqlTimestamp(hi)} ${tail}`,
      );
    } finally {
      lease.release();
    }
  }

  async fetchEvents(t0: number, t1: number, options: FetchOptions = {}): Promise<AnyEvent[]> {
    if (t1 <= t0) return [];
    const perChannel = await Promise.all(
      [...this.spans.keys()].map((ch) => this.select(ch, t0, t1, OLDEST_FIRST, options.signal)),
    );
    throwIfAborted(options.signal);
    return mergeSorted(perChannel);
  }

  async backfill(t: number, options: FetchOptions = {}): Promise<AnyEvent[]> {
    const { signal } = options;
    const hi = Math.floor(t) + 1;
    const dayStart = this.info?.day_start_ms ?? Math.min(...[...this.spans.values()].map((s) => s[0]!.min_ms));
    const from = (ms: number) => Math.max(dayStart, ms);
    const latestPer = (key: string, n: number) =>
      `QUALIFY row_number() OVER (PARTITION BY ${key} ${NEWEST_FIRST}) <= ${n}`;

    const snapshotsP = this.select('l2_snap_1s', from(hi - this.snapshotLookbackMs), hi, latestPer('token_id', 1), signal);
    const latestP = Promise.all(
      LATEST_OF.map((ch) => {
        const lo = this.lastGroupStart(ch, hi);
        return lo === null ? [] : this.select(ch, lo, hi, `${NEWEST_FIRST} LIMIT 1`, signal);
      }),
    );
    // Small channels: the whole day up to t.
    const bookEventsP = this.select('book_events', dayStart, hi, latestPer('token_id', 1), signal);
    const windowsP = this.select('event_windows', dayStart, hi, latestPer('window_id', 1), signal);
    const marketsP = this.select('markets', dayStart, hi, OLDEST_FIRST, signal);

    const snapshots = await snapshotsP;
    const tokens = new Set(snapshots.map((s) => s.token_id!));
    const [deltas, trades] = await Promise.all([
      this.deltasAfter(snapshots, hi, signal),
      this.recentTrades(tokens, hi, dayStart, signal),
    ]);
    const windowRecords = await windowsP;
    const openWindows = windowRecords.filter((w) => w.ch === 'event_windows' && w.state === 'open');
    const lastWindowRecord = windowRecords.reduce<AnyEvent | null>(
      (latest, w) => (latest === null || compareEvents(w, latest) > 0 ? w : latest),
      null,
    );
    if (lastWindowRecord && !openWindows.includes(lastWindowRecord)) openWindows.push(lastWindowRecord);

    const all = [...snapshots, ...deltas, ...trades, ...(await bookEventsP), ...(await latestP).flat(), ...openWindows, ...(await marketsP)];
    throwIfAborted(signal);
    return all.sort(compareEvents);
  }

  /** Per token, the deltas after its snapshot (in replay order) up to hi. */
  private async deltasAfter(snapshots: AnyEvent[], hi: number, signal?: AbortSignal): Promise<AnyEvent[]> {
    if (snapshots.length === 0 || !this.spans.has('l2_deltas')) return [];
    const snapByToken = new Map(snapshots.map((s) => [s.token_id!, s]));
    const lo = Math.min(...snapshots.map((s) => Math.floor(parseIsoMs(s.ts_ingest_utc))));
    const deltas = await this.select('l2_deltas', lo, hi, OLDEST_FIRST, signal);
    return deltas.filter((d) => {
      const snap = snapByToken.get(d.token_id!);
      return snap !== undefined && compareEvents(d, snap) > 0;
    });
  }

  /**
   * Each token's last RECENT_TRADES trades before hi. The span searched doubles until every token
   * with a book has its full count or the day's start is reached.
   */
  private async recentTrades(tokens: Set<string>, hi: number, dayStart: number, signal?: AbortSignal): Promise<AnyEvent[]> {
    if (!this.spans.has('tape_trades')) return [];
    let span = this.tradeLookbackMs;
    for (;;) {
      const lo = Math.max(dayStart, hi - span);
      const trades = await this.select(
        'tape_trades',
        lo,
        hi,
        `QUALIFY row_number() OVER (PARTITION BY token_id ${NEWEST_FIRST}) <= ${RECENT_TRADES}`,
        signal,
      );
      const counts = new Map<string, number>();
      for (const tr of trades) counts.set(tr.token_id!, (counts.get(tr.token_id!) ?? 0) + 1);
      const wanted = new Set([...tokens, ...counts.keys()]);
      const complete = [...wanted].every((tok) => (counts.get(tok) ?? 0) >= RECENT_TRADES);
      if (complete || lo === dayStart) return trades;
      span *= 2;
    }
  }

  async eventsByCorrelation(correlationId: string): Promise<AnyEvent[]> {
    const lo = this.info?.day_start_ms ?? 0;
    const perChannel = await Promise.all(
      [...this.spans.keys()].map(async (ch) => {
        const candidates = this.rowGroupsIn(ch, lo, Number.MAX_SAFE_INTEGER);
        if (candidates.length === 0) return [];
        const groups = await this.backend.rowGroupsWith(ch, 'correlation_id', correlationId, candidates);
        if (groups.length === 0) return [];
        const lease = await this.backend.acquire(ch, groups);
        try {
          return await this.backend.queryEvents(
            ch,
            `SELECT * FROM ${lease.relation} WHERE correlation_id = ${sqlString(correlationId)} AND ts_ingest_utc >= ${sqlTimestamp(lo)} ${OLDEST_FIRST}`,
          );
        } finally {
          lease.release();
        }
      }),
    );
    return mergeSorted(perChannel);
  }

  loadedRanges(): Array<[number, number]> {
    return this.backend.loadedRanges?.() ?? (this.info ? [[this.info.start_ms, this.info.end_ms + 1]] : []);
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}
