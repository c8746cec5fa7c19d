/**
 * The browser's EventSource: a block cache of decoded Parquet row groups around the playhead.
 *
 * Questions are answered from the blocks of `BlockCache` (decoded row groups) by binary search on
 * time, and only the rows an answer contains are turned into events. Background preparation of
 * seeks is `seek-preparation.ts`, the correlation search `correlation-search.ts`.
 *
 * DuckDB-WASM is not on this path: measured on this project's 24 h day, inserting one row group
 * into DuckDB-WASM (`insertArrowFromIPCStream`) costs 20–700 ms (nested lists and MAP columns),
 * several times the decode itself, which made seeks miss their 100 ms budget. DuckDB-WASM holds
 * the whole day for the SQL console instead, loaded when the console opens (`day-history.ts`).
 *
 * A channel can be several part files (a live day's), each sorted but possibly overlapping in
 * time: row groups are numbered across the channel's parts in manifest order, and rows taken from
 * more than one part are merged by (ts_ingest_utc, event_id).
 *
 * The answers follow the `EventSource` contract exactly like the SQL sources (same row-group
 * choice from the manifest, the same "state at t" rule: `state-at.ts`).
 */
import { tableFromIPC } from 'apache-arrow';
import type { Channel } from '../../../shared/channels';
import type { Manifest } from '../../../shared/manifest';
import type { AnyEvent } from '../../../shared/schemas';
import { lowerBound } from '../../../shared/sorted';
import { compareEvents, isAbortError, mergeSorted, throwIfAborted, type EventSource, type FetchOptions, type SourceInfo } from '../../../shared/players/event-source';
import { DEFAULT_LOOKBACK, daySourceInfo, daySpans, lastSpansBefore, spansIn, type BackfillLookback, type RowGroupSpan } from '../../../shared/players/day-spans';
import { stateAt, type StateReader } from '../../../shared/players/state-at';
import { arrowToEvents } from './arrow-events';
import { BlockCache, SMALL, type Block, type BlockStats } from './block-cache';
import { eventsByCorrelation } from './correlation-search';
import type { DecodePriority, Decoder } from './decoder';
import { prepareSeeks } from './seek-preparation';

export interface BlockSourceOptions extends BackfillLookback {
  /** Decoded bytes kept across all channels before evicting (default 64 MB: about 6 h of a day's books). */
  maxCachedBytes?: number;
}

/** A channel whose file could not be read: the replay goes on without it. */
export interface DamagedChannel {
  ch: Channel;
  /** The file, relative to the day's folder (as the manifest names it). */
  file: string;
  reason: string;
}

export class ArrowBlockSource implements EventSource {
  private readonly spans: Map<Channel, RowGroupSpan[]>;
  private readonly cache: BlockCache;
  private readonly snapshotLookbackMs: number;
  private readonly tradeLookbackMs: number;
  /** Background decoding that makes later seeks cheap (`warmUp`), started after the first seek. */
  private warming: Promise<void> | null = null;
  private closed = false;
  /** Seeks (backfills) being answered, and who waits for there to be none. */
  private seeking = 0;
  private readonly quietWaiters: Array<() => void> = [];
  private info: SourceInfo | null = null;
  private readonly damagedChannels = new Map<Channel, DamagedChannel>();
  private readonly damageListeners = new Set<(d: DamagedChannel) => void>();

  constructor(
    readonly manifest: Manifest,
    private readonly decoder: Decoder,
    options: BlockSourceOptions = {},
  ) {
    this.snapshotLookbackMs = options.snapshotLookbackMs ?? DEFAULT_LOOKBACK.snapshotLookbackMs;
    this.tradeLookbackMs = options.tradeLookbackMs ?? DEFAULT_LOOKBACK.tradeLookbackMs;
    this.spans = daySpans(manifest);
    this.cache = new BlockCache(this.spans, decoder, options.maxCachedBytes ?? 64 * 1024 * 1024);
  }

  get stats(): BlockStats {
    return this.cache.stats;
  }

  async initialize(): Promise<SourceInfo> {
    this.info ??= daySourceInfo(this.manifest, this.spans);
    return this.info;
  }

