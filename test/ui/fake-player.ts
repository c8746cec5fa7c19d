/**
 * An in-memory Player over a sorted event list, driven by hand (`advance(ms)`) so tests control
 * time. A seek emits every event up to t as the backfill (the reducer then reconstructs the state),
 * which is what a real player's backfill must be equivalent to.
 */
import type { Marker } from '../../src/shared/manifest';
import type { Player, PlayerListener, PlayerState } from '../../src/shared/player';
import { jumpTarget, type JumpKind } from '../../src/shared/players/jumps';
import type { AnyEvent } from '../../src/shared/schemas';

export class FakePlayer implements Player {
  private listener: PlayerListener = () => {};
  private cursor = 0; // index of the first event not yet emitted
  state: PlayerState;
  closed = false;
  readonly calls: string[] = [];

  constructor(
    private readonly events: readonly AnyEvent[],
    range: { start_ms: number; end_ms: number },
    mode: 'live' | 'replay' = 'replay',
    private readonly markers: readonly Marker[] = [],
  ) {
    this.state = {
      presence: 'PRESENT',
      mode,
      capabilities: mode === 'replay' ? ['playbackControl', 'seek', 'setSpeed', 'step'] : [],
      station_id: 'KLGA',
      date: mode === 'replay' ? '2026-01-29' : null,
      start_ms: range.start_ms,
      end_ms: range.end_ms,
      current_ms: range.start_ms,
      playing: false,
      speed: 1,
      messages: [],
      seek_id: 1,
      loaded_ranges: [[range.start_ms, range.end_ms]],
      error: null,
    };
  }

  setListener(listener: PlayerListener): void {
    this.listener = listener;
    this.emit([]);
  }

  startPlayback(): void {
    this.calls.push('play');
    this.state = { ...this.state, playing: true };
    this.emit([]);
  }

  pausePlayback(): void {
    this.calls.push('pause');
    this.state = { ...this.state, playing: false };
    this.emit([]);
  }

  seekPlayback(ms: number): void {
    this.calls.push(`seek:${ms}`);
    this.cursor = this.indexAfter(ms);
    this.state = { ...this.state, current_ms: ms, seek_id: this.state.seek_id + 1 };
    this.emit(this.events.slice(0, this.cursor));
  }

  setPlaybackSpeed(speed: number): void {
    this.calls.push(`speed:${speed}`);
    this.state = { ...this.state, speed };
    this.emit([]);
  }

  stepSeconds(direction: 1 | -1, seconds = 1): boolean {
    const current = this.state.current_ms!;
    this.seekPlayback(Math.min(this.state.end_ms!, Math.max(this.state.start_ms!, current + direction * seconds * 1000)));
    return true;
  }

  jump(kind: JumpKind, direction: 1 | -1): boolean {
    const target = jumpTarget(this.markers, kind, this.state.current_ms!, direction);
    if (target) this.seekPlayback(target.ms);
    return target !== null;
  }

  close(): void {
    this.closed = true;
  }

  /** Advance the virtual clock by `wallMs` × speed, emitting what became current. */
  advance(wallMs: number): void {
    const to = Math.min(this.state.end_ms!, this.state.current_ms! + wallMs * this.state.speed);
    const next = this.indexAfter(to);
    const messages = this.events.slice(this.cursor, next);
    this.cursor = next;
    this.state = { ...this.state, current_ms: to };
    this.emit(messages);
  }

  private indexAfter(ms: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Date.parse(this.events[mid]!.ts_ingest_utc) <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private emit(messages: readonly AnyEvent[]): void {
    this.state = { ...this.state, messages };
    this.listener(this.state);
  }
}
