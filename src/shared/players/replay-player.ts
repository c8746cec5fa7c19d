/**
 * Replays a recorded day from any EventSource under a virtual clock. Once per frame it emits one
 * PlayerState with every event that became due since the previous frame (never one state per
 * event), keeps a read-ahead buffer in front of the playhead, and stops the clock (BUFFERING)
 * rather than skip data that isn't loaded yet. A seek starts a new `seek_id` whose first messages
 * are the source's backfill, so consumers rebuild the state at the new time with the same reducer.
 */
import type { Player, PlayerCapability, PlayerListener, PlayerPresence, PlayerState } from '../player';
import type { STEP_TARGETS } from '../protocol';
import type { AnyEvent } from '../schemas';
import { isAbortError, type EventSource, type SourceInfo } from './event-source';
import { jumpTarget, type JumpKind } from './jumps';
import { animationFrameScheduler, type PlayerScheduler } from './scheduler';
import { ingestMs } from '../event-time';

export interface ReplayPlayerOptions {
  scheduler?: PlayerScheduler;
  /** Where playback starts; default the first event of the day. */
  startMs?: number;
  /** Keep this much real playback time loaded ahead of the playhead (virtual = real × speed). */
  readAheadRealMs?: number;
  /** …but never less than this much virtual time, */
  minReadAheadMs?: number;
  /**
   * …nor more than this much (default 10 min): at 600× three seconds of playback are half an hour
   * of the day, held as event objects.
   */
  maxReadAheadMs?: number;
  /**
   * Bounds of the virtual span fetched in one request. The cap (30 s by default) keeps each batch
   * — converted to events at once — to a few frames' worth at 600×, instead of one long task.
   */
  minChunkMs?: number;
  maxChunkMs?: number;
  /**
   * Longest real time between two frames that the clock follows. After a stall (hidden tab, long
   * task) playback resumes where it was instead of emitting a burst of minutes of events.
   */
  maxFrameGapMs?: number;
  /** Close the source when the player is closed (default true). */
  closeSource?: boolean;
}

type StepTarget = (typeof STEP_TARGETS)[number];

const CAPABILITIES: readonly PlayerCapability[] = ['playbackControl', 'seek', 'setSpeed', 'step'];

export class ReplayPlayer implements Player {
  private readonly scheduler: PlayerScheduler;
  private readonly options: Required<Omit<ReplayPlayerOptions, 'scheduler' | 'startMs'>>;
  private listener: PlayerListener | null = null;
  private info: SourceInfo | null = null;
  private presence: PlayerPresence = 'INITIALIZING';
  private error: string | null = null;
  private current: number | null = null;
  private playing = false;
  private speed = 1;
  private seekId = 0;
  /** Events due but not yet delivered (start with the backfill after a seek). */
  private pending: AnyEvent[] = [];
  /** Loaded events ahead of the playhead: every event with ts < bufferEnd from the seek point on. */
  private buffer: AnyEvent[] = [];
  private bufferTimes: number[] = [];
  private head = 0;
  private bufferEnd = 0;
  private loaded: ReadonlyArray<readonly [number, number]> = [];
  private fetch: { controller: AbortController; done: Promise<void> } | null = null;
  private seek: { controller: AbortController; done: Promise<void> } | null = null;
  /** Initial seek (or a seek asked for before the source was ready). */
  private initializing: Promise<void> | null = null;
  private requestedStart: number | undefined;
  private stepTarget: number | null = null;
  private generation = 0;
  private lastFrameAt: number | null = null;
  private dirty = true;
  private cancelFrame: (() => void) | null = null;
  private closed = false;

  constructor(
    readonly source: EventSource,
    options: ReplayPlayerOptions = {},
  ) {
    this.scheduler = options.scheduler ?? animationFrameScheduler();
    this.requestedStart = options.startMs;
    this.options = {
      readAheadRealMs: options.readAheadRealMs ?? 3000,
      minReadAheadMs: options.minReadAheadMs ?? 10_000,
      maxReadAheadMs: options.maxReadAheadMs ?? 600_000,
      minChunkMs: options.minChunkMs ?? 5_000,
      maxChunkMs: options.maxChunkMs ?? 30_000,
      maxFrameGapMs: options.maxFrameGapMs ?? 100,
      closeSource: options.closeSource ?? true,
    };
    this.initializing = this.initialize();
  }

  private async initialize(): Promise<void> {
    try {
      this.info = await this.source.initialize();
      if (this.closed) return;
      this.current = this.clamp(this.requestedStart ?? this.info.start_ms);
      this.startSeek(this.current);
    } catch (e) {
      this.fail(e);
    } finally {
      this.initializing = null;
    }
  }

