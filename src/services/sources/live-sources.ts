/**
 * The real world as one `Source`: the upstreams a sources config turns on (Polymarket, METAR,
 * PWS, the HELIOS ingest endpoint), run together. Each upstream hands what arrives to `deliver`,
 * which stamps it (`t` = receive time on the session clock, `n` = sequence), appends it to the raw
 * capture, decodes it (`RecordDecoder`) and pushes the messages — the same decoding a capture
 * playback does. Upstream states go to `sink.status` and are kept for `statuses()` (the CLI summary,
 * the LIVE badge); a PWS provider or ingest endpoint left out of the config is `not_configured`.
 *
 * The market feed's frames (tens to thousands a second) are not decoded where they arrive: they
 * are stamped and captured at once, queued, and decoded and pushed in slices of ~1 ms
 * (`SLICE_MS`), yielding to the event loop in between, so a burst cannot block it. Every other
 * record is delivered at once, after whatever frames are still queued (order = arrival order).
 *
 * `clock` is the clock to record with: wall time, pinned to the start instant until `start`, the
 * receive time of the record being delivered while it is delivered (so the recorder stamps a
 * message with the instant the capture holds for it), never past the oldest queued frame (the
 * recorder's cadence waits for it), and frozen at the stop instant after `stop`.
 */
import { DataRoot } from '../data-root';
import { getStation, type Station } from '../../shared/stations';
import { stationDate } from '../../shared/time';
import { captureSession, RawCapture, type RawCaptureStats } from './capture/raw-capture';
import type { SourcesConfig } from './config';
import { RecordDecoder, type Decoded } from './decode';
import { appUserAgent } from './http';
import { IngestServer } from './ingest/ingest-server';
import { MetarPoller } from './metar/metar-poller';
import { PolymarketUpstream } from './polymarket/polymarket-upstream';
import { PwsPoller } from './pws/pws-poller';
import type { RawRecord, RawRecordInput } from './raw-records';
import type { MarketToken, Source, SourceScope, SourceSink, SourceState, SourceStatus } from './source';
import type { Upstream, UpstreamContext } from './upstream';

/** Budget of one slice of queued frames (decode + push), then the event loop gets a turn. */
const SLICE_MS = 1;

/** The upstreams' status names, in the order summaries and the LIVE badge list them. */
const UPSTREAM_ORDER = ['gamma', 'clob', 'books', 'metar', 'pws', 'ingest'];

export interface LiveSourcesOptions {
  config: SourcesConfig;
  /** Where the raw capture goes (`<data>/raw/…`); none when absent or `config.raw_capture` is false. */
  dataRoot?: string | DataRoot;
  /** App version for the User-Agent. */
  version?: string;
  /** Base clock (epoch ms); tests run it ahead of the wall clock. Default Date.now. */
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** An upstream's state changed (also delivered to the sink once started). */
  onStatus?: (status: SourceStatus) => void;
}

export class LiveSources implements Source {
  readonly info: SourceScope;
  readonly clock = { now: () => this.now() };
  readonly station: Station;
  private readonly config: SourcesConfig;
  private readonly base: () => number;
  private readonly log: NonNullable<LiveSourcesOptions['log']>;
  private readonly onStatus: LiveSourcesOptions['onStatus'];
  private readonly decoder: RecordDecoder;
  private readonly capture: RawCapture | null;
  private readonly session: string;
  private readonly upstreams: Upstream[] = [];
  private readonly polymarket: PolymarketUpstream | null = null;
  private readonly ingest: IngestServer | null = null;
  private readonly states = new Map<string, SourceStatus>();
  private sink: SourceSink | null = null;
  /** What was delivered before `start` (the first discovery), pushed on start. */
  private early: Decoded[] = [];
  /** Frames received, captured, not yet decoded and pushed (oldest first). */
  private queue: { record: RawRecord; then: (decoded: Decoded) => void }[] = [];
  private queueHead = 0;
  private drainScheduled = false;
  private last = -Infinity;
  private seq = 0;
  private pinned: number | null = null;
  private delivering: number | null = null;
  private stoppedAt: number | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(options: LiveSourcesOptions) {
    const config = options.config;
    this.config = config;
    this.station = getStation(config.station);
    this.base = options.now ?? Date.now;
    this.log = options.log ?? ((level, message) => console[level](`sources: ${message}`));
    this.onStatus = options.onStatus;
    this.decoder = new RecordDecoder(this.station.id);
    const root = options.dataRoot === undefined ? null : typeof options.dataRoot === 'string' ? new DataRoot(options.dataRoot) : options.dataRoot;
    this.session = captureSession(this.tick());
    this.capture = root && config.raw_capture ? new RawCapture({ dataRoot: root, station: this.station.id, session: this.session, log: this.log }) : null;
    const ctx: UpstreamContext = {
      station: this.station,
      userAgent: appUserAgent(options.version ?? '0', config.contact),
      now: () => this.tick(),
      deliver: (record) => this.deliver(record),
      deliverSoon: (record, then) => this.deliverSoon(record, then),
      backlog: () => this.queue.length - this.queueHead,
      status: (source, state, detail) => this.setStatus(source, state, detail),
      log: this.log,
    };
    if (config.polymarket) this.upstreams.push((this.polymarket = new PolymarketUpstream(ctx, config.polymarket)));
    if (config.metar) this.upstreams.push(new MetarPoller(ctx, config.metar));
    else this.setStatus('metar', 'not_configured', 'metar: not configured');
    if (config.pws) this.upstreams.push(new PwsPoller(ctx, config.pws, config.secrets));
    else this.setStatus('pws', 'not_configured', 'pws: not configured');
    if (config.ingest) this.upstreams.push((this.ingest = new IngestServer(ctx, config.ingest, config.secrets[config.ingest.token_env] ?? '')));
    else this.setStatus('ingest', 'not_configured', 'ingest: not configured');
    if (!config.polymarket) this.setStatus('clob', 'not_configured', 'polymarket: not configured');
    this.info = { id: `live:${this.station.id}`, station_id: this.station.id, tokens: [] };
  }

