/**
 * One `/replay?station=S&date=D` client: a virtual clock over a compacted day, driven by the
 * client's protocol commands (subscribe, play, pause, speed, seek, step). After `subscribe` and
 * after each seek the client gets the `backfill` at that instant (the EventSource rule: latest
 * event per topic, snapshot per token plus the window deltas after it), then `events` in
 * ts_ingest_utc order as the clock passes them, and `clock` updates. At the end of the day the
 * clock stops with current_ms = end_ms.
 *
 * Events come as JSON text from the day's replay copy (a closed day merged and serialized once,
 * `replay-copy.ts`) or, without one, from its Parquet files through `DayStream` (DuckDB, streaming,
 * merged on epoch µs); the backfill from `SqlEventSource` over the same files. The clock never skips
 * data: while the stream is being read or the client is still reading what it was sent, the clock
 * waits (presence BUFFERING) instead of running ahead.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import { CHANNEL_GROUPS, type Channel, type ChannelGroup } from '../../shared/channels';
import { jumpTarget } from '../../shared/players/jumps';
import { daySourceInfo, daySpans } from '../../shared/players/day-spans';
import type { SourceInfo } from '../../shared/players/event-source';
import { PROTOCOL_VERSION, encodeMessage, type ClientMessage, type ClockState } from '../../shared/protocol';
import type { DayRef } from '../../shared/api';
import type { DataRoot } from '../data-root';
import { DayStream } from '../replay/parquet-stream';
import { dayParquetFiles, openNodeEventSource, type NodeEventSource } from '../replay/node-event-source';
import type { OrderedEvents } from '../replay/ordered-events';
import type { ReplayCopy } from '../replay/replay-copy';
import type { ReplayCopies } from '../replay/replay-copies';
import { backfillMessage, batchEventsMessage } from './message-text';

export interface ReplaySessionOptions {
  dataRoot: DataRoot;
  day: DayRef;
  instance: DuckDBInstance;
  /** The server's replay copies; without them every day streams through `DayStream`. */
  copies?: ReplayCopies;
  /** Queue a message (its text, or that text's UTF-8) for the client; false once the client is gone. */
  send(message: string | Buffer): boolean;
  /** Whether the client has read enough of what it was sent to be sent more. */
  writable(): boolean;
  /** Real time between clock frames while playing (default 20 ms). */
  frameMs?: number;
  /** Clock messages while playing at most this often (default 100 ms); always on a change. */
  clockEveryMs?: number;
  /** Most events in one `events` message (default 5000): bounds a frame's work. */
  maxBatch?: number;
  /** An `events` message ends after the event that takes it past this many bytes (default 1 MiB). */
  maxBatchBytes?: number;
  /** Longest real time one frame may advance the clock by, after a stall (default 100 ms). */
  maxFrameGapMs?: number;
  now?: () => number;
}

export class ReplaySession {
  private current: number;
  private playing = false;
  private speed = 1;
  private groups: ChannelGroup[] | null = null;
  private seekId = 0;
  private presence: ClockState['presence'] = 'PRESENT';
  private stream: OrderedEvents | null = null;
  /** Where a one-second step forward stops (ms), while it plays through. */
  private stepTarget: number | null = null;
  /** Where the last frame should have taken the clock when a batch limit stopped it short (ms). */
  private owed: number | null = null;
  private source: NodeEventSource | null = null;
  /** Serializes seeks and frames: one async step at a time. */
  private queue: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastFrameAt: number | null = null;
  private lastClockAt = -Infinity;
  private generation = 0;
  private closed = false;
  private readonly files: Partial<Record<Channel, string[]>>;
  private readonly now: () => number;
  private readonly frameMs: number;
  private readonly clockEveryMs: number;
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;
  private readonly maxFrameGapMs: number;

