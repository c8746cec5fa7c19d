/**
 * Shows one exported moment again: a Player with no playback that emits the snapshot's backfill
 * once, so the panels rebuild the state through the same reducer as live and replay.
 */
import type { Player, PlayerListener, PlayerState } from '../player';
import type { LoadedSnapshot } from '../snapshot';

export class SnapshotPlayer implements Player {
  private listener: PlayerListener | null = null;

  constructor(private readonly snapshot: LoadedSnapshot) {}

  setListener(listener: PlayerListener): void {
    this.listener = listener;
    const { file, at_ms } = this.snapshot;
    const state: PlayerState = {
      presence: 'PRESENT',
      mode: 'replay',
      capabilities: [],
      station_id: file.station_id,
      date: file.date,
      start_ms: at_ms,
      end_ms: at_ms,
      current_ms: at_ms,
      playing: false,
      speed: 1,
      messages: file.backfill,
      seek_id: 1,
      loaded_ranges: [[at_ms, at_ms + 1]],
      error: null,
    };
    // Delivered asynchronously, like every other player's first state.
    queueMicrotask(() => this.listener?.(state));
  }

  startPlayback(): void {}
  pausePlayback(): void {}
  seekPlayback(): void {}
  setPlaybackSpeed(): void {}

  close(): void {
    this.listener = null;
  }
}