  // ---- blocks --------------------------------------------------------------------------------

  private groupsIn(ch: Channel, lo: number, hi: number): number[] {
    return spansIn(this.spans.get(ch) ?? [], lo, hi);
  }

  // ---- damaged files -------------------------------------------------------------------------

  /**
   * A channel whose file fails to read or decode (truncated, corrupt) costs only itself: it is
   * taken out of the replay, named with its file and the reason, and every other channel goes on.
   */
  markDamaged(ch: Channel, error: unknown, file?: string): void {
    if (this.closed || isAbortError(error) || this.damagedChannels.has(ch)) return;
    const reason = error instanceof Error ? error.message : String(error);
    const parts = this.manifest.channels[ch]?.parts ?? [];
    const damage: DamagedChannel = { ch, file: file ?? (parts.length === 1 ? parts[0]!.file : `ch=${ch}`), reason };
    this.damagedChannels.set(ch, damage);
    this.spans.delete(ch);
    this.cache.dropChannel(ch);
    for (const listener of [...this.damageListeners]) listener(damage);
  }

  /** Channels left out so far, and who wants to hear of the next ones (called at once with each known). */
  onDamage(listener: (d: DamagedChannel) => void): () => void {
    this.damageListeners.add(listener);
    for (const d of this.damagedChannels.values()) listener(d);
    return () => this.damageListeners.delete(listener);
  }

  get damaged(): readonly DamagedChannel[] {
    return [...this.damagedChannels.values()];
  }

  /** `work` on channel `ch`, or nothing from it when its file turns out to be damaged. */
  private guard(ch: Channel, work: Promise<AnyEvent[]>): Promise<AnyEvent[]> {
    return work.catch((e: unknown) => {
      if (this.closed || isAbortError(e)) throw e;
      this.markDamaged(ch, e);
      return [];
    });
  }

  /** Events per part, each list in order, merged into one list in order. */
  private merged(ch: Channel, perGroup: { index: number; events: AnyEvent[] }[]): AnyEvent[] {
    const spans = this.spans.get(ch)!;
    const byPart = new Map<number, AnyEvent[]>();
    for (const { index, events } of perGroup) {
      const part = spans[index]!.part;
      const list = byPart.get(part);
      if (list) list.push(...events);
      else byPart.set(part, [...events]);
    }
    return byPart.size <= 1 ? (byPart.values().next().value ?? []) : mergeSorted([...byPart.values()]);
  }

  /** Events of `ch` with lo ≤ ts < hi, in order. */
  private rows(ch: Channel, lo: number, hi: number, signal?: AbortSignal, priority: DecodePriority = 'later'): Promise<AnyEvent[]> {
    return this.cache.withBlocks(
      ch,
      this.groupsIn(ch, lo, hi),
      (blocks) => this.merged(ch, blocks.map((b) => ({ index: b.index, events: this.cache.eventsOf(b, lowerBound(b.times, lo), lowerBound(b.times, hi)) }))),
      signal,
      priority,
    );
  }

  /** The latest event of `ch` before hi (in some part's last row group starting before hi). */
  private async lastRow(ch: Channel, hi: number, signal?: AbortSignal, priority: DecodePriority = 'later'): Promise<AnyEvent[]> {
    const spans = this.spans.get(ch) ?? [];
    const candidates = lastSpansBefore(spans, hi);
    if (candidates.length === 0) return [];
    return this.cache.withBlocks(
      ch,
      this.groupsIn(ch, Math.min(...candidates.map((i) => spans[i]!.min_ms)), hi),
      (blocks: Block[]) => latestOf(blocks.map((b) => {
        const end = lowerBound(b.times, hi);
        return end > 0 ? this.cache.eventsOf(b, end - 1, end) : [];
      })),
      signal,
      priority,
    );
  }

