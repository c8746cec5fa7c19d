/**
 * The browser's EventSource: a block cache of decoded Parquet row groups around the playhead.
 *
 * A block is one row group of one channel, decoded by parquet-wasm straight into an Arrow table
 * (reading only that row group's bytes through `RangeFile`) with its ingest times as a
 * Float64Array. Questions are answered from blocks by binary search on time, and only the rows an
 * answer contains are turned into events. Blocks are cached up to a byte budget and evicted
 * furthest-from-the-playhead first (behind before ahead), so a whole day is never decoded at once.
 *
 * DuckDB-WASM is not on this path: measured on this project's 24 h day, inserting one row group
 * into DuckDB-WASM (`insertArrowFromIPCStream`) costs 20–700 ms (nested lists and MAP columns),
 * several times the decode itself, which made seeks miss their 100 ms budget. DuckDB-WASM holds
 * the whole day for the charts and the SQL console instead, loaded in the background (`day-history.ts`).
 *
 * A channel can be several part files (a live day's), each sorted but possibly overlapping in
 * time: row groups are numbered across the channel's parts in manifest order, and rows taken from
 * more than one part are merged by (ts_ingest_utc, event_id).
 *
 * The answers follow the `EventSource` contract exactly like the SQL sources (same row-group
 * choice from the manifest, same backfill rule via `BackfillTracker`).
 */
import { tableFromIPC, type Table } from 'apache-arrow';
import type { Channel } from '../../../shared/channels';
import { RECENT_TRADES } from '../../../shared/channel-state';
import type { Manifest } from '../../../shared/manifest';
import type { AnyEvent } from '../../../shared/schemas';
import { lowerBound } from '../../../shared/sorted';
import { parseIsoMs } from '../../../shared/time';
import { uuidv7Time } from '../../../shared/uuid';
import { BackfillTracker } from '../../../shared/players/backfill-tracker';
import { compareEvents, isAbortError, mergeSorted, throwIfAborted, type EventSource, type FetchOptions, type SourceInfo } from '../../../shared/players/event-source';
import { DEFAULT_LOOKBACK, daySourceInfo, daySpans, lastSpansBefore, spansIn, type BackfillLookback, type RowGroupSpan } from '../../../shared/players/sql-event-source';
import { arrowToEvents } from './arrow-events';
import type { DecodePriority, Decoder } from './decoder';
import type { DecodeOptions } from './parquet';

export interface BlockSourceOptions extends BackfillLookback {
  /** Decoded bytes kept across all channels before evicting (default 128 MB). */
  maxCachedBytes?: number;
}

/** A channel whose file could not be read: the replay goes on without it. */
export interface DamagedChannel {
  ch: Channel;
  /** The file, relative to the day's folder (as the manifest names it). */
  file: string;
  reason: string;
}

interface Block {
  ch: Channel;
  index: number;
  span: RowGroupSpan;
  table: Table;
  /** ts_ingest_utc of each row in epoch ms (fractional = µs). */
  times: Float64Array;
  bytes: number;
  leases: number;
  /** All rows as events, for the small channels whose whole block is read at every seek. */
  events: AnyEvent[] | null;
}

export interface BlockStats {
  decodedGroups: number;
  decodedRows: number;
  decodedBytes: number;
  evictedGroups: number;
  decodeMs: number;
  decodeMsByChannel: Partial<Record<Channel, number>>;
  cachedBytes: number;
  /** The last seek's parts: ms from its start until each was answered, and the total. */
  lastSeek: Record<string, number> | null;
}

const LATEST_OF: readonly Channel[] = ['metar_obs', 'pws_cluster', 'features_1m', 'nowcast_1m', 'health'];
/** Channels read from the day's start at every seek: small by nature (docs/spec.md §2). */
const SMALL: ReadonlySet<Channel> = new Set<Channel>(['book_events', 'event_windows', 'metar_obs', 'features_1m', 'nowcast_1m', 'tape_trades', 'markets']);

