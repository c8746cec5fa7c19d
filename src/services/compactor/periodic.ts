/**
 * Incremental compaction for a live recorder: every `everyMs` a pass compacts what the recorder
 * has appended to the current local day's journal since the last pass (into new part files), and
 * once the station's local midnight has passed, the previous day gets its final pass (after
 * `graceMs`, so the recorder's last batch of the old day has landed), which merges its parts.
 *
 * Every pass runs in the compaction process (child-compaction.ts: a child process at the lowest
 * priority, with one validator thread, two DuckDB threads and bounded memory by default, started
 * on the first pass and kept until `stop`), so the recorder's event loop only sends a message and
 * receives the result. A tick never overlaps the previous one; a day
 * locked by another process (e.g. a manual `helios compact`) is skipped until the next tick.
 */
import { stat } from 'node:fs/promises';
import type { DayRef } from '../../shared/api';
import { DataRoot } from '../data-root';
import { getStation } from '../../shared/stations';
import { localDate, localDayBoundsUtc } from '../../shared/time';
import type { CompactDayResult } from './compact-day';
import { CHILD_DEFAULTS, CompactionProcess } from './child-compaction';
import { DayBusyError, NoJournalError } from './errors';
import type { EngineOptions } from './parquet-writer';

export interface PeriodicCompactionOptions {
  dataRoot: string | DataRoot;
  station: string;
  /** Interval between compactions of the current day (e.g. 10 min). */
  everyMs: number;
  /** Clock in epoch ms (injectable for tests and accelerated simulations). Default Date.now. */
  now?: () => number;
  /** Wait after local midnight before the previous day's final compaction. Default 2 min. */
  graceMs?: number;
  /** Validator threads per compaction. Default 1, leaving a core to the live process. */
  threads?: number;
  /** DuckDB threads and memory limit per compaction (default 2 threads, 1 GB). */
  engine?: EngineOptions;
  /** V8 heap limit of the compaction process, MB (default 1024). */
  maxHeapMb?: number;
  /** Compact right away instead of after the first interval. Default true. */
  runImmediately?: boolean;
  onCompacted?: (result: CompactDayResult, kind: 'current' | 'final') => void;
  onError?: (error: Error, date: string) => void;
  /** What a compaction warns about (e.g. validating inline because the worker is missing). */
  onWarning?: (message: string, date: string) => void;
}

export interface PeriodicCompaction {
  /** Run one tick now (waits for a running one first). */
  runNow(): Promise<void>;
  /** Stop the timer, wait for a running compaction to finish, and end the compaction process. */
  stop(): Promise<void>;
}

const MAX_FINAL_ATTEMPTS = 3;

/**
 * Whether a past day still needs its final compaction (e.g. the process was down at midnight):
 * it has a journal and either no manifest or one of a live pass.
 */
async function lastCompactedWhileLive(root: DataRoot, day: DayRef): Promise<boolean> {
  try {
    await stat(root.journalDir(day));
  } catch {
    return false;
  }
  try {
    return !(await root.readManifest(day)).closed;
  } catch {
    return true;
  }
}

export function startPeriodicCompaction(options: PeriodicCompactionOptions): PeriodicCompaction {
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 120_000;
  const timeZone = getStation(options.station).timeZone;
  const dataRoot = typeof options.dataRoot === 'string' ? new DataRoot(options.dataRoot) : options.dataRoot;
  let lastDate = localDate(now(), timeZone);
  /** Days whose final compaction is still owed: earliest time to do it and attempts so far. */
  const owed = new Map<string, { due: number; attempts: number }>();
  const compaction = new CompactionProcess({ maxHeapMb: options.maxHeapMb });
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const compact = async (date: string, kind: 'current' | 'final'): Promise<boolean> => {
    try {
      const result = await compaction.compact(
        {
          dataRoot: dataRoot.root,
          station: options.station,
          date,
          threads: options.threads ?? CHILD_DEFAULTS.threads,
          engine: options.engine ?? CHILD_DEFAULTS.engine,
          tailMode: kind === 'current' ? 'pending' : 'quarantine',
          nowMs: now(),
        },
        options.onWarning ? (m) => options.onWarning!(m, date) : undefined,
      );
      options.onCompacted?.(result, kind);
      return true;
    } catch (e) {
      if (e instanceof DayBusyError) return false;
      // A day without a journal (nothing recorded yet, or ever) has nothing to compact.
      if (e instanceof NoJournalError) return true;
      options.onError?.(e as Error, date);
      return false;
    }
  };

  let checkedYesterday = false;
  const tick = async () => {
    const t = now();
    const today = localDate(t, timeZone);
    if (!checkedYesterday) {
      checkedYesterday = true;
      const yesterday = localDate(localDayBoundsUtc(today, timeZone)[0] - 1, timeZone);
      if (await lastCompactedWhileLive(dataRoot, { station_id: options.station, date: yesterday })) {
        owed.set(yesterday, { due: localDayBoundsUtc(today, timeZone)[0] + graceMs, attempts: 0 });
      }
    }
    if (today !== lastDate) {
      owed.set(lastDate, { due: t + graceMs, attempts: 0 });
      lastDate = today;
    }
    for (const [date, debt] of [...owed]) {
      if (t < debt.due) continue;
      debt.attempts++;
      if ((await compact(date, 'final')) || debt.attempts >= MAX_FINAL_ATTEMPTS) owed.delete(date);
    }
    await compact(today, 'current');
  };

  const runNow = async () => {
    while (running) await running;
    running = tick().finally(() => {
      running = null;
    });
    await running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      runNow().finally(schedule);
    }, options.everyMs);
    timer.unref?.();
  };

  if (options.runImmediately ?? true) runNow().finally(schedule);
  else schedule();

  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running) await running;
      await compaction.close();
    },
  };
}
