/**
 * The recorder core: SourceMessages in, channel events out (SPEC §2, §5). Pure and clock-driven:
 * it never reads the wall clock or sets timers. Every event is stamped with the time the caller
 * passes (`ingest(message, nowMs)`; the live session passes its clock's now, the day synthesizer
 * the message's receive time), and cadence work — 1 s snapshots, health, window closes, PWS
 * staleness — happens in `advanceTo(nowMs)` at the exact boundary instants, in time order. Time
 * never goes backwards: a `nowMs` earlier than one already seen is taken as that one.
 *
 * Capture policy: `l2_snap_1s` for every cone token at every whole second, always (book_ok=false
 * before the first book and while resyncing); `l2_deltas` only while an event window is open;
 * trades, world, features, nowcast always; `health` every `healthIntervalMs`.
 *
 * Correlation rule (SPEC §3):
 *   - `metar_obs` starts a correlation: its own event_id.
 *   - An event window carries the correlation of what opened it: the METAR's event_id, or for a
 *     market/QC/manual window the event_id of its own open record. A METAR arriving inside an open
 *     window switches the window's correlation to that METAR from then on (see event-windows.ts).
 *   - Everything recorded inside a window (snapshots, deltas, trades, book events, PWS) carries the
 *     window's `window_id` and current correlation; health carries the window_id only.
 *   - `features_1m` / `nowcast_1m` carry the latest METAR's correlation until the next METAR (a
 *     correlation_id sent by the model itself wins), plus the window_id when inside a window.
 *   - Anything else correlates with itself (stampEvent's default).
 */
import { bookMetrics, type Level } from '../../shared/book';
import { CHANNELS, type Channel } from '../../shared/channels';
import { stampEvent } from '../../shared/envelope';
import { parseMetarReport } from '../../shared/metar';
import { describeZodError } from '../../shared/registry';
import { CURRENT_SCHEMAS, isCrossed, type AnyEvent, type EventOf, type PayloadOf, type WindowReason } from '../../shared/schemas';
import { clobMarketMessage, type ClobMarketMessage } from '../sources/polymarket-messages';
import type { MarketToken, PwsReading, SourceMessage } from '../sources/source';
import type { RecordingConfig } from './config';
import { EventWindowManager, type OpenWindow } from './event-windows';
import { clobRestBook, featuresPayload, nowcastPayload, parsePriceChangeFast, pwsReading } from './inputs';
import { MarketTriggers, fmt, round3, type MarketTrigger } from './market-triggers';
import { percentile } from './percentile';
import { PwsClusterTracker, type ClusterUpdate } from './pws-cluster';
import { TokenBook, type LevelChange } from './token-book';

/** An input the recorder could not turn into an event, kept with its reason. */
export interface Rejection {
  at_ms: number;
  /** The SourceMessage kind, or the upstream a source names when it rejects a frame itself. */
  source: SourceMessage['kind'] | (string & {});
  reason: string;
  input: unknown;
}

/** What the journal writer reports into `health`. */
export interface WriterHealth {
  queue_depth: number;
  queue_bytes: number;
  flush_ms_p99: number;
  events_written: number;
  dropped: Record<string, number>;
  ingest_to_journal_ms_p99: number | null;
  /** Failed write attempts since start, and the failure going on now (null while writes succeed). */
  write_errors: number;
  write_failure: { code: string; message: string } | null;
}

export interface RecorderOptions {
  station_id: string;
  /** The operating cone: one snapshot per token per second. */
  tokens: readonly MarketToken[];
  config: RecordingConfig;
  /** Instant the recording starts (first snapshot boundary is the first whole second ≥ it). */
  startMs: number;
  emit(event: AnyEvent): void;
  reject?(rejection: Rejection): void;
  /** Ask the source for a full book (answered later as a `clob_rest_book` message). */
  requestBook?(token_id: string): void;
  writerHealth?(): WriterHealth;
}

export interface RecorderStats {
  events: Record<Channel, number>;
  rejected: Partial<Record<SourceMessage['kind'], number>>;
  duplicate_metars: number;
  /** Market messages about tokens outside the cone, and stale PWS batches. */
  ignored: number;
  gaps: number;
  resyncs: number;
  reconnects: number;
  windows: number;
}

