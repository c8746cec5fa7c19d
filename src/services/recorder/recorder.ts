/**
 * The recorder core: SourceMessages in, channel events out (docs/spec.md §2, §5). Pure and clock-driven:
 * it never reads the wall clock or sets timers. Every event is stamped with the time the caller
 * passes (`ingest(message, nowMs)`; the live session passes its clock's now, the day synthesizer
 * the message's receive time), and cadence work — 1 s snapshots, health, window closes, PWS
 * staleness — happens in `advanceTo(nowMs)` at the exact boundary instants, in time order. Time
 * never goes backwards: a `nowMs` earlier than one already seen is taken as that one.
 *
 * This class is the coordinator: the clock and the cadence, and routing each message to the part
 * that owns it —
 *   market-books.ts        market and book integrity (mirror, seq/epoch, gaps, resyncs, snapshots)
 *   market-listings.ts     the markets followed: the cone from discovery, rules, resolutions
 *   world-observations.ts  METAR/SPECI and the PWS cluster
 *   model-inputs.ts        features and nowcast
 *   window-policy.ts       event windows, their triggers and correlation
 *   health-sampler.ts      latencies, staleness, counters, upstream states → `health`
 *   event-output.ts        stamping, emitting, rejecting, counting
 *
 * Capture policy: `l2_snap_1s` for every cone token at every whole second, always (book_ok=false
 * before the first book and while resyncing); `l2_deltas` only while an event window is open;
 * trades, world, features, nowcast always; `health` every `healthIntervalMs`.
 *
 * Correlation rule (docs/spec.md §3):
 *   - `metar_obs` starts a correlation: its own event_id.
 *   - An event window carries the correlation of what opened it: the METAR's event_id, or for a
 *     market/QC/manual window the event_id of its own open record. A METAR arriving inside an open
 *     window switches the window's correlation to that METAR from then on (see event-windows.ts).
 *   - Everything recorded inside a window (snapshots, deltas, trades, book events, PWS, markets) carries the
 *     window's `window_id` and current correlation; health carries the window_id only.
 *   - `features_1m` / `nowcast_1m` carry the latest METAR's correlation until the next METAR (a
 *     correlation_id sent by the model itself wins), plus the window_id when inside a window.
 *   - Anything else correlates with itself (stamp's default).
 */
import { describeZodError } from '../../shared/registry';
import type { AnyEvent, MarketsEvent } from '../../shared/schemas';
import type { MarketToken, SourceMessage, SourceRejection, SourceStatus, SourceState } from '../sources/source';
import type { RecordingConfig } from './config';
import { EventOutput, type RecorderStats, type Rejection } from './event-output';
import type { OpenWindow } from './event-windows';
import { HealthSampler, type WriterHealth } from './health-sampler';
import { sourceStatus } from './input-schemas';
import { MarketBooks } from './market-books';
import { MarketListings } from './market-listings';
import { ModelInputs } from './model-inputs';
import { PolicyWithShadows, WindowPolicy, type WindowTriggers } from './window-policy';
import { WorldObservations } from './world-observations';

export type { RecorderStats, Rejection, WriterHealth };

export interface RecorderOptions {
  station_id: string;
  /** The operating cone: one snapshot per token per second. */
  tokens: readonly MarketToken[];
  config: RecordingConfig;
  /** Instant the recording starts (first snapshot boundary is the first whole second ≥ it). */
  startMs: number;
  /** Each event, its ingest time in ms attached (`ingestMs`). */
  emit(event: AnyEvent): void;
  reject?(rejection: Rejection): void;
  /** Ask the source for a full book (answered later as a `clob_rest_book` message). */
  requestBook?(token_id: string): void;
  writerHealth?(): WriterHealth;
  /** What was already recorded today, when a recording restarts mid-day (see journal-history.ts). */
  history?: RecordedHistory;
  /** Other window policies to evaluate on the same inputs, recording nothing (the window sweep). */
  shadowPolicies?: readonly WindowPolicy[];
}

/** Recorded earlier the same day: METAR/SPECI raw texts and `markets` events, oldest first. */
export interface RecordedHistory {
  metars: readonly string[];
  markets: readonly MarketsEvent[];
}

/** States of the `clob` upstream in which its books may be missing updates. */
const FEED_DOWN: ReadonlySet<SourceState> = new Set(['reconnecting', 'stale', 'failing', 'stopped']);

export class Recorder {
  private readonly config: RecordingConfig;
  private readonly out: EventOutput;
  private readonly windows: WindowTriggers;
  private readonly health: HealthSampler;
  private readonly market: MarketBooks;
  private readonly listings: MarketListings;
  private readonly world: WorldObservations;
  private readonly models: ModelInputs;
  private started = false;
  private nextSnapshotMs: number;
  private nextHealthMs: number;
  // Re-entrancy: a source may answer requestBook synchronously by pushing into ingest.
  private busy = false;
  private readonly backlog: [SourceMessage, number][] = [];

