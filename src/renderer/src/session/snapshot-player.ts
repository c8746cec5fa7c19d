/**
 * Shows a reopened snapshot: one PlayerState whose messages are the file's backfill, so the store
 * rebuilds that moment through the same reducer as live and replay. No playback: a snapshot is one
 * instant. The timeline spans the snapshot's local day with the cursor at its moment.
 */
import type { Player, PlayerListener, PlayerState } from '../../../shared/player';
import type { SnapshotFile } from '../../../shared/snapshot';
import { localDayBoundsUtc, parseIsoMs } from '../../../shared/time';

export class SnapshotPlayer implements Player {
  private readonly state: PlayerState;

  constructor(file: SnapshotFile) {
    const at = parseIsoMs(file.cursor_utc);
    const [dayStart, dayEnd] = localDayBoundsUtc(file.date, file.time_zone);
    this.state = {
      presence: 'PRESENT',
      mode: file.mode,
      capabilities: [],
      station_id: file.station_id,
      date: file.date,
      start_ms: dayStart,
      end_ms: dayEnd,
      current_ms: at,
      playing: false,
      speed: 1,
      messages: file.backfill,
      seek_id: 1,
      loaded_ranges: [],
      error: null,
    };
  }

  setListener(listener: PlayerListener): void {
    listener(this.state);
  }

  startPlayback(): void {}
  pausePlayback(): void {}
  seekPlayback(): void {}
  setPlaybackSpeed(): void {}
  close(): void {}
}