const SOURCE_KINDS = ['clob', 'metar', 'pws', 'features', 'nowcast'] as const;
type SourceKind = (typeof SOURCE_KINDS)[number];
const LATENCY_SAMPLE_CAP = 4096;
/** Station and `ddhhmmZ` time group; the decoder alone would accept e.g. "KLGA 2917". */
const METAR_HEAD = /^(?:(?:METAR|SPECI)\s+)?(?:COR\s+)?[A-Z][A-Z0-9]{3}\s+\d{6}Z(?:\s|$)/;

export class Recorder {
  private readonly config: RecordingConfig;
  private readonly station: string;
  private readonly books = new Map<string, TokenBook>();
  private readonly triggers = new Map<TokenBook, MarketTriggers>();
  /** Earliest instant a pending spread regime will have held long enough (see MarketTriggers). */
  private regimeDueMs = Infinity;
  private readonly fired: MarketTrigger[] = [];
  private readonly windows: EventWindowManager;
  private readonly pws: PwsClusterTracker;
  private now: number;
  private started = false;
  private nextSnapshotMs: number;
  private nextHealthMs: number;
  private pwsStaleCheckedAt: number | null = null;
  private connectionUp = true;
  private lastMetarCorrelation: string | null = null;
  private pwsIdsDue = true;
  private readonly seenMetars = new Set<string>();
  private readonly lastSeen = new Map<SourceKind, number>();
  private readonly latencies = new Map<string, { values: number[]; seen: number }>();
  private readonly statsData: RecorderStats;
  // Re-entrancy: a source may answer requestBook synchronously by pushing into ingest.
  private busy = false;
  private readonly backlog: [SourceMessage, number][] = [];
  private readonly bookRequests = new Set<string>();

  constructor(private readonly options: RecorderOptions) {
    this.config = options.config;
    this.station = options.station_id;
    this.now = options.startMs;
    this.nextSnapshotMs = Math.ceil(options.startMs / 1000) * 1000;
    this.nextHealthMs = Math.ceil(options.startMs / this.config.healthIntervalMs) * this.config.healthIntervalMs;
    for (const t of options.tokens) {
      const book = new TokenBook(t, this.config.triggers.defaultTick);
      this.books.set(t.token_id, book);
      this.triggers.set(book, new MarketTriggers(book, this.config.triggers));
    }
    this.windows = new EventWindowManager(this.station, (e) => this.emit(e));
    this.pws = new PwsClusterTracker(this.config.pws);
    this.statsData = {
      events: Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>,
      rejected: {},
      duplicate_metars: 0,
      ignored: 0,
      gaps: 0,
      resyncs: 0,
      reconnects: 0,
      windows: 0,
    };
  }

  /** The recorder's current instant (ms): the latest time it has been advanced to. */
  get time(): number {
    return this.now;
  }

  get openWindow(): OpenWindow | null {
    return this.windows.active;
  }

  stats(): RecorderStats {
    return structuredClone(this.statsData);
  }

  /** Record one message received at `nowMs` (default: its own receive time). */
  ingest(message: SourceMessage, nowMs: number = message.received_ms): void {
    if (this.busy) {
      this.backlog.push([message, nowMs]);
      return;
    }
    this.run(() => {
      this.advance(nowMs);
      this.handle(message);
    });
  }

  /** Do the cadence work due up to and including `nowMs`. */
  advanceTo(nowMs: number): void {
    this.run(() => this.advance(nowMs));
  }

  /** Open (or extend) a MANUAL event window, e.g. an analyst's "record this". */
  markWindow(nowMs: number, durationMs: number, detail: string): void {
    this.run(() => {
      this.advance(nowMs);
      this.trigger('MANUAL', durationMs, detail);
    });
  }

