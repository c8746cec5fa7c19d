/**
 * Robust summary of the personal weather stations around the airport (`pws_cluster`). Keeps the
 * latest reading of each station; a reading counts while it is fresh (its own obs time within
 * `freshS` of now). Median and MAD (raw median absolute deviation, °F, not rescaled) over the fresh
 * readings; `support` = how many. QC, most severe first:
 *   STALE           no fresh reading at all (median/mad repeat the last known values)
 *   OUTLIER_LIKELY  a station's reading, or the cluster median, moved by more than k·MAD in one update
 *   DEGRADED        fewer fresh stations than `minSupport`
 *   OK
 * MAD is floored at `madFloorF` for the jump test so that a perfectly agreeing cluster does not
 * flag a 0.1 °F move.
 */
import type { QcState } from '../../shared/schemas';
import type { PwsReading } from '../sources/source';
import type { RecordingConfig } from './config';

export interface ClusterUpdate {
  median: number;
  mad: number;
  support: number;
  qc_state: QcState;
  /** Newest obs time among the readings the summary is built from. */
  obs_time_ms: number;
  /** Fresh station ids, sorted. */
  pws_ids: string[];
  /** Why the state is what it is (for logs and window details). */
  detail: string;
}

export class PwsClusterTracker {
  private readonly latest = new Map<string, { temp_f: number; obs_time_ms: number }>();
  private last: ClusterUpdate | null = null;

  constructor(private readonly config: RecordingConfig['pws']) {}

  get lastUpdate(): ClusterUpdate | null {
    return this.last;
  }

  /** Fold a batch of readings in and summarize. Null when nothing was ever fresh (nothing to report). */
  update(readings: readonly PwsReading[], nowMs: number): ClusterUpdate | null {
    const floor = Math.max(this.last?.mad ?? 0, this.config.madFloorF);
    const limit = this.config.outlierK * floor;
    const jumped: string[] = [];
    for (const r of readings) {
      const previous = this.latest.get(r.pws_id);
      if (previous && r.obs_time_ms < previous.obs_time_ms) continue; // late delivery of an older reading
      if (previous && Math.abs(r.temp_f - previous.temp_f) > limit) {
        jumped.push(`${r.pws_id} ${previous.temp_f}→${r.temp_f}°F`);
      }
      this.latest.set(r.pws_id, { temp_f: r.temp_f, obs_time_ms: r.obs_time_ms });
    }
    const next = this.summarize(nowMs);
    if (!next) return null;
    if (next.qc_state !== 'STALE' && this.last) {
      const moved = Math.abs(next.median - this.last.median);
      const clusterLimit = this.config.outlierK * Math.max(next.mad, this.config.madFloorF);
      if (moved > clusterLimit) jumped.push(`cluster median ${this.last.median}→${next.median}°F`);
    }
    if (next.qc_state !== 'STALE' && jumped.length > 0) {
      next.qc_state = 'OUTLIER_LIKELY';
      next.detail = `jump over ${this.config.outlierK}·MAD: ${jumped.join(', ')}`;
    }
    this.last = next;
    return next;
  }

  /**
   * A STALE summary when every reading has aged out since the last (non-STALE) summary; null
   * otherwise. Lets the recorder report staleness even when the PWS feed goes silent.
   */
  checkStale(nowMs: number): ClusterUpdate | null {
    if (!this.last || this.last.qc_state === 'STALE') return null;
    const next = this.summarize(nowMs);
    if (!next || next.qc_state !== 'STALE') return null;
    this.last = next;
    return next;
  }

  /** When the freshest reading stops counting (ms), or null when none is fresh. */
  staleAt(): number | null {
    let newest = -Infinity;
    for (const r of this.latest.values()) newest = Math.max(newest, r.obs_time_ms);
    return Number.isFinite(newest) ? newest + this.config.freshS * 1000 : null;
  }

  private summarize(nowMs: number): ClusterUpdate | null {
    const freshAfter = nowMs - this.config.freshS * 1000;
    const ids: string[] = [];
    const temps: number[] = [];
    let newest = -Infinity;
    for (const [id, r] of this.latest) {
      if (r.obs_time_ms < freshAfter) continue;
      ids.push(id);
      temps.push(r.temp_f);
      newest = Math.max(newest, r.obs_time_ms);
    }
    if (temps.length === 0) {
      if (!this.last) return null;
      return {
        median: this.last.median,
        mad: this.last.mad,
        support: 0,
        qc_state: 'STALE',
        obs_time_ms: this.last.obs_time_ms,
        pws_ids: [],
        detail: `no reading newer than ${this.config.freshS} s`,
      };
    }
    const median = medianOf(temps);
    const mad = medianOf(temps.map((t) => Math.abs(t - median)));
    const support = temps.length;
    const degraded = support < this.config.minSupport;
    return {
      median: round(median),
      mad: round(mad),
      support,
      qc_state: degraded ? 'DEGRADED' : 'OK',
      obs_time_ms: newest,
      pws_ids: ids.sort(),
      detail: degraded ? `support ${support} < ${this.config.minSupport}` : 'ok',
    };
  }
}

export function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
