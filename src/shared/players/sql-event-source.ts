/**
 * The EventSource questions written as DuckDB SQL over a day's Parquet channels. Where the rows
 * live is the backend's business: Node's DuckDB reads the Parquet files in place
 * (`src/services/replay/node-event-source.ts`); a backend that loads row groups piecemeal gets
 * asked for exactly the row groups each query's time range touches (from the manifest's index),
 * since every query bounds its time range explicitly. The browser answers the same questions from
 * decoded Arrow row groups (`src/renderer/src/replay/arrow-block-source.ts`); the Chromium test
 * checks that both give identical events. A seek's backfill follows the one "state at t" rule
 * (`state-at.ts`).
 */
import type { Channel } from '../channels';
import type { Manifest } from '../manifest';
import type { AnyEvent } from '../schemas';
import { sqlString } from '../sql';
import { mergeSorted, throwIfAborted, type EventSource, type FetchOptions, type SourceInfo } from './event-source';
import { isoFromMs } from './rows';
import { stateAt, type StateReader } from './state-at';
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
    const dayStart = this.info?.day_start_ms ?? Math.min(...[...this.spans.values()].map((s) => s[0]!.min_ms));
    const reader: StateReader = {
      has: (ch) => this.spans.has(ch),
      rows: (ch, lo, hi) => this.select(ch, lo, hi, OLDEST_FIRST, signal),
      latest: (ch, hi) => {
        const lo = this.lastGroupStart(ch, hi);
        return lo === null ? Promise.resolve([]) : this.select(ch, lo, hi, `${NEWEST_FIRST} LIMIT 1`, signal);
      },
    };
    return stateAt(reader, t, { day_start_ms: dayStart, snapshotLookbackMs: this.snapshotLookbackMs, tradeLookbackMs: this.tradeLookbackMs, signal });
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