  /**
   * Events of `ch` with lo ≤ ts < hi for a seek, which is waiting: a decoded block answers
   * directly; otherwise only those rows are decoded (found with the time column), which is much
   * less than the whole row group when a seek needs a few seconds of it.
   */
  private async rowsNow(ch: Channel, lo: number, hi: number, signal?: AbortSignal): Promise<AnyEvent[]> {
    const groups = this.groupsIn(ch, lo, hi);
    const perGroup = await Promise.all(
      groups.map(async (index) => {
        const cached = this.cache.cached(ch, index);
        if (cached) return this.cache.eventsOf(cached, lowerBound(cached.times, lo), lowerBound(cached.times, hi));
        const times = await this.cache.times(ch, index, signal);
        throwIfAborted(signal);
        const from = lowerBound(times, lo);
        const to = lowerBound(times, hi);
        if (to <= from) return [];
        const ipc = await this.cache.decode(ch, [index], { offset: from, limit: to - from, priority: 'urgent', signal });
        return arrowToEvents(ch, tableFromIPC(ipc));
      }),
    );
    return this.merged(ch, groups.map((index, k) => ({ index, events: perGroup[k]! })));
  }

  /** The latest event of `ch` before hi, reading that one row (of each part that may hold it). */
  private async lastRowNow(ch: Channel, hi: number, signal?: AbortSignal): Promise<AnyEvent[]> {
    const latest = await Promise.all(
      lastSpansBefore(this.spans.get(ch) ?? [], hi).map(async (index) => {
        const times = await this.cache.times(ch, index, signal);
        const end = lowerBound(times, hi);
        if (end === 0) return [];
        return this.rowsNow(ch, times[end - 1]!, times[end - 1]! + 1e-3, signal).then((rows) => rows.slice(-1));
      }),
    );
    return latestOf(latest);
  }

  /**
   * Where "step to the next/previous event" of `ch` leads from the millisecond `fromMs` (what a
   * seek to `fromMs` shows includes every event before fromMs + 1): the time of the first event at
   * or after fromMs + 1 (direction 1) or of the last one before fromMs (−1), only of `tokenId` if
   * given; null when there is none.
   */
  async adjacentEventTime(ch: Channel, fromMs: number, direction: 1 | -1, tokenId?: string): Promise<number | null> {
    const spans = this.spans.get(ch) ?? [];
    const groups = direction === 1 ? spansIn(spans, fromMs + 1, Number.MAX_SAFE_INTEGER) : spansIn(spans, -Infinity, fromMs).reverse();
    for (const index of groups) {
      const [times, tokens] = await Promise.all([this.cache.times(ch, index), tokenId ? this.cache.tokens(ch, index) : null]);
      const wanted = (r: number) => !tokens || tokens[r] === tokenId;
      if (direction === 1) {
        for (let r = lowerBound(times, fromMs + 1); r < times.length; r++) if (wanted(r)) return times[r]!;
      } else {
        for (let r = lowerBound(times, fromMs) - 1; r >= 0; r--) if (wanted(r)) return times[r]!;
      }
    }
    return null;
  }

