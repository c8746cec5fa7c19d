/**
 * What a day's 1 s snapshots say independently of any window setting, and how a setting's windows
 * score against it:
 *   moves       1 s mid moves of at least MOVE_TICKS ticks on a trusted book (both seconds
 *               book_ok, same resync epoch): what an analyst wants tick data around;
 *   changes     level changes per second across the cone (the increase of each token's `seq`,
 *               which counts every change the recorder applied, recorded as a delta or not):
 *               the delta rate inside and outside the windows actually recorded;
 *   recorded    the day's own `event_windows`, to say how many of them a setting finds.
 * A move or a second's changes at snapshot t happened in (t − 1 s, t].
 */
import type { WindowReason } from '../../shared/schemas';

export const MOVE_TICKS = 3;

export interface Interval {
  start: number;
  end: number;
  reasons: WindowReason[];
}

export interface SettingFigures {
  windows: number;
  covered_s: number;
  moves: number;
  moves_in_window: number;
  est_delta_bytes: number;
  /** How many of the day's recorded windows overlap one of the setting's windows. */
  found_recorded: number;
}

interface LastSnapshot {
  t: number;
  seq: number;
  epoch: number;
  ok: boolean;
  mid: number | null;
}

export class DayFigures {
  readonly moves: number[] = [];
  /** Level changes in the second ending at dayStart + (i + 1) s. */
  readonly changes: Float64Array;
  recorded: Interval[] = [];
  private readonly last = new Map<string, LastSnapshot>();

  constructor(
    readonly dayStart: number,
    readonly dayEnd: number,
    /** Parquet bytes per recorded delta. */
    readonly bytesPerDelta: number,
  ) {
    this.changes = new Float64Array(Math.ceil((dayEnd - dayStart) / 1000));
  }

  /** One token's snapshot at `t` (in time order per token). */
  snapshot(t: number, token: string, seq: number, epoch: number, ok: boolean, mid: number | null, tick: number): void {
    const prev = this.last.get(token);
    if (prev) {
      const i = Math.ceil((t - this.dayStart) / 1000) - 1;
      if (seq > prev.seq && i >= 0 && i < this.changes.length) this.changes[i]! += seq - prev.seq;
      if (t - prev.t === 1000 && ok && prev.ok && epoch === prev.epoch && mid !== null && prev.mid !== null && Math.abs(mid - prev.mid) >= MOVE_TICKS * tick - 1e-9) {
        this.moves.push(t);
      }
      prev.t = t;
      prev.seq = seq;
      prev.epoch = epoch;
      prev.ok = ok;
      prev.mid = mid;
    } else this.last.set(token, { t, seq, epoch, ok, mid });
  }

  /** A setting's windows (in time order, never overlapping: one window at a time) against the day. */
  score(windows: readonly Interval[]): SettingFigures {
    let covered = 0;
    let deltas = 0;
    for (const w of windows) {
      const start = Math.max(w.start, this.dayStart);
      const end = Math.min(w.end, this.dayEnd);
      if (end <= start) continue;
      covered += end - start;
      // the changes of second i are spread over [dayStart + i s, dayStart + (i + 1) s)
      for (let i = Math.floor((start - this.dayStart) / 1000); i < this.changes.length && this.dayStart + i * 1000 < end; i++) {
        const from = Math.max(start, this.dayStart + i * 1000);
        const to = Math.min(end, this.dayStart + (i + 1) * 1000);
        if (to > from) deltas += (this.changes[i]! * (to - from)) / 1000;
      }
    }
    let inWindow = 0;
    let k = 0;
    for (const t of this.moves) {
      while (k < windows.length && windows[k]!.end <= t - 1000) k++;
      if (k < windows.length && windows[k]!.start <= t) inWindow++;
    }
    let found = 0;
    let j = 0;
    for (const r of this.recorded) {
      while (j < windows.length && windows[j]!.end <= r.start) j++;
      if (j < windows.length && windows[j]!.start < r.end) found++;
    }
    return {
      windows: windows.length,
      covered_s: covered / 1000,
      moves: this.moves.length,
      moves_in_window: inWindow,
      est_delta_bytes: Math.round(deltas * this.bytesPerDelta),
      found_recorded: found,
    };
  }
}
