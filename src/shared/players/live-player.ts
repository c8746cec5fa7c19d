/**
 * The live side of the one Player interface: a protocol stream (hello, backfill, events, clock —
 * `HeliosApi.subscribeLive`, which relays a `helios serve` server's /live once connected) turned
 * into the same PlayerStates the replay emits. Events are batched per frame; a backfill starts a new `seek_id` so consumers
 * reset exactly as they do after a replay seek. A live stream cannot be sought or paused.
 */
import { GROUPS, type ChannelGroup } from '../channels';
import type { Player, PlayerCapability, PlayerListener, PlayerPresence, PlayerState } from '../player';
import type { ServerMessage } from '../protocol';
import type { AnyEvent } from '../schemas';
import { BackfillTracker } from './backfill-tracker';
import { animationFrameScheduler, type PlayerScheduler } from './scheduler';
import { ingestMs, stampIngestMs } from '../event-time';

export type LiveSubscribe = (groups: ChannelGroup[], listener: (message: ServerMessage) => void) => () => void;

export interface LivePlayerOptions {
  scheduler?: PlayerScheduler;
  groups?: ChannelGroup[];
  /** How many of the latest events are kept for exporting a correlation (default 20 000). */
  recentEvents?: number;
}

const NO_CAPABILITIES: readonly PlayerCapability[] = [];

export class LivePlayer implements Player {
  private readonly scheduler: PlayerScheduler;
  private listener: PlayerListener | null = null;
  private unsubscribe: (() => void) | null = null;
  private presence: PlayerPresence = 'INITIALIZING';
  private mode: 'live' | 'replay' = 'live';
  private stationId: string | null = null;
  private date: string | null = null;
  private startMs: number | null = null;
  private currentMs: number | null = null;
  private endMs: number | null = null;
  private playing = true;
  private speed = 1;
  private seekId = 0;
  private pending: AnyEvent[] = [];
  private error: string | null = null;
  private dirty = true;
  private cancelFrame: (() => void) | null = null;
  private closed = false;
  private readonly tracker: BackfillTracker;

  constructor(subscribe: LiveSubscribe, options: LivePlayerOptions = {}) {
    this.scheduler = options.scheduler ?? animationFrameScheduler();
    this.tracker = new BackfillTracker(options.recentEvents ?? 20_000);
    this.unsubscribe = subscribe(options.groups ?? [...GROUPS], (message) => this.receive(message));
  }

  setListener(listener: PlayerListener): void {
    this.listener = listener;
    this.invalidate();
  }

  // A live stream has no playback control: these are no-ops, as the capabilities say.
  startPlayback(): void {}
  pausePlayback(): void {}
  seekPlayback(_ms?: number): void {}
  setPlaybackSpeed(_speed?: number): void {}
  stepSeconds(): boolean {
    return false;
  }
  jump(): boolean {
    return false;
  }

  /** The events that rebuild the live state now (for exporting a live moment). */
  backfill(): AnyEvent[] {
    return this.tracker.backfill();
  }

  /** Recent events (the last `recentEvents` received) carrying `correlationId`. */
  eventsWithCorrelation(correlationId: string): AnyEvent[] {
    return this.tracker.recentWithCorrelation(correlationId);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.cancelFrame?.();
    this.cancelFrame = null;
    this.listener = null;
  }

  private receive(message: ServerMessage): void {
    if (this.closed) return;
    switch (message.type) {
      case 'hello':
        this.mode = message.mode;
        this.stationId = message.station_id;
        this.date = message.date;
        break;
      case 'backfill': {
        this.seekId++;
        for (const e of message.events) stampIngestMs(e); // parsed once, here
        this.pending = [...message.events];
        this.tracker.reset();
        this.tracker.addAll(message.events);
        const at = Date.parse(message.at);
        this.currentMs = at;
        this.startMs ??= at;
        this.endMs = Math.max(this.endMs ?? at, at);
        this.presence = 'PRESENT';
        this.error = null;
        break;
      }
      case 'events':
        for (const e of message.events) {
          const t = ingestMs(stampIngestMs(e)); // parsed once, here
          this.pending.push(e);
          this.tracker.add(e);
          if (this.currentMs === null || t > this.currentMs) this.currentMs = t;
        }
        this.startMs ??= this.currentMs;
        if (this.currentMs !== null) this.endMs = Math.max(this.endMs ?? this.currentMs, this.currentMs);
        break;
      case 'clock': {
        const c = message.clock;
        if (c.current_ms !== null) this.currentMs = c.current_ms;
        if (c.start_ms !== null) this.startMs = c.start_ms;
        if (c.end_ms !== null) this.endMs = c.end_ms;
        this.playing = c.playing;
        this.speed = c.speed;
        if (this.seekId > 0 || c.presence === 'ERROR') this.presence = c.presence;
        break;
      }
      case 'error':
        this.presence = 'ERROR';
        this.error = message.message;
        break;
    }
    this.invalidate();
  }

  private invalidate(): void {
    this.dirty = true;
    if (this.closed || this.cancelFrame) return;
    this.cancelFrame = this.scheduler.requestFrame(() => this.frame());
  }

  private frame(): void {
    this.cancelFrame = null;
    if (this.closed || !this.dirty) return;
    this.dirty = false;
    const state: PlayerState = {
      presence: this.presence,
      mode: this.mode,
      capabilities: NO_CAPABILITIES,
      station_id: this.stationId,
      date: this.date,
      start_ms: this.startMs,
      end_ms: this.endMs,
      current_ms: this.currentMs,
      playing: this.playing,
      speed: this.speed,
      messages: this.pending,
      seek_id: this.seekId,
      loaded_ranges: this.startMs !== null && this.endMs !== null ? [[this.startMs, this.endMs + 1]] : [],
      error: this.error,
    };
    this.pending = [];
    this.listener?.(state);
  }
}