  private constructor(
    private readonly options: ReplaySessionOptions,
    readonly info: SourceInfo,
    files: Partial<Record<Channel, string[]>>,
    private readonly openSource: () => Promise<NodeEventSource>,
    private readonly copy: ReplayCopy | null,
  ) {
    this.files = files;
    this.current = info.start_ms;
    this.now = options.now ?? (() => performance.now());
    this.frameMs = options.frameMs ?? 20;
    this.clockEveryMs = options.clockEveryMs ?? 100;
    this.maxBatch = options.maxBatch ?? 5000;
    this.maxBatchBytes = options.maxBatchBytes ?? 1024 * 1024;
    this.maxFrameGapMs = options.maxFrameGapMs ?? 100;
  }

  /** Open the day (its manifest must exist) and greet the client with hello + clock. */
  static async open(options: ReplaySessionOptions): Promise<ReplaySession> {
    const { dataRoot, day, instance } = options;
    const manifest = await dataRoot.readManifest(day);
    const info = daySourceInfo(manifest, daySpans(manifest));
    const files = await dayParquetFiles(dataRoot, day, manifest);
    const copy = (await options.copies?.open(day, manifest)) ?? null;
    const session = new ReplaySession(options, info, files, () => openNodeEventSource(dataRoot, day, { instance, manifest }), copy);
    options.send(
      encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION, mode: 'replay', station_id: info.station_id, date: info.date, groups: [] }),
    );
    session.sendClock();
    return session;
  }

  handle(message: ClientMessage): void {
    if (this.closed) return;
    switch (message.type) {
      case 'subscribe':
        this.groups = [...new Set(message.groups)];
        return this.seek(this.current);
      case 'play':
        if (this.playing) return;
        if (this.current >= this.info.end_ms) this.seek(this.info.start_ms);
        this.playing = true;
        this.lastFrameAt = null;
        this.sendClock();
        return this.schedule();
      case 'pause':
        if (!this.playing) return;
        this.playing = false;
        this.owed = null;
        return this.sendClock();
      case 'speed':
        this.speed = message.speed;
        return this.sendClock();
      case 'seek':
        return this.seek(Date.parse(message.at));
      case 'step':
        return this.step(message.target, message.direction);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queue;
    await this.stream?.close();
    await this.source?.close();
    this.copy?.close();
    this.stream = null;
    this.source = null;
  }

  /** Whether the events come from the day's replay copy. */
  get fromCopy(): boolean {
    return this.copy !== null;
  }

  /** Resolves once no seek or frame is running (tests and benchmarks). */
  async idle(): Promise<void> {
    let last: Promise<void> | null = null;
    while (last !== this.queue) {
      last = this.queue;
      await last;
    }
  }

  private clamp(ms: number): number {
    return Math.min(this.info.end_ms, Math.max(this.info.start_ms, Math.floor(ms)));
  }

  private step(target: 'second' | 'metar' | 'window' | 'shock', direction: 1 | -1): void {
    if (target === 'second') {
      if (direction === -1) return this.seek(this.current - 1000);
      this.stepTarget = Math.min(this.info.end_ms, (this.stepTarget ?? this.current) + 1000);
      return this.schedule();
    }
    const found = jumpTarget(this.info.markers, target, this.current, direction);
    if (found) this.seek(found.ms);
  }

  /** Rebuild the state at `ms`: a new seek_id, the backfill, then the stream from just after `ms`. */
  private seek(ms: number): void {
    const t = this.clamp(ms);
    this.current = t;
    this.stepTarget = null;
    this.owed = null;
    const generation = ++this.generation;
    const groups = this.groups;
    if (!groups) return this.sendClock(); // nothing subscribed yet: only the clock moves
    this.presence = 'BUFFERING';
    this.sendClock();
    this.enqueue(async () => {
      if (generation !== this.generation) return;
      await this.stream?.close();
      this.stream = null;
      this.source ??= await this.openSource();
      const wanted = new Set<Channel>(groups.flatMap((g) => CHANNEL_GROUPS[g]));
      const backfill = (await this.source.backfill(t)).filter((e) => wanted.has(e.ch));
      const stream = await this.openStream(wanted, (t + 1) * 1000);
      if (generation !== this.generation) return void (await stream.close());
      this.stream = stream;
      this.seekId++;
      this.presence = 'PRESENT';
      this.options.send(backfillMessage(new Date(t).toISOString(), this.seekId, backfill.map((e) => JSON.stringify(e))));
      this.sendClock();
      this.schedule();
    });
  }

  private async openStream(wanted: ReadonlySet<Channel>, fromUs: number): Promise<OrderedEvents> {
    if (this.copy) return this.copy.events(fromUs, wanted);
    const files = Object.fromEntries(Object.entries(this.files).filter(([ch]) => wanted.has(ch as Channel)));
    return DayStream.open(this.options.instance, files, fromUs);
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue
      .then(work)
      .catch((e: unknown) => this.fail(e));
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    this.presence = 'ERROR';
    this.playing = false;
    this.options.send(encodeMessage({ type: 'error', message: `replay: ${e instanceof Error ? e.message : String(e)}` }));
    this.sendClock();
  }

  /** The next frame: after `frameMs`, or at once when the last one was cut short by a batch limit (the clock is behind its data). */
  private schedule(behind = false): void {
    if (this.closed || this.timer || !this.stream || (!this.playing && this.stepTarget === null)) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const generation = this.generation;
      this.enqueue(() => this.frame(generation));
    }, this.lastFrameAt === null || behind ? 0 : this.frameMs);
  }

  /** Advance the clock by the real time since the last frame × speed, sending what became due. */
  private async frame(generation: number): Promise<void> {
    const stream = this.stream;
    if (generation !== this.generation || !stream || this.closed) return;
    const now = this.now();
    const gap = this.lastFrameAt === null ? 0 : Math.min(this.maxFrameGapMs, Math.max(0, now - this.lastFrameAt));
    this.lastFrameAt = now;
    if (!this.options.writable()) {
      this.setPresence('BUFFERING'); // the client is behind: the clock waits for it
      return this.schedule();
    }
    // a frame cut short by a batch limit is owed: the next ones catch up at once, not at `speed`
    let target = this.playing ? (this.owed ?? this.current) + gap * this.speed : this.current;
    if (this.stepTarget !== null) target = Math.max(target, this.stepTarget);
    target = Math.min(target, this.info.end_ms);
    const batch = await stream.next((Math.floor(target) + 1) * 1000, { maxEvents: this.maxBatch, maxBytes: this.maxBatchBytes });
    if (generation !== this.generation) return;
    const full = batch.full;
    // A full batch may stop short of the target: the clock shows the last event sent.
    this.current = full ? Math.max(this.current, Math.floor(batch.lastUs / 1000)) : target;
    this.owed = full ? target : null;
    if (batch.count > 0) this.options.send(batchEventsMessage(batch.json));
    if (this.stepTarget !== null && this.current >= this.stepTarget) this.stepTarget = null;
    const ended = this.current >= this.info.end_ms && !full;
    if (ended) {
      this.current = this.info.end_ms;
      this.stepTarget = null;
      if (this.playing) {
        this.playing = false;
        this.lastClockAt = -Infinity; // the stop is always told
      }
    }
    this.presence = full ? 'BUFFERING' : 'PRESENT';
    if (now - this.lastClockAt >= this.clockEveryMs || !this.playing) this.sendClock();
    this.schedule(full);
  }

  private setPresence(presence: ClockState['presence']): void {
    if (this.presence === presence) return;
    this.presence = presence;
    this.sendClock();
  }

  private sendClock(): void {
    this.lastClockAt = this.now();
    this.options.send(
      encodeMessage({
        type: 'clock',
        clock: {
          current_ms: this.current,
          start_ms: this.info.start_ms,
          end_ms: this.info.end_ms,
          playing: this.playing,
          speed: this.speed,
          presence: this.presence,
        },
      }),
    );
  }
}
