/**
 * The recorder's own window logic (window-policy.ts: EventWindowManager + MarketTriggers) for many
 * settings at once, driven by a recorded day's rows instead of live messages:
 *   l2_snap_1s   each second, every token's book is replaced by its snapshot (one shared mirror per
 *                token) and each setting's triggers evaluate it, as if one message had moved the
 *                book there within that second; a new resync epoch (or the book turning trusted)
 *                is a new baseline, as a resync is live; then the whole-second references move on;
 *   metar_obs    each new report is a METAR trigger;
 *   pws_cluster  the cluster turning OUTLIER_LIKELY is a QC trigger;
 *   event_windows (recorded) the analyst's MANUAL windows are replayed as they were asked for.
 * Snapshots hold the top levels once a second, so a move and back within a second is invisible
 * here; the tick is read from the levels (a level off the cent grid: 0.001, else 0.01).
 */
import type { EventWindow, WindowReason } from '../../shared/schemas';
import { parseIsoMs } from '../../shared/time';
import type { RecordingConfig } from '../recorder/config';
import { TokenMirror } from '../recorder/token-mirror';
import { WindowPolicy } from '../recorder/window-policy';
import type { Interval } from './day-figures';

/** One token's snapshot, its sides flattened best first (`count` levels of each). */
export interface SnapshotRow {
  token_id: string;
  market_id: string;
  seq: number;
  epoch: number;
  ok: boolean;
  bidPrices: ArrayLike<number>;
  bidSizes: ArrayLike<number>;
  bidCount: number;
  askPrices: ArrayLike<number>;
  askSizes: ArrayLike<number>;
  askCount: number;
}

/** Collects one setting's windows from its event_windows records. */
export class WindowCollector {
  readonly windows: Interval[] = [];
  private readonly open = new Map<string, Interval>();

  readonly emit = (e: EventWindow): void => {
    const interval = { start: parseIsoMs(e.start_ts), end: parseIsoMs(e.end_ts), reasons: [...e.reasons] as WindowReason[] };
    const known = this.open.get(e.window_id);
    if (known) Object.assign(known, interval);
    else {
      this.open.set(e.window_id, interval);
      this.windows.push(interval);
    }
    if (e.state === 'closed') this.open.delete(e.window_id);
  };
}

/**
 * A window policy per distinct trigger setting, each feeding the windows of every config that has
 * it (what fires never depends on window lengths): one collector per config, in config order.
 */
export function policiesFor(station: string, configs: readonly RecordingConfig[]): { policies: WindowPolicy[]; collectors: WindowCollector[] } {
  const collectors = configs.map(() => new WindowCollector());
  const groups = new Map<string, number[]>();
  configs.forEach((c, i) => {
    const key = JSON.stringify(c.triggers);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const policies = [...groups.values()].map(
    (members) => new WindowPolicy(station, configs[members[0]!]!.triggers, members.map((i) => ({ windows: configs[i]!.windows, emit: (record) => collectors[i]!.emit(record) }))),
  );
  return { policies, collectors };
}

export class WindowReplay {
  readonly collectors: WindowCollector[];
  private readonly policies: WindowPolicy[];
  private readonly mirrors = new Map<string, TokenMirror>();

  constructor(station: string, configs: readonly RecordingConfig[]) {
    ({ policies: this.policies, collectors: this.collectors } = policiesFor(station, configs));
  }

  /** Every token's snapshot at the whole second `t` (after the inputs before `t`). */
  second(t: number, rows: readonly SnapshotRow[]): void {
    this.confirmRegimes(t, false);
    for (const row of rows) {
      let mirror = this.mirrors.get(row.token_id);
      if (!mirror) {
        mirror = new TokenMirror({ token_id: row.token_id, market_id: row.market_id, bucket: '' }, 0.01);
        this.mirrors.set(row.token_id, mirror);
        for (const p of this.policies) p.follow(mirror);
      }
      const rebase = row.ok && (!mirror.ok || row.epoch !== mirror.epoch);
      mirror.book.bids.assign(row.bidPrices, row.bidSizes, row.bidCount);
      mirror.book.asks.assign(row.askPrices, row.askSizes, row.askCount);
      mirror.ok = row.ok;
      mirror.epoch = row.epoch;
      mirror.seq = row.seq;
      mirror.tick = tickOf(row);
      if (!row.ok) continue;
      for (const p of this.policies) {
        if (rebase) p.rebased(mirror);
        else p.bookChanged(mirror, t);
      }
    }
    for (const p of this.policies) p.onSecond();
    this.confirmRegimes(t, true);
  }

  metar(t: number, detail: string, correlation: string): void {
    for (const p of this.policies) p.metar(t, detail, correlation);
  }

  qc(t: number, detail: string): void {
    for (const p of this.policies) p.qc(t, detail);
  }

  manual(t: number, durationMs: number, detail: string): void {
    for (const p of this.policies) p.manual(t, durationMs, detail);
  }

  /** The end of the data: open windows close there. */
  finish(t: number): void {
    this.confirmRegimes(t, true);
    for (const p of this.policies) p.close(t, 'end of the data');
  }

  /** Spread regimes that have held long enough, at their own instants (before `t`, or up to it). */
  private confirmRegimes(t: number, inclusive: boolean): void {
    for (const p of this.policies) {
      while (p.regimeDueMs < t || (inclusive && p.regimeDueMs === t)) p.confirmRegimes(p.regimeDueMs);
    }
  }
}

/** 0.001 when a level sits off the cent grid (the venue's fine tick near 0 and 1), else 0.01. */
export function tickOf(row: Pick<SnapshotRow, 'bidPrices' | 'bidCount' | 'askPrices' | 'askCount'>): number {
  const off = (p: number) => Math.abs(p * 100 - Math.round(p * 100)) > 1e-6;
  for (let i = 0; i < row.bidCount; i++) if (off(row.bidPrices[i]!)) return 0.001;
  for (let i = 0; i < row.askCount; i++) if (off(row.askPrices[i]!)) return 0.001;
  return 0.01;
}