function timesOf(table: Table): Float64Array {
  const v = table.getChild('ts_ingest_utc');
  const out = new Float64Array(table.numRows);
  if (!v) return out;
  let k = 0;
  for (const d of v.data) {
    const values = d.values as unknown;
    for (let i = 0; i < d.length; i++, k++) {
      if (values instanceof BigInt64Array) {
        const us = values[i]!; // buffers of sliced data are re-based; `offset` is for validity bits
        out[k] = Number(us / 1000n) + Number(us % 1000n) / 1000;
      } else {
        out[k] = v.get(k) as number;
      }
    }
  }
  return out;
}

export class ArrowBlockSource implements EventSource {
  private readonly spans: Map<Channel, RowGroupSpan[]>;
  private readonly blocks = new Map<string, Block>();
  private readonly decoding = new Map<string, Promise<Block>>();
  /** The decoder's promise behind each of `decoding` (to promote it when a seek needs it). */
  private readonly decodes = new Map<string, Promise<Uint8Array>>();
  /** Ingest times of row groups read partially (8 bytes a row; kept for the session). */
  private readonly timeIndex = new Map<string, Promise<Float64Array>>();
  /** Token ids of row groups, read when stepping through one token's events. */
  private readonly tokenIndex = new Map<string, Promise<(string | null)[]>>();
  private readonly maxCachedBytes: number;
  private readonly snapshotLookbackMs: number;
  private readonly tradeLookbackMs: number;
  private focusMs = 0;
  /** Background decoding that makes later seeks cheap (`warmUp`), started after the first seek. */
  private warming: Promise<void> | null = null;
  private closed = false;
  /** Seeks (backfills) being answered, and who waits for there to be none. */
  private seeking = 0;
  private readonly quietWaiters: Array<() => void> = [];
  private info: SourceInfo | null = null;
  private readonly damagedChannels = new Map<Channel, DamagedChannel>();
  private readonly damageListeners = new Set<(d: DamagedChannel) => void>();
  readonly stats: BlockStats = { decodedGroups: 0, decodedRows: 0, decodedBytes: 0, evictedGroups: 0, decodeMs: 0, decodeMsByChannel: {}, cachedBytes: 0, lastSeek: null };