  /** Final cadence work up to `nowMs`, close the open window there, and a last health record. */
  finish(nowMs: number): void {
    this.run(() => {
      this.advance(nowMs);
      this.windows.close(this.now, 'recording stopped');
      this.emitHealth();
    });
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────────

  private run(work: () => void): void {
    this.busy = true;
    try {
      work();
      while (this.bookRequests.size > 0 || this.backlog.length > 0) {
        const requests = [...this.bookRequests];
        this.bookRequests.clear();
        for (const token of requests) this.options.requestBook?.(token);
        for (const [message, at] of this.backlog.splice(0)) {
          this.advance(at);
          this.handle(message);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private emit(event: AnyEvent): void {
    this.statsData.events[event.ch]++;
    if (event.ch === 'event_windows' && event.state === 'open') this.statsData.windows++;
    this.options.emit(event);
  }

  /**
   * Stamp and emit an event at the current instant. Inside a window it gets the window_id and,
   * when `correlate`, the window's correlation (unless the payload already has one).
   */
  private record<C extends Channel>(ch: C, payload: PayloadOf<C>, correlate = true): EventOf<C> {
    const w = this.windows.activeAt(this.now);
    const p = payload as PayloadOf<C> & { window_id?: string };
    if (w) {
      p.window_id = w.window_id;
      if (correlate && p.correlation_id === undefined) p.correlation_id = w.correlation_id;
    }
    const event = stampEvent(ch, p, this.now);
    this.emit(event as AnyEvent);
    return event;
  }

  private rejectInput(message: SourceMessage, reason: string, input: unknown = message): void {
    this.statsData.rejected[message.kind] = (this.statsData.rejected[message.kind] ?? 0) + 1;
    this.options.reject?.({ at_ms: this.now, source: message.kind, reason, input });
  }

  /** Latency samples of the current health interval; past the cap, a uniform reservoir sample. */
  private sample(hop: string, ms: number): void {
    let s = this.latencies.get(hop);
    if (!s) this.latencies.set(hop, (s = { values: [], seen: 0 }));
    const value = Math.max(0, ms);
    if (s.values.length < LATENCY_SAMPLE_CAP) s.values.push(value);
    else {
      const j = Math.floor(Math.random() * (s.seen + 1));
      if (j < LATENCY_SAMPLE_CAP) s.values[j] = value;
    }
    s.seen++;
  }

  // ── time ────────────────────────────────────────────────────────────────────────────────────

  private advance(nowMs: number): void {
    if (!this.started) {
      this.started = true;
      for (const t of this.books.values()) this.beginResync(t, 'awaiting the first book');
    }
    const target = Math.max(nowMs, this.now);
    for (;;) {
      const close = this.windows.closesAt ?? Infinity;
      const stale = this.pwsStaleDue();
      const regime = this.regimeDueMs;
      const next = Math.min(close, this.nextSnapshotMs, this.nextHealthMs, stale, regime);
      if (next > target) break;
      this.now = Math.max(this.now, next);
      if (next === close) this.windows.closeDue(next);
      else if (next === this.nextSnapshotMs) {
        this.snapshots();
        this.nextSnapshotMs += 1000;
      } else if (next === this.nextHealthMs) {
        this.emitHealth();
        this.nextHealthMs += this.config.healthIntervalMs;
      } else if (next === regime) {
        for (const tr of this.triggers.values()) tr.confirmRegime(next, this.fired);
        this.updateRegimeDue();
        this.fireMarket();
      } else {
        this.pwsStaleCheckedAt = next;
        const update = this.pws.checkStale(next);
        if (update) this.emitCluster(update);
      }
    }
    this.now = target;
    this.retryResyncs();
  }

  private pwsStaleDue(): number {
    const last = this.pws.lastUpdate;
    const at = this.pws.staleAt();
    if (!last || last.qc_state === 'STALE' || at === null) return Infinity;
    const due = Math.max(at + 1, this.now);
    return due === this.pwsStaleCheckedAt ? Infinity : due;
  }

  private snapshots(): void {
    const n = this.config.snapshotLevels;
    for (const t of this.books.values()) {
      const top = t.top(n);
      const metrics = bookMetrics(top.bids, top.asks);
      this.record('l2_snap_1s', {
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
      this.triggers.get(t)!.onSecond();
    }
    this.updateRegimeDue();
  }

  private emitHealth(): void {
    const latency_ms: Record<string, number> = {};
    for (const [hop, samples] of this.latencies) {
      const p99 = percentile(samples.values, 0.99);
      if (p99 !== null) latency_ms[hop] = round3(p99);
    }
    this.latencies.clear();
    const writer = this.options.writerHealth?.();
    if (writer?.ingest_to_journal_ms_p99 != null) latency_ms.ingest_to_journal = round3(writer.ingest_to_journal_ms_p99);
    const staleness_s: Record<string, number> = {};
    for (const kind of SOURCE_KINDS) {
      staleness_s[kind] = round3((this.now - (this.lastSeen.get(kind) ?? this.options.startMs)) / 1000);
    }
    this.record(
      'health',
      {
        station_id: this.station,
        latency_ms,
        staleness_s,
        reconnects: this.statsData.reconnects,
        gaps: this.statsData.gaps,
        resyncs: this.statsData.resyncs,
        queue_depth: writer?.queue_depth ?? 0,
        queue_bytes: writer?.queue_bytes ?? 0,
        flush_ms_p99: round3(writer?.flush_ms_p99 ?? 0),
        events_written: writer?.events_written ?? 0,
        dropped: writer?.dropped ?? {},
        rejected: { ...this.statsData.rejected },
        write_errors: writer?.write_errors ?? 0,
        write_error_code: writer?.write_failure?.code ?? null,
        write_error: writer?.write_failure?.message.slice(0, 2000) ?? null,
      },
      false,
    );
  }

  // ── messages ────────────────────────────────────────────────────────────────────────────────

  private handle(message: SourceMessage): void {
    this.sample('source_to_recorder', this.now - message.received_ms);
    switch (message.kind) {
      case 'clob':
        return this.onClob(message);
      case 'clob_rest_book':
        return this.onRestBook(message);
      case 'clob_connection':
        return this.onConnection(message);
      case 'metar':
        return this.onMetar(message);
      case 'pws':
        return this.onPws(message);
      case 'features':
        return this.onModel(message, 'features_1m');
      case 'nowcast':
        return this.onModel(message, 'nowcast_1m');
      default:
        return this.rejectInput(message, `unknown source message kind ${JSON.stringify((message as { kind: unknown }).kind)}`);
    }
  }

  private onClob(message: Extract<SourceMessage, { kind: 'clob' }>): void {
    let m: ClobMarketMessage | null = parsePriceChangeFast(message.message);
    if (!m) {
      const parsed = clobMarketMessage.safeParse(message.message);
      if (!parsed.success) return this.rejectInput(message, `CLOB message: ${describeZodError(parsed.error)}`);
      m = parsed.data;
    }
    this.lastSeen.set('clob', this.now);
    this.sample('clob_to_ingest', message.received_ms - m.timestamp);
    switch (m.event_type) {
      case 'book': {
        const t = this.token(m.asset_id);
        if (t) this.fullBook(t, toLevels(m.bids), toLevels(m.asks), m.hash, 'book message');
        return;
      }
      case 'price_change': {
        const byToken = new Map<string, typeof m.price_changes>();
        for (const c of m.price_changes) {
          const list = byToken.get(c.asset_id);
          if (list) list.push(c);
          else byToken.set(c.asset_id, [c]);
        }
        for (const [tokenId, changes] of byToken) {
          const t = this.token(tokenId);
          if (!t) continue;
          const inWindow = this.windows.activeAt(this.now) !== null;
          for (const c of changes) {
            const side = c.side === 'BUY' ? 'bid' : 'ask';
            const seq = t.apply(side, c.price, c.size);
            if (inWindow) this.delta(t, seq, side, c.price, c.size, c.hash);
          }
          const last = changes[changes.length - 1]!;
          if (t.ok && !t.agreesWith(last.best_bid, last.best_ask)) {
            this.gap(
              t,
              `mirror best ${fmt(t.bestBid)}/${fmt(t.bestAsk)} ≠ venue best ${last.best_bid}/${last.best_ask} after price_change ${last.hash}`,
            );
            this.beginResync(t, 'best bid/ask mismatch');
          } else this.evaluateMarket(t);
        }
        return;
      }
      case 'last_trade_price': {
        const t = this.token(m.asset_id);
        if (!t) return;
        this.record('tape_trades', {
          station_id: this.station,
          market_id: t.info.market_id,
          token_id: t.info.token_id,
          p: m.price,
          s: m.size,
          side: m.side === 'BUY' ? 'buy' : 'sell',
          trade_id: null,
        });
        return;
      }
      case 'tick_size_change': {
        const t = this.token(m.asset_id);
        if (t) t.tick = m.new_tick_size;
        return;
      }
    }
  }

  private onRestBook(message: Extract<SourceMessage, { kind: 'clob_rest_book' }>): void {
    const parsed = clobRestBook.safeParse(message.book);
    if (!parsed.success) return this.rejectInput(message, `REST book: ${describeZodError(parsed.error)}`);
    this.lastSeen.set('clob', this.now);
    const t = this.token(parsed.data.asset_id);
    if (t) this.fullBook(t, toLevels(parsed.data.bids), toLevels(parsed.data.asks), parsed.data.hash, 'REST book');
  }

  private onConnection(message: Extract<SourceMessage, { kind: 'clob_connection' }>): void {
    if (message.state === 'down') {
      this.connectionUp = false;
      for (const t of this.books.values()) {
        if (!t.ok) continue;
        this.gap(t, `market connection down: ${message.detail}`);
        this.beginResync(t, 'connection lost');
      }
      return;
    }
    if (!this.connectionUp) this.statsData.reconnects++;
    this.connectionUp = true;
    for (const t of this.books.values()) if (!t.ok) this.requestResync(t);
  }

  private onMetar(message: Extract<SourceMessage, { kind: 'metar' }>): void {
    if (typeof message.raw !== 'string' || !METAR_HEAD.test(message.raw.trim())) {
      return this.rejectInput(message, 'not a METAR/SPECI: expected "[METAR|SPECI] [COR] CCCC ddhhmmZ …"');
    }
    let payload;
    try {
      payload = parseMetarReport(message.raw, message.received_ms);
    } catch (e) {
      return this.rejectInput(message, (e as Error).message);
    }
    if (payload.station_id !== this.station) {
      return this.rejectInput(message, `METAR of ${payload.station_id}, recording ${this.station}`);
    }
    if (this.seenMetars.has(payload.raw)) {
      this.statsData.duplicate_metars++;
      return;
    }
    this.lastSeen.set('metar', this.now);
    this.sample('metar_to_ingest', message.received_ms - Date.parse(payload.obs_time_utc));
    const event = stampEvent('metar_obs', { ...payload, qc: 'OK' }, this.now);
    const valid = CURRENT_SCHEMAS.metar_obs.safeParse(event);
    if (!valid.success) return this.rejectInput(message, `METAR decoded to an invalid record: ${describeZodError(valid.error)}`);
    this.seenMetars.add(payload.raw);
    const w = this.windows.trigger('METAR', this.now, this.config.windows.metarS * 1000, `${payload.report_type} ${payload.raw}`, event.event_id);
    (event as { window_id?: string }).window_id = w.window_id;
    this.emit(event);
    this.lastMetarCorrelation = event.event_id;
    this.pwsIdsDue = true;
  }

  private onPws(message: Extract<SourceMessage, { kind: 'pws' }>): void {
    const valid: PwsReading[] = [];
    const bad: string[] = [];
    for (const [i, r] of (Array.isArray(message.readings) ? message.readings : []).entries()) {
      const parsed = pwsReading.safeParse(r);
      if (parsed.success) valid.push(parsed.data);
      else bad.push(`reading ${i}: ${describeZodError(parsed.error)}`);
    }
    if (!Array.isArray(message.readings)) bad.push('readings: expected an array');
    if (bad.length > 0) this.rejectInput(message, `PWS batch: ${bad.join('; ')}`);
    if (valid.length === 0) return;
    this.lastSeen.set('pws', this.now);
    this.sample('pws_to_ingest', message.received_ms - Math.max(...valid.map((r) => r.obs_time_ms)));
    const previous = this.pws.lastUpdate?.qc_state ?? null;
    const update = this.pws.update(valid, this.now);
    if (!update) {
      this.statsData.ignored++;
      return;
    }
    if (update.qc_state === 'OUTLIER_LIKELY' && previous !== 'OUTLIER_LIKELY') {
      this.trigger('QC', this.config.windows.qcOutlierS * 1000, update.detail);
    }
    this.emitCluster(update, previous);
  }

  private emitCluster(update: ClusterUpdate, previous: string | null = null): void {
    const keyPoint = this.pwsIdsDue || update.qc_state !== previous;
    this.pwsIdsDue = false;
    this.record('pws_cluster', {
      station_id: this.station,
      obs_time_utc: new Date(update.obs_time_ms).toISOString(),
      median: update.median,
      mad: update.mad,
      support: update.support,
      qc_state: update.qc_state,
      pws_ids: keyPoint ? update.pws_ids : null,
    });
  }

  private onModel(message: Extract<SourceMessage, { kind: 'features' | 'nowcast' }>, ch: 'features_1m' | 'nowcast_1m'): void {
    const schema = ch === 'features_1m' ? featuresPayload : nowcastPayload;
    const parsed = schema.safeParse(message.payload);
    if (!parsed.success) return this.rejectInput(message, `${message.kind} payload: ${describeZodError(parsed.error)}`);
    this.lastSeen.set(message.kind, this.now);
    const correlation = parsed.data.correlation_id ?? this.lastMetarCorrelation;
    const payload = { ...parsed.data, station_id: this.station, ...(correlation ? { correlation_id: correlation } : {}) };
    this.record(ch, payload as PayloadOf<typeof ch>, false);
  }

  // ── books ───────────────────────────────────────────────────────────────────────────────────

  private token(tokenId: string): TokenBook | null {
    const t = this.books.get(tokenId);
    if (!t) this.statsData.ignored++;
    return t ?? null;
  }

  private delta(t: TokenBook, seq: number, side: 'bid' | 'ask', p: number, s: number, hash: string | null): void {
    this.record('l2_deltas', {
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

  private bookEvent(t: TokenBook, kind: EventOf<'book_events'>['kind'], seqBefore: number | null, seqAfter: number | null, detail: string): void {
    this.record('book_events', {
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

  private gap(t: TokenBook, detail: string): void {
    this.statsData.gaps++;
    this.bookEvent(t, 'GAP_DETECTED', t.seq, null, detail);
  }

  /** Mark the book untrustworthy and (unless the fresh book is already in hand) ask for one. */
  private beginResync(t: TokenBook, why: string, request = true): void {
    t.ok = false;
    this.bookEvent(t, 'BOOK_RESYNC_START', t.seq, null, why);
    if (request) this.requestResync(t);
  }

  private requestResync(t: TokenBook): void {
    if (!this.options.requestBook || !this.connectionUp) return;
    t.resyncRequestedAt = this.now;
    this.bookRequests.add(t.info.token_id);
  }

  private retryResyncs(): void {
    for (const t of this.books.values()) {
      if (!t.ok && t.resyncRequestedAt !== null && this.now - t.resyncRequestedAt >= this.config.resyncRetryMs) {
        this.requestResync(t);
      }
    }
  }

  /**
   * A full book (WS `book` or REST). On a trusted mirror that agrees, nothing happens. On one that
   * disagrees the drift is a gap. Either way a book that changes the mirror is a full resync: the
   * level differences are applied as changes (recorded as deltas inside a window, so a replay of
   * the window stays exact), the epoch increments and BOOK_RESYNC_DONE records seq before/after.
   */
  private fullBook(t: TokenBook, bids: Level[], asks: Level[], hash: string, origin: string): void {
    const changes: LevelChange[] = t.diffTo(bids, asks);
    if (t.ok) {
      if (changes.length === 0) return;
      this.gap(t, `${origin} ${hash} disagrees with the mirror at ${changes.length} level(s)`);
      this.beginResync(t, `${origin} disagreed with the mirror`, false);
    }
    const seqBefore = t.seq;
    const inWindow = this.windows.activeAt(this.now) !== null;
    for (const c of changes) {
      const seq = t.apply(c.side, c.p, c.s);
      if (inWindow) this.delta(t, seq, c.side, c.p, c.s, hash);
    }
    t.epoch++;
    t.ok = true;
    t.resyncRequestedAt = null;
    this.statsData.resyncs++;
    this.bookEvent(t, 'BOOK_RESYNC_DONE', seqBefore, t.seq, `${origin} ${hash}: ${changes.length} level change(s)`);
    // New baseline for the market triggers: a resync is not a market move.
    this.triggers.get(t)!.rebase();
    this.updateRegimeDue();
  }

  /** The market triggers, evaluated after each message that changed a trusted book. */
  private evaluateMarket(t: TokenBook): void {
    if (!t.ok) return;
    this.triggers.get(t)!.evaluate(this.now, this.fired);
    this.updateRegimeDue();
    this.fireMarket();
  }

  private fireMarket(): void {
    if (this.fired.length === 0) return;
    const w = this.config.windows;
    for (const { reason, detail } of this.fired.splice(0)) {
      const seconds = reason === 'MID_SHOCK' ? w.midShockS : reason === 'SPREAD_REGIME' ? w.spreadRegimeS : w.depthCliffS;
      this.trigger(reason, seconds * 1000, detail);
    }
  }

  private updateRegimeDue(): void {
    let due = Infinity;
    for (const tr of this.triggers.values()) if (tr.regimeDueMs < due) due = tr.regimeDueMs;
    this.regimeDueMs = due;
  }

  private trigger(reason: WindowReason, durationMs: number, detail: string): void {
    this.windows.trigger(reason, this.now, durationMs, detail);
  }
}

function toLevels(xs: readonly { price: number; size: number }[]): Level[] {
  return xs.map((x) => ({ p: x.price, s: x.size }));
}