  /**
   * Every column of the rows of `ch` with lo ≤ ts < hi, as Arrow IPC streams (one per row group
   * that holds any), decoded at background priority: what a range export writes.
   */
  async rangeIpc(ch: Channel, lo: number, hi: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const index of this.groupsIn(ch, lo, hi)) {
      const times = await this.cache.times(ch, index);
      const from = lowerBound(times, lo);
      const to = lowerBound(times, hi);
      if (to > from) out.push(await this.cache.decode(ch, [index], { offset: from, limit: to - from, priority: 'background' }));
    }
    return out;
  }

  /** Channels still replayed (not damaged) that have rows. */
  get channels(): Channel[] {
    return [...this.spans.keys()];
  }

  // ---- EventSource ---------------------------------------------------------------------------

  async fetchEvents(t0: number, t1: number, options: FetchOptions = {}): Promise<AnyEvent[]> {
    if (t1 <= t0) return [];
    this.cache.focusMs = t1;
    try {
      const perChannel = await Promise.all([...this.spans.keys()].map((ch) => this.guard(ch, this.rows(ch, t0, t1, options.signal))));
      throwIfAborted(options.signal);
      return mergeSorted(perChannel);
    } finally {
      this.cache.evict();
    }
  }

  async backfill(t: number, options: FetchOptions = {}): Promise<AnyEvent[]> {
    this.seeking++;
    try {
      const events = await this.reconstruct(t, options.signal);
      // the first frame is on its way: prepare the next seeks once it is drawn
      if (!this.warming) setTimeout(() => void this.warmUp(), 0);
      return events;
    } finally {
      if (--this.seeking === 0) for (const wake of this.quietWaiters.splice(0)) wake();
    }
  }

  /** Prepares later seeks in the background (`seek-preparation.ts`); once per source. */
  warmUp(): Promise<void> {
    this.warming ??= prepareSeeks(this.spans, this.cache, () => this.whenQuiet(), () => this.closed).catch((e) => {
      // seeks still decode what they need on demand; only a closed day makes this expected
      if (!this.closed) console.warn('HELIOS: preparing the seeks in the background stopped:', e);
    });
    return this.warming;
  }

  /** Resolves when no seek is being answered: background work waits for this between its steps. */
  whenQuiet(): Promise<void> {
    if (this.seeking === 0) return Promise.resolve();
    return new Promise((resolve) => this.quietWaiters.push(resolve));
  }

  private async reconstruct(t: number, signal: AbortSignal | undefined): Promise<AnyEvent[]> {
    const info = await this.initialize();
    this.cache.focusMs = Math.floor(t) + 1;
    this.decoder.dropQueued();
    const t0 = performance.now();
    const profile: Record<string, number> = {};
    const timed = (ch: Channel, work: Promise<AnyEvent[]>) => this.guard(ch, work).then((v) => ((profile[ch] = performance.now() - t0), v));
    // A seek is waiting: these decodes go before any read-ahead. The small channels' blocks are
    // read whole (and kept); of the others, only the rows asked for.
    const reader: StateReader = {
      has: (ch) => this.spans.has(ch),
      rows: (ch, lo, hi) => timed(ch, SMALL.has(ch) ? this.rows(ch, lo, hi, signal, 'urgent') : this.rowsNow(ch, lo, hi, signal)),
      latest: (ch, hi) => timed(ch, SMALL.has(ch) ? this.lastRow(ch, hi, signal, 'urgent') : this.lastRowNow(ch, hi, signal)),
    };
    try {
      const out = await stateAt(reader, t, { day_start_ms: info.day_start_ms, snapshotLookbackMs: this.snapshotLookbackMs, tradeLookbackMs: this.tradeLookbackMs, signal });
      profile.total = performance.now() - t0;
      this.stats.lastSeek = profile;
      return out;
    } finally {
      this.cache.evict();
    }
  }

  /** Every event of the day carrying `correlationId` (`correlation-search.ts`). */
  async eventsByCorrelation(correlationId: string, onProgress?: (done: number, total: number) => void): Promise<AnyEvent[]> {
    const info = await this.initialize();
    const scope = {
      cache: this.cache,
      day_start_ms: info.day_start_ms,
      channels: () => this.channels,
      groupsFrom: (ch: Channel, lo: number) => this.groupsIn(ch, lo, Number.MAX_SAFE_INTEGER),
      guard: (ch: Channel, work: Promise<AnyEvent[]>) => this.guard(ch, work),
    };
    return eventsByCorrelation(scope, correlationId, onProgress);
  }

  loadedRanges(): Array<[number, number]> {
    const biggest = [...this.spans.entries()].sort((a, b) => b[1].reduce((n, s) => n + s.rows, 0) - a[1].reduce((n, s) => n + s.rows, 0))[0]?.[0];
    const spans = (biggest ? this.cache.blocksOf(biggest) : []).map((b) => b.span).sort((a, b) => a.min_ms - b.min_ms);
    const out: Array<[number, number]> = [];
    for (const s of spans) {
      const last = out[out.length - 1];
      if (last && s.min_ms <= last[1] + 1000) last[1] = Math.max(last[1], s.max_ms + 1);
      else out.push([s.min_ms, s.max_ms + 1]);
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cache.clear();
  }
}

/** The latest of some events (each list holds at most one). */
function latestOf(lists: AnyEvent[][]): AnyEvent[] {
  let latest: AnyEvent | null = null;
  for (const list of lists) for (const e of list) if (latest === null || compareEvents(e, latest) > 0) latest = e;
  return latest ? [latest] : [];
}