  constructor(
    readonly manifest: Manifest,
    private readonly decoder: Decoder,
    options: BlockSourceOptions = {},
  ) {
    this.maxCachedBytes = options.maxCachedBytes ?? 128 * 1024 * 1024;
    this.snapshotLookbackMs = options.snapshotLookbackMs ?? DEFAULT_LOOKBACK.snapshotLookbackMs;
    this.tradeLookbackMs = options.tradeLookbackMs ?? DEFAULT_LOOKBACK.tradeLookbackMs;
    this.spans = daySpans(manifest);
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
    for (const [key, b] of this.blocks) {
      if (b.ch !== ch) continue;
      this.blocks.delete(key);
      this.stats.cachedBytes -= b.bytes;
    }
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

  /** Decode row groups of `ch` (numbered across its parts; all of one part) from their part file. */
  private decode(ch: Channel, indexes: number[], options: DecodeOptions & { priority?: DecodePriority; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const spans = indexes.map((i) => this.spans.get(ch)![i]!);
    const part = spans[0]!.part;
    if (spans.some((s) => s.part !== part)) throw new Error(`row groups of ${ch} from different parts decoded together`);
    return this.decoder.decode(ch, part, spans.map((s) => s.index), options);
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

  private block(ch: Channel, index: number, priority: DecodePriority = 'later'): Promise<Block> {
    const key = `${ch}/${index}`;
    const have = this.blocks.get(key);
    if (have) return Promise.resolve(have);
    let pending = this.decoding.get(key);
    if (!pending) {
      const t0 = performance.now();
      const decoded = this.decode(ch, [index], { priority });
      this.decodes.set(key, decoded);
      pending = (async () => {
        const ipc = await decoded;
        const bytes = ipc.byteLength;
        const table = tableFromIPC(ipc);
        const block: Block = { ch, index, span: this.spans.get(ch)![index]!, table, times: timesOf(table), bytes, leases: 0, events: null };
        const ms = performance.now() - t0;
        this.stats.decodeMs += ms;
        this.stats.decodeMsByChannel[ch] = (this.stats.decodeMsByChannel[ch] ?? 0) + ms;
        this.stats.decodedGroups++;
        this.stats.decodedRows += table.numRows;
        this.stats.decodedBytes += bytes;
        this.stats.cachedBytes += bytes;
        this.blocks.set(key, block);
        return block;
      })();
      const mine = pending;
      pending
        .finally(() => {
          if (this.decoding.get(key) !== mine) return;
          this.decoding.delete(key);
          this.decodes.delete(key);
        })
        .catch(() => {});
      this.decoding.set(key, pending);
    } else if (priority === 'urgent') {
      // asked for earlier by read-ahead or background work, and still queued: a seek waits for it
      const decoded = this.decodes.get(key);
      if (decoded) this.decoder.promote(decoded);
    }
    if (priority === 'later') return pending;
    // A seek (or background work) can't use read-ahead that a seek dropped from the queue: decode
    // it anew.
    const shared = pending;
    return pending.catch((e) => {
      if (!isAbortError(e)) throw e;
      if (this.decoding.get(key) === shared) this.decoding.delete(key);
      return this.block(ch, index, priority);
    });
  }

  /** Run `use` with the blocks of `ch` covering [lo, hi) decoded and protected from eviction. */
  private async withBlocks<T>(ch: Channel, lo: number, hi: number, use: (blocks: Block[]) => T, signal?: AbortSignal, priority: DecodePriority = 'later'): Promise<T> {
    const groups = this.groupsIn(ch, lo, hi);
    const held: Block[] = [];
    try {
      for (const index of groups) {
        throwIfAborted(signal);
        // lease in the same step the block is found, so an eviction can't slip in between
        for (;;) {
          const b = await this.block(ch, index, priority);
          if (this.blocks.get(`${ch}/${index}`) === b) {
            b.leases++;
            held.push(b);
            break;
          }
        }
      }
      throwIfAborted(signal);
      return use(held);
    } finally {
      for (const b of held) b.leases--;
    }
  }

  private evict(): void {
    if (this.stats.cachedBytes <= this.maxCachedBytes) return;
    const focus = this.focusMs;
    const distance = (b: Block) => (b.span.max_ms < focus ? 2 * (focus - b.span.max_ms) : Math.max(0, b.span.min_ms - focus));
    const victims = [...this.blocks.entries()].filter(([, b]) => b.leases === 0).sort((a, b) => distance(b[1]) - distance(a[1]));
    for (const [key, b] of victims) {
      if (this.stats.cachedBytes <= this.maxCachedBytes) break;
      this.blocks.delete(key);
      this.stats.cachedBytes -= b.bytes;
      this.stats.evictedGroups++;
    }
  }

  private eventsOf(b: Block, from: number, to: number): AnyEvent[] {
    if (to <= from) return [];
    if (SMALL.has(b.ch)) {
      b.events ??= arrowToEvents(b.ch, b.table);
      return b.events.slice(from, to);
    }
    return arrowToEvents(b.ch, b.table.slice(from, to));
  }

  /** Events of `ch` with lo ≤ ts < hi, in order. */
  private rows(ch: Channel, lo: number, hi: number, signal?: AbortSignal, priority: DecodePriority = 'later'): Promise<AnyEvent[]> {
    return this.withBlocks(
      ch,
      lo,
      hi,
      (blocks) => this.merged(ch, blocks.map((b) => ({ index: b.index, events: this.eventsOf(b, lowerBound(b.times, lo), lowerBound(b.times, hi)) }))),
      signal,
      priority,
    );
  }

  /** The latest event of `ch` before hi (in some part's last row group starting before hi). */
  private async lastRow(ch: Channel, hi: number, signal?: AbortSignal, priority: DecodePriority = 'later'): Promise<AnyEvent[]> {
    const spans = this.spans.get(ch) ?? [];
    const candidates = lastSpansBefore(spans, hi);
    if (candidates.length === 0) return [];
    return this.withBlocks(
      ch,
      Math.min(...candidates.map((i) => spans[i]!.min_ms)),
      hi,
      (blocks) => latestOf(blocks.map((b) => {
        const end = lowerBound(b.times, hi);
        return end > 0 ? this.eventsOf(b, end - 1, end) : [];
      })),
      signal,
      priority,
    );
  }

  /**
   * A row group's ingest times: from its block when decoded, else from that one column (kept: a
   * time index is 8 bytes a row). Shared by the seeks that need it; if the seek that started the
   * decode was replaced before it ran, the next one starts it again.
   */
  private times(ch: Channel, index: number, signal?: AbortSignal): Promise<Float64Array> {
    const key = `${ch}/${index}`;
    const block = this.blocks.get(key);
    if (block) return Promise.resolve(block.times);
    let t = this.timeIndex.get(key);
    if (!t) {
      const mine = this.decode(ch, [index], { columns: ['ts_ingest_utc'], priority: 'urgent', signal }).then((ipc) => timesOf(tableFromIPC(ipc)));
      mine.catch(() => this.timeIndex.get(key) === mine && this.timeIndex.delete(key));
      this.timeIndex.set(key, (t = mine));
    }
    return t.catch((e) => {
      if (!isAbortError(e) || signal?.aborted) throw e;
      return this.times(ch, index, signal);
    });
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
        const cached = this.blocks.get(`${ch}/${index}`);
        if (cached) return this.eventsOf(cached, lowerBound(cached.times, lo), lowerBound(cached.times, hi));
        const times = await this.times(ch, index, signal);
        throwIfAborted(signal);
        const from = lowerBound(times, lo);
        const to = lowerBound(times, hi);
        if (to <= from) return [];
        const ipc = await this.decode(ch, [index], { offset: from, limit: to - from, priority: 'urgent', signal });
        return arrowToEvents(ch, tableFromIPC(ipc));
      }),
    );
    return this.merged(ch, groups.map((index, k) => ({ index, events: perGroup[k]! })));
  }

