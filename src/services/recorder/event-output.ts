/**
 * Where every part of the recorder puts what it makes: the current instant, the counters, and the
 * one way to stamp and emit an event (inside an open window it gets the window's id and, unless
 * told otherwise, its correlation) or to set an input aside with its reason.
 */
import { CHANNELS, type Channel } from '../../shared/channels';
import { stamp } from '../../shared/envelope';
import type { AnyEvent, PayloadOf } from '../../shared/schemas';
import type { SourceMessage } from '../sources/source';
import type { OpenWindow } from './event-windows';

/** An input the recorder could not turn into an event, kept with its reason. */
export interface Rejection {
  at_ms: number;
  /** The SourceMessage kind, or the upstream a source names when it rejects a frame itself. */
  source: SourceMessage['kind'] | (string & {});
  reason: string;
  input: unknown;
}

export interface RecorderStats {
  events: Record<Channel, number>;
  /** Inputs set aside, per SourceMessage kind or (for frames a source refused itself) per upstream. */
  rejected: Record<string, number>;
  duplicate_metars: number;
  /** Market messages about tokens outside the cone, resolutions of markets not followed, stale PWS batches. */
  ignored: number;
  /** The venue's `new_market` announcements (discovery, not the feed, decides the cone). */
  new_markets: number;
  gaps: number;
  resyncs: number;
  reconnects: number;
  windows: number;
}

export interface OutputSinks {
  emit(event: AnyEvent): void;
  reject?(rejection: Rejection): void;
}

export class EventOutput {
  /** The recorder's current instant (ms). */
  now: number;
  readonly stats: RecorderStats = {
    events: Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>,
    rejected: {},
    duplicate_metars: 0,
    ignored: 0,
    new_markets: 0,
    gaps: 0,
    resyncs: 0,
    reconnects: 0,
    windows: 0,
  };

  constructor(
    startMs: number,
    private readonly sinks: OutputSinks,
    private readonly windowAt: (nowMs: number) => OpenWindow | null,
  ) {
    this.now = startMs;
  }

  emit(event: AnyEvent): void {
    this.stats.events[event.ch]++;
    if (event.ch === 'event_windows' && event.state === 'open') this.stats.windows++;
    this.sinks.emit(event);
  }

  /**
   * Stamp and emit an event at the current instant. Inside a window it gets the window_id and,
   * when `correlate`, the window's correlation (unless the payload already has one).
   */
  record<C extends Channel>(ch: C, payload: PayloadOf<C>, correlate = true): void {
    const w = this.windowAt(this.now);
    const p = payload as PayloadOf<C> & { window_id?: string };
    if (w) {
      p.window_id = w.window_id;
      if (correlate && p.correlation_id === undefined) p.correlation_id = w.correlation_id;
    }
    this.emit(stamp(ch, p, this.now) as AnyEvent);
  }

  /** Set an input aside with its reason (quarantined by the sink) and count it per source. */
  reject(message: SourceMessage, reason: string, input: unknown = message): void {
    this.setAside({ at_ms: this.now, source: message.kind, reason, input });
  }

  /** Quarantine what a source could not understand itself (a frame, a response), counted by upstream. */
  setAside(rejection: Rejection): void {
    this.stats.rejected[rejection.source] = (this.stats.rejected[rejection.source] ?? 0) + 1;
    this.sinks.reject?.(rejection);
  }
}