  constructor(private readonly options: RecorderOptions) {
    const config = (this.config = options.config);
    const station = options.station_id;
    this.nextSnapshotMs = Math.ceil(options.startMs / 1000) * 1000;
    this.nextHealthMs = Math.ceil(options.startMs / config.healthIntervalMs) * config.healthIntervalMs;
    const out = (this.out = new EventOutput(options.startMs, options, (now) => this.windows.activeAt(now)));
    const policy = WindowPolicy.of(station, config, (e) => out.emit(e));
    this.windows = options.shadowPolicies?.length ? new PolicyWithShadows(policy, options.shadowPolicies) : policy;
    this.health = new HealthSampler(out, station, options.startMs, options.writerHealth);
    const resolved = (m: Parameters<MarketListings['onResolved']>[0]) => this.listings.onResolved(m);
    this.market = new MarketBooks(out, this.health, this.windows, config, station, options.tokens, options.requestBook !== undefined, resolved);
    this.listings = new MarketListings(out, this.market, station, options.tokens, options.history?.markets);
    this.world = new WorldObservations(out, this.health, this.windows, config, station, options.history?.metars);
    this.models = new ModelInputs(out, this.health, station, () => this.world.lastMetarCorrelation);
  }

  /** The recorder's current instant (ms): the latest time it has been advanced to. */
  get time(): number {
    return this.out.now;
  }

  get openWindow(): OpenWindow | null {
    return this.windows.active;
  }

  stats(): RecorderStats {
    return structuredClone(this.out.stats);
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
      this.windows.manual(this.out.now, durationMs, detail);
    });
  }

  /**
   * An upstream's connection state (`SourceSink.status`): kept for `health` and the session's
   * stats; the market feed reconnecting, stale or failing is a gap on every book, exactly as a
   * `clob_connection` down, and its return asks for fresh books.
   */
  sourceStatus(status: SourceStatus, nowMs: number = status.at_ms): void {
    this.run(() => {
      this.advance(nowMs);
      const parsed = sourceStatus.safeParse(status);
      if (!parsed.success) {
        this.out.setAside({ at_ms: this.out.now, source: 'status', reason: `source status: ${describeZodError(parsed.error)}`, input: status });
        return;
      }
      const s = parsed.data;
      this.health.status(s);
      if (s.source !== 'clob') return;
      if (FEED_DOWN.has(s.state)) this.market.connection(false, `${s.state}${s.detail ? `: ${s.detail}` : ''}`);
      else if (s.state === 'connected') this.market.connection(true, s.detail ?? 'connected');
    });
  }

  /** Each upstream's latest reported state. */
  sources(): SourceStatus[] {
    return this.health.sources();
  }

  /** Input a source could not understand (`SourceSink.reject`): quarantined with its reason, counted by upstream. */
  sourceRejected(rejection: SourceRejection, nowMs: number = rejection.received_ms): void {
    this.run(() => {
      this.advance(nowMs);
      this.out.setAside({ at_ms: rejection.received_ms, source: rejection.source, reason: rejection.reason, input: rejection.input });
    });
  }

  /** Final cadence work up to `nowMs`, close the open window there, and a last health record. */
  finish(nowMs: number): void {
    this.run(() => {
      this.advance(nowMs);
      this.windows.close(this.out.now, 'recording stopped');
      this.health.emit();
    });
  }

  private run(work: () => void): void {
    this.busy = true;
    try {
      work();
      while (this.market.hasRequests || this.backlog.length > 0) {
        for (const token of this.market.takeRequests()) this.options.requestBook?.(token);
        for (const [message, at] of this.backlog.splice(0)) {
          this.advance(at);
          this.handle(message);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** The cadence work due up to `nowMs`, each at its own instant, in time order. */
  private advance(nowMs: number): void {
    const out = this.out;
    if (!this.started) {
      this.started = true;
      this.market.start();
    }
    const target = Math.max(nowMs, out.now);
    for (;;) {
      const close = this.windows.closesAt ?? Infinity;
      const stale = this.world.staleDueMs;
      const regime = this.windows.regimeDueMs;
      const next = Math.min(close, this.nextSnapshotMs, this.nextHealthMs, stale, regime);
      if (next > target) break;
      out.now = Math.max(out.now, next);
      if (next === close) this.windows.closeDue(next);
      else if (next === this.nextSnapshotMs) {
        this.market.snapshots();
        this.windows.onSecond();
        this.nextSnapshotMs += 1000;
      } else if (next === this.nextHealthMs) {
        this.health.emit();
        this.nextHealthMs += this.config.healthIntervalMs;
      } else if (next === regime) this.windows.confirmRegimes(next);
      else this.world.checkStale(next);
    }
    out.now = target;
    this.market.retryResyncs();
  }

  private handle(message: SourceMessage): void {
    this.health.sample('source_to_recorder', this.out.now - message.received_ms);
    switch (message.kind) {
      case 'clob':
        return this.market.onClob(message);
      case 'clob_rest_book':
        return this.market.onRestBook(message);
      case 'clob_connection':
        return this.market.connection(message.state !== 'down', message.detail);
      case 'market_listed':
        return this.listings.onListed(message);
      case 'market_unlisted':
        return this.listings.onUnlisted(message);
      case 'metar':
        return this.world.onMetar(message);
      case 'pws':
        return this.world.onPws(message);
      case 'features':
      case 'nowcast':
        return this.models.onModel(message);
      default:
        return this.out.reject(message, `unknown source message kind ${JSON.stringify((message as { kind: unknown }).kind)}`);
    }
  }
}