  // ---- Player --------------------------------------------------------------------------------

  setListener(listener: PlayerListener): void {
    this.listener = listener;
    this.invalidate();
  }

  startPlayback(): void {
    if (this.playing) return;
    if (this.info && this.current !== null && this.current >= this.info.end_ms) this.seekPlayback(this.info.start_ms);
    this.playing = true;
    this.lastFrameAt = this.scheduler.now();
    this.invalidate();
  }

  pausePlayback(): void {
    if (!this.playing) return;
    this.playing = false;
    this.invalidate();
  }

  seekPlayback(ms: number): void {
    if (this.closed || !Number.isFinite(ms)) return;
    if (!this.info) {
      this.requestedStart = ms; // applied once the source is ready
      return;
    }
    this.startSeek(this.clamp(ms));
  }

  setPlaybackSpeed(speed: number): void {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`playback speed must be a positive number, got ${speed}`);
    this.speed = speed;
    this.invalidate();
    this.maybeFetch();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.fetch?.controller.abort();
    this.seek?.controller.abort();
    this.fetch = null;
    this.seek = null;
    this.cancelFrame?.();
    this.cancelFrame = null;
    this.listener = null;
    if (this.options.closeSource) void this.source.close().catch(() => {});
  }

  /** Forward plays the seconds through (no state reset); back seeks. */
  stepSeconds(direction: 1 | -1, seconds = 1): boolean {
    if (!this.info || this.current === null) return false;
    if (direction === -1) {
      this.seekPlayback(this.current - seconds * 1000);
      return true;
    }
    const from = this.stepTarget ?? this.current;
    this.stepTarget = Math.min(this.info.end_ms, Math.floor(from) + seconds * 1000);
    this.invalidate();
    this.maybeFetch();
    return true;
  }

  /** Seek to the next/previous marker of `kind`; false when there is none. */
  jump(kind: JumpKind, direction: 1 | -1): boolean {
    if (!this.info || this.current === null) return false;
    const target = jumpTarget(this.info.markers, kind, this.current, direction);
    if (!target) return false;
    this.seekPlayback(target.ms);
    return true;
  }

  // ---- replay controls beyond Player ---------------------------------------------------------

  getInfo(): SourceInfo | null {
    return this.info;
  }

  /** The protocol's step command: ±1 s, or next/previous METAR, event window, shock. */
  step(target: StepTarget, direction: 1 | -1): boolean {
    if (target === 'second') return this.stepSeconds(direction);
    return this.jump(target, direction);
  }

  /** Resolves once no seek or load is in flight (for tests and benchmarks). */
  async idle(): Promise<void> {
    while (!this.closed) {
      const work = this.initializing ?? this.seek?.done ?? this.fetch?.done;
      if (!work) return;
      await work;
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private clamp(ms: number): number {
    const info = this.info!;
    return Math.min(info.end_ms, Math.max(info.start_ms, Math.floor(ms)));
  }

  private fail(e: unknown): void {
    this.presence = 'ERROR';
    this.error = e instanceof Error ? e.message : String(e);
    this.playing = false;
    this.invalidate();
  }

  private invalidate(): void {
    this.dirty = true;
    this.requestFrame();
  }

  private requestFrame(): void {
    if (this.closed || this.cancelFrame) return;
    this.cancelFrame = this.scheduler.requestFrame(() => this.frame());
  }

  private startSeek(t: number): void {
    this.generation++;
    const generation = this.generation;
    this.fetch?.controller.abort();
    this.fetch = null;
    this.seek?.controller.abort();
    this.current = t;
    this.buffer = [];
    this.bufferTimes = [];
    this.head = 0;
    this.bufferEnd = t + 1;
    this.pending = [];
    this.stepTarget = null;
    if (this.presence !== 'ERROR') this.presence = this.seekId === 0 ? 'INITIALIZING' : 'BUFFERING';
    const controller = new AbortController();
    const done = this.source.backfill(t, { signal: controller.signal }).then(
      (events) => {
        if (generation !== this.generation) return;
        this.seek = null;
        this.seekId++;
        this.pending = events;
        this.presence = 'PRESENT';
        this.error = null;
        this.refreshLoaded();
        this.invalidate();
        this.maybeFetch();
      },
      (e) => {
        if (generation !== this.generation) return;
        this.seek = null;
        if (!isAbortError(e)) this.fail(e);
      },
    );
    this.seek = { controller, done };
    this.invalidate();
  }

  private maybeFetch(): void {
    const info = this.info;
    if (this.closed || this.fetch || this.seek || !info || this.current === null) return;
    if (this.bufferEnd > info.end_ms) return; // everything up to the last event is loaded
    const speed = this.speed;
    const want = Math.max(this.options.minReadAheadMs, Math.min(this.options.maxReadAheadMs, speed * this.options.readAheadRealMs));
    const playhead = Math.max(this.current, this.stepTarget ?? 0);
    if (this.bufferEnd - playhead >= want) return;
    const chunk = Math.min(this.options.maxChunkMs, Math.max(this.options.minChunkMs, speed * 1000));
    const t0 = this.bufferEnd;
    const t1 = Math.min(t0 + chunk, info.end_ms + 1);
    const generation = this.generation;
    const controller = new AbortController();
    const done = this.source.fetchEvents(t0, t1, { signal: controller.signal }).then(
      (events) => {
        if (generation !== this.generation) return;
        this.fetch = null;
        if (this.head > 4096) {
          this.buffer = this.buffer.slice(this.head);
          this.bufferTimes = this.bufferTimes.slice(this.head);
          this.head = 0;
        }
        for (const e of events) {
          this.buffer.push(e);
          this.bufferTimes.push(ingestMs(e));
        }
        this.bufferEnd = t1;
        this.refreshLoaded();
        this.invalidate();
        this.maybeFetch();
      },
      (e) => {
        if (generation !== this.generation) return;
        this.fetch = null;
        if (!isAbortError(e)) this.fail(e);
      },
    );
    this.fetch = { controller, done };
  }

  private refreshLoaded(): void {
    const fromSource = this.source.loadedRanges?.();
    const next: Array<readonly [number, number]> = fromSource ?? (this.current !== null ? [[Math.floor(this.current), this.bufferEnd]] : []);
    const same =
      next.length === this.loaded.length && next.every((r, i) => r[0] === this.loaded[i]![0] && r[1] === this.loaded[i]![1]);
    if (!same) this.loaded = next;
  }

  /** Move the playhead to `t` (≤ bufferEnd − 1), queueing the events that became due. */
  private advanceTo(t: number): void {
    let i = this.head;
    while (i < this.buffer.length && this.bufferTimes[i]! <= t) i++;
    for (let k = this.head; k < i; k++) this.pending.push(this.buffer[k]!);
    this.head = i;
    this.current = t;
  }

  private frame(): void {
    this.cancelFrame = null;
    if (this.closed) return;
    const now = this.scheduler.now();
    const gap = this.lastFrameAt === null ? 0 : Math.min(Math.max(0, now - this.lastFrameAt), this.options.maxFrameGapMs);
    this.lastFrameAt = now;
    const info = this.info;
    if (info && this.current !== null && !this.seek && this.presence !== 'ERROR') {
      let target = this.current;
      if (this.playing) target += gap * this.speed;
      if (this.stepTarget !== null) target = Math.max(target, this.stepTarget);
      target = Math.min(target, info.end_ms);
      if (target > this.current) {
        const limit = this.bufferEnd - 1;
        const reached = Math.min(target, limit);
        if (reached > this.current) this.advanceTo(reached);
        const presence: PlayerPresence = target > limit ? 'BUFFERING' : 'PRESENT';
        if (presence !== this.presence) {
          this.presence = presence;
          this.dirty = true;
        }
        this.dirty = true;
      } else if (this.presence === 'BUFFERING') {
        this.presence = 'PRESENT';
        this.dirty = true;
      }
      if (this.stepTarget !== null && this.current >= this.stepTarget) this.stepTarget = null;
      if (this.playing && this.current >= info.end_ms) {
        this.playing = false;
        this.dirty = true;
      }
      this.maybeFetch();
    }
    if (this.dirty || this.pending.length > 0) {
      this.dirty = false;
      this.emit();
    }
    if (this.playing || this.stepTarget !== null) this.requestFrame();
  }

  private emit(): void {
    const info = this.info;
    const state: PlayerState = {
      presence: this.presence,
      mode: 'replay',
      capabilities: CAPABILITIES,
      station_id: info?.station_id ?? null,
      date: info?.date ?? null,
      start_ms: info?.start_ms ?? null,
      end_ms: info?.end_ms ?? null,
      current_ms: this.current,
      playing: this.playing,
      speed: this.speed,
      messages: this.pending,
      seek_id: this.seekId,
      loaded_ranges: this.loaded,
      error: this.error,
    };
    this.pending = [];
    this.listener?.(state);
  }
}