  /** The latest event of `ch` before hi, reading that one row (of each part that may hold it). */
  private async lastRowNow(ch: Channel, hi: number, signal?: AbortSignal): Promise<AnyEvent[]> {
    const latest = await Promise.all(
      lastSpansBefore(this.spans.get(ch) ?? [], hi).map(async (index) => {
        const times = await this.times(ch, index, signal);
        const end = lowerBound(times, hi);
        if (end === 0) return [];
        return this.rowsNow(ch, times[end - 1]!, times[end - 1]! + 1e-3, signal).then((rows) => rows.slice(-1));
      }),
    );
    return latestOf(latest);
  }

  /** A row group's token ids (that one column, kept for the session). */
  private tokens(ch: Channel, index: number): Promise<(string | null)[]> {
    const key = `${ch}/${index}`;
    let t = this.tokenIndex.get(key);
    if (!t) {
      const block = this.blocks.get(key);
      t = block
        ? Promise.resolve([...(block.table.getChild('token_id') ?? [])] as (string | null)[])
        : this.decode(ch, [index], { columns: ['token_id'], priority: 'urgent' }).then((ipc) => [...(tableFromIPC(ipc).getChild('token_id') ?? [])] as (string | null)[]);
      t.catch(() => this.tokenIndex.delete(key));
      this.tokenIndex.set(key, t);
    }
    return t;
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
      const [times, tokens] = await Promise.all([this.times(ch, index), tokenId ? this.tokens(ch, index) : null]);
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
      const times = await this.times(ch, index);
      const from = lowerBound(times, lo);
      const to = lowerBound(times, hi);
      if (to > from) out.push(await this.decode(ch, [index], { offset: from, limit: to - from, priority: 'background' }));
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
    this.focusMs = t1;
    try {
      const perChannel = await Promise.all([...this.spans.keys()].map((ch) => this.guard(ch, this.rows(ch, t0, t1, options.signal))));
      throwIfAborted(options.signal);
      return mergeSorted(perChannel);
    } finally {
      this.evict();
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

  /**
   * Decode in the background what every later seek needs, so a seek's cost is the rows it
   * reconstructs from and nothing else: the small channels' row groups and their events (read
   * whole at every seek; the first seek would otherwise decode them all) and the ingest-time index
   * of every row group of the others (without it a seek first decodes a group's time column, then
   * its rows: two steps per group). `background` priority, and it waits while a seek is being
   * answered. Best effort: a seek decodes whatever is missing itself.
   */
  warmUp(): Promise<void> {
    this.warming ??= (async () => {
      for (const ch of this.spans.keys()) {
        if (!SMALL.has(ch)) continue;
        for (let index = 0; index < this.spans.get(ch)!.length; index++) {
          await this.whenQuiet();
          if (this.closed) return;
          const b = await this.block(ch, index, 'background');
          // their events too (tens of ms each, on this thread): a task of its own, between frames
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (this.blocks.get(`${ch}/${index}`) === b) b.events ??= arrowToEvents(ch, b.table);
        }
      }
      const BATCH = 4; // row groups per job (≈ 10–30 ms): a seek never waits long for a worker
      for (const [ch, spans] of this.spans) {
        if (SMALL.has(ch)) continue;
        for (let first = 0; first < spans.length; ) {
          // a batch stays within one part file
          let end = first + 1;
          while (end < spans.length && end - first < BATCH && spans[end]!.part === spans[first]!.part) end++;
          const batch = Array.from({ length: end - first }, (_, k) => first + k).filter((i) => !this.blocks.has(`${ch}/${i}`) && !this.timeIndex.has(`${ch}/${i}`));
          first = end;
          if (batch.length === 0) continue;
          await this.whenQuiet();
          if (this.closed) return;
          const all = timesOf(tableFromIPC(await this.decode(ch, batch, { columns: ['ts_ingest_utc'], priority: 'background' })));
          let at = 0;
          for (const i of batch) {
            const rows = spans[i]!.rows;
            if (!this.timeIndex.has(`${ch}/${i}`)) this.timeIndex.set(`${ch}/${i}`, Promise.resolve(all.slice(at, at + rows)));
            at += rows;
          }
        }
      }
    })().catch((e) => {
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
    const hi = Math.floor(t) + 1;
    const dayStart = info.day_start_ms;
    const snapFrom = Math.max(dayStart, hi - this.snapshotLookbackMs);
    this.focusMs = hi;
    this.decoder.dropQueued();
    const t0 = performance.now();
    const profile: Record<string, number> = {};
    const timed = <T>(part: string, p: Promise<T>) => p.then((v) => ((profile[part] = performance.now() - t0), v));
    try {
      // a seek is waiting: these decodes go before any read-ahead
      const snapshotsP = timed('snapshots', this.guard('l2_snap_1s', this.rowsNow('l2_snap_1s', snapFrom, hi, signal)));
      const latestP = Promise.all(
        LATEST_OF.map((ch) => timed(ch, this.guard(ch, SMALL.has(ch) ? this.lastRow(ch, hi, signal, 'urgent') : this.lastRowNow(ch, hi, signal)))),
      );
      const bookEventsP = timed('book_events', this.guard('book_events', this.rows('book_events', dayStart, hi, signal, 'urgent')));
      const windowsP = timed('event_windows', this.guard('event_windows', this.rows('event_windows', dayStart, hi, signal, 'urgent')));
      const marketsP = timed('markets', this.guard('markets', this.rows('markets', dayStart, hi, signal, 'urgent')));
      // Deltas and trades don't wait for the snapshots: every delta that can matter is after
      // snapFrom (the tracker keeps, per token, only those after its latest snapshot).
      const deltasP = timed('deltas', this.guard('l2_deltas', this.rowsNow('l2_deltas', snapFrom, hi, signal)));
      const tradesP = timed(
        'trades',
        this.guard(
          'tape_trades',
          this.recentTrades(
            snapshotsP.then((snaps) => new Set(snaps.map((e) => e.token_id!))),
            hi,
            dayStart,
            signal,
          ),
        ),
      );
      const [snapshots, deltas, trades, bookEvents, windows, markets, latest] = await Promise.all([snapshotsP, deltasP, tradesP, bookEventsP, windowsP, marketsP, latestP]);
      const all = mergeSorted([snapshots, deltas, trades, bookEvents, windows, markets, ...latest]);
      throwIfAborted(signal);
      const tracker = new BackfillTracker();
      tracker.addAll(all);
      const out = tracker.backfill(snapFrom);
      profile.total = performance.now() - t0;
      this.stats.lastSeek = profile;
      return out;
    } finally {
      this.evict();
    }
  }

  private async recentTrades(tokensP: Promise<Set<string>>, hi: number, dayStart: number, signal?: AbortSignal): Promise<AnyEvent[]> {
    if (!this.spans.has('tape_trades')) return [];
    let span = this.tradeLookbackMs;
    for (;;) {
      const lo = Math.max(dayStart, hi - span);
      // awaited together, so a rejection of either (an abort) is always observed
      const [trades, tokens] = await Promise.all([this.rows('tape_trades', lo, hi, signal, 'urgent'), tokensP]);
      const counts = new Map<string, number>();
      for (const tr of trades) counts.set(tr.token_id!, (counts.get(tr.token_id!) ?? 0) + 1);
      const wanted = new Set([...tokens, ...counts.keys()]);
      if ([...wanted].every((tok) => (counts.get(tok) ?? 0) >= RECENT_TRADES) || lo === dayStart) return trades;
      span *= 2;
    }
  }

  /**
   * Every event of the day carrying `correlationId`. `onProgress` hears how many of the row groups
   * to look through have been (each is read by its correlation_id column first).
   */
  async eventsByCorrelation(correlationId: string, onProgress?: (done: number, total: number) => void): Promise<AnyEvent[]> {
    const info = await this.initialize();
    const search = async (lo: number) => {
      const channels = [...this.spans.keys()];
      const total = channels.reduce((n, ch) => n + this.groupsIn(ch, lo, Number.MAX_SAFE_INTEGER).length, 0);
      let done = 0;
      onProgress?.(0, total);
      const perChannel = await Promise.all(
        [...this.spans.keys()].map((ch) =>
          this.guard(
            ch,
            (async () => {
              const out: AnyEvent[] = [];
              for (const index of this.groupsIn(ch, lo, Number.MAX_SAFE_INTEGER)) {
                // look at the one column first; decode the block only when it holds the id
                const cached = this.blocks.get(`${ch}/${index}`);
                const ids = cached
                  ? cached.table.getChild('correlation_id')
                  : tableFromIPC(await this.decode(ch, [index], { columns: ['correlation_id'], priority: 'background' })).getChild('correlation_id');
                onProgress?.(++done, total);
                if (!ids) continue;
                const rows: number[] = [];
                let k = 0;
                for (const id of ids) {
                  if (id === correlationId) rows.push(k);
                  k++;
                }
                if (rows.length === 0) continue;
                const b = await this.block(ch, index, 'background');
                for (const r of rows) out.push(...this.eventsOf(b, r, r + 1).filter((e) => parseIsoMs(e.ts_ingest_utc) >= lo));
              }
              return out.sort(compareEvents);
            })(),
          ),
        ),
      );
      this.evict();
      return mergeSorted(perChannel);
    };
    // A UUIDv7 correlation began when its first event was stamped: search from there, and widen to
    // the whole day if that first event (event_id = correlation_id) isn't found after it.
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-7/i.test(correlationId)) {
      const born = uuidv7Time(correlationId) - 1000;
      if (born > info.day_start_ms) {
        const found = await search(born);
        if (found.some((e) => e.event_id === correlationId)) return found;
      }
    }
    return search(info.day_start_ms);
  }

  loadedRanges(): Array<[number, number]> {
    const biggest = [...this.spans.entries()].sort((a, b) => b[1].reduce((n, s) => n + s.rows, 0) - a[1].reduce((n, s) => n + s.rows, 0))[0]?.[0];
    const spans = [...this.blocks.values()].filter((b) => b.ch === biggest).map((b) => b.span).sort((a, b) => a.min_ms - b.min_ms);
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
    this.blocks.clear();
    this.timeIndex.clear();
    this.tokenIndex.clear();
    this.stats.cachedBytes = 0;
  }
}

/** The latest of some events (each list holds at most one). */
function latestOf(lists: AnyEvent[][]): AnyEvent[] {
  let latest: AnyEvent | null = null;
  for (const list of lists) for (const e of list) if (latest === null || compareEvents(e, latest) > 0) latest = e;
  return latest ? [latest] : [];
}