  /**
   * Build the sources and do what must precede recording: the first market discovery (so the
   * session starts with today's cone) and binding the ingest port (a taken port fails here).
   */
  static async create(options: LiveSourcesOptions): Promise<LiveSources> {
    const sources = new LiveSources(options);
    await sources.ingest?.listen();
    if (sources.polymarket) {
      await sources.polymarket.prepare();
      sources.info.tokens = sources.polymarket.discovery.markets().flatMap((m): MarketToken[] => m.tokens);
    }
    void sources.capture?.compressLeftovers(stationDate(sources.tick(), sources.station.id));
    return sources;
  }

  /** The ingest endpoint's port once listening (null when off). */
  get ingestPort(): number | null {
    return this.ingest?.port ?? null;
  }

  /** The latest state of each upstream, in a fixed order. */
  statuses(): SourceStatus[] {
    const rank = (s: SourceStatus) => UPSTREAM_ORDER.indexOf(s.source);
    return [...this.states.values()].sort((a, b) => rank(a) - rank(b));
  }

  captureStats(): RawCaptureStats | null {
    return this.capture?.stats() ?? null;
  }

  async start(sink: SourceSink): Promise<void> {
    if (this.sink) throw new Error('LiveSources already started');
    const t = this.now();
    this.sink = sink;
    this.capture?.append({ t, n: this.seq++, src: 'capture', type: 'start', station: this.station.id, session: this.session, tokens: this.info.tokens });
    // What the first discovery found is recorded at the start instant (a playback clamps it there
    // too), before anything the upstreams deliver once started: the order is the records' order.
    this.delivering = t;
    try {
      for (const decoded of this.early.splice(0)) this.push(decoded);
    } finally {
      this.delivering = null;
    }
    for (const u of this.upstreams) u.start();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.drain(Infinity); // everything captured is delivered
      const t = this.now();
      this.stoppedAt = t;
      await Promise.all(this.upstreams.map((u) => u.stop()));
      this.capture?.append({ t, n: this.seq++, src: 'capture', type: 'stop' });
      await this.capture?.close();
    })();
    return this.stopping;
  }

  requestBook(token_id: string): void {
    this.polymarket?.requestBook(token_id);
  }

  private tick(): number {
    this.last = Math.max(this.last, this.base());
    return this.last;
  }

  private now(): number {
    if (this.stoppedAt !== null) return this.stoppedAt;
    if (this.delivering !== null) return this.delivering;
    if (!this.sink) return (this.pinned ??= this.tick());
    if (this.queueHead < this.queue.length) return this.queue[this.queueHead]!.record.t;
    return this.tick();
  }

  /** Stamp (receive time, sequence) and capture. */
  private stamp(input: RawRecordInput): RawRecord {
    const record = input as RawRecord;
    record.t = this.tick();
    record.n = this.seq++;
    this.capture?.append(record);
    return record;
  }

  private deliver(input: RawRecordInput): Decoded {
    if (this.stoppedAt !== null) return { messages: [], rejections: [] };
    const record = this.stamp(input);
    this.drain(Infinity); // what arrived before it goes first
    return this.dispatch(record);
  }

  private deliverSoon(input: RawRecordInput, then: (decoded: Decoded) => void): void {
    if (this.stoppedAt !== null) return;
    const record = this.stamp(input);
    if (!this.sink) return then(this.dispatch(record));
    this.queue.push({ record, then });
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.drain(SLICE_MS);
      });
    }
  }

  /** Deliver queued frames for about `budgetMs` (Infinity: all); schedule the rest. */
  private drain(budgetMs: number): void {
    const until = performance.now() + budgetMs;
    while (this.queueHead < this.queue.length) {
      const { record, then } = this.queue[this.queueHead++]!;
      then(this.dispatch(record));
      if ((this.queueHead & 7) === 0 && performance.now() >= until) break;
    }
    if (this.queueHead >= this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (!this.drainScheduled && this.stoppedAt === null) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.drain(SLICE_MS);
      });
    }
  }

  private dispatch(record: RawRecord): Decoded {
    const decoded = this.decoder.decode(record);
    if (!this.sink) this.early.push(decoded);
    else {
      this.delivering = record.t;
      try {
        this.push(decoded);
      } finally {
        this.delivering = null;
      }
    }
    return decoded;
  }

  private push(decoded: Decoded): void {
    for (const m of decoded.messages) this.sink!.push(m);
    for (const r of decoded.rejections) this.sink!.reject(r);
    if (decoded.status) this.sink!.status(decoded.status);
  }

  private setStatus(source: string, state: SourceState, detail: string | null): void {
    const previous = this.states.get(source);
    if (previous?.state === state && previous.detail === detail) return;
    if (previous?.state !== state) this.log(state === 'failing' ? 'warn' : 'info', `${source} ${state}${detail ? `: ${detail}` : ''}`);
    // Stopping: the states still show (statuses(), the badge), but nothing more reaches the recorder.
    const status = this.stoppedAt === null ? this.deliver({ src: 'status', type: 'state', source, state, detail }).status! : { source, state, detail, at_ms: this.tick() };
    this.states.set(source, status);
    this.onStatus?.(status);
  }

}
