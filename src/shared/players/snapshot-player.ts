/**
 * Shows one exported moment again: a Player with no playback that emits the snapshot's backfill
 * once, so the panels rebuild the state through the same reducer as live and replay. The timeline
 * spans the snapshot's local day with the cursor at its moment.
 */
import type { Player, PlayerListener, PlayerState } from '../player';
import type { LoadedSnapshot } from '../snapshot';
import { localDayBoundsUtc } from '../time';
import { stampIngestMs } from '../event-time';

export class SnapshotPlayer implements Player {
  private listener: PlayerListener | null = null;

  constructor(private readonly snapshot: LoadedSnapshot) {}

  setListener(listener: PlayerListener): void {
    this.listener = listener;
    const { file, at_ms } = this.snapshot;
    const [dayStart, dayEnd] = localDayBoundsUtc(file.date, file.time_zone);
    const state: PlayerState = {
      presence: 'PRESENT',
      mode: file.mode,
      capabilities: [],
      station_id: file.station_id,
      date: file.date,
      start_ms: dayStart,
      end_ms: dayEnd,
      current_ms: at_ms,
      playing: false,
      speed: 1,
      messages: file.backfill.map((e) => stampIngestMs(e)),
      seek_id: 1,
      loaded_ranges: [],
      error: null,
    };
    // Delivered asynchronously, like every other player's first state.
    queueMicrotask(() => this.listener?.(state));
  }

  startPlayback(): void {}
  pausePlayback(): void {}
  seekPlayback(): void {}
  setPlaybackSpeed(): void {}
  stepSeconds(): boolean {
    return false;
  }
  jump(): boolean {
    return false;
  }

  close(): void {
    this.listener = null;
  }
}
