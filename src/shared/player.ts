/**
 * One Player interface for live and replay (after Lichtblick's players/): the UI subscribes to
 * PlayerState and never asks which kind of player it has. Playback controls are capabilities:
 * a live player cannot seek.
 */
import type { JumpKind } from './players/jumps';
import type { AnyEvent } from './schemas';

export type PlayerPresence = 'INITIALIZING' | 'BUFFERING' | 'PRESENT' | 'ERROR';
/** 'step': ±seconds and next/previous METAR, event window, shock (`stepSeconds`, `jump`). */
export type PlayerCapability = 'playbackControl' | 'seek' | 'setSpeed' | 'step';

export interface PlayerState {
  presence: PlayerPresence;
  mode: 'live' | 'replay';
  capabilities: readonly PlayerCapability[];
  station_id: string | null;
  /** Station-local day being replayed; null in live mode. */
  date: string | null;
  start_ms: number | null;
  end_ms: number | null;
  current_ms: number | null;
  playing: boolean;
  speed: number;
  /** Events that became current since the previous state, in ts_ingest_utc order. */
  messages: readonly AnyEvent[];
  /**
   * Changes on every seek (and on the first state). When it differs from what a consumer last saw,
   * the consumer drops its state: `messages` then starts with the backfill at `current_ms`.
   */
  seek_id: number;
  /** Time ranges [start, end) whose data is loaded; replay shows them on the timeline. */
  loaded_ranges: ReadonlyArray<readonly [number, number]>;
  error: string | null;
}

export type PlayerListener = (state: PlayerState) => void;

export interface Player {
  setListener(listener: PlayerListener): void;
  startPlayback(): void;
  pausePlayback(): void;
  /** Jump to `ms`; state is rebuilt there (capability 'seek'). */
  seekPlayback(ms: number): void;
  setPlaybackSpeed(speed: number): void;
  /**
   * ±`seconds` (capability 'step'): forward plays that span through (no state reset), back seeks.
   * False when the player cannot.
   */
  stepSeconds(direction: 1 | -1, seconds?: number): boolean;
  /** Seek to the next/previous marker of `kind` (capability 'step'); false when there is none. */
  jump(kind: JumpKind, direction: 1 | -1): boolean;
  close(): void;
}

export const PLAYBACK_SPEEDS = [1, 5, 10, 60, 600] as const;
