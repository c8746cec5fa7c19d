/**
 * The app's daily retention (a setting, off by default): one run shortly after start, then one
 * every day, in the recorder's process next to the periodic compaction. A run never overlaps the
 * previous one; its outcome goes to the log.
 */
import type { DataRoot } from '../data-root';
import type { RetentionPolicy } from './policy';
import { applyRetention, type RetentionReport } from './retention';

export const RETENTION_EVERY_MS = 24 * 3_600_000;
/** After start, let the recording and the catch-up compaction settle first. */
export const RETENTION_FIRST_DELAY_MS = 10 * 60_000;

export interface DailyRetentionOptions {
  dataRoot: DataRoot;
  policy: RetentionPolicy;
  everyMs?: number;
  firstDelayMs?: number;
  onReport?(report: RetentionReport): void;
  onError?(error: Error): void;
}

export interface DailyRetention {
  /** Waits for a run in progress. */
  stop(): Promise<void>;
}

export function startDailyRetention(options: DailyRetentionOptions): DailyRetention {
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = applyRetention({ dataRoot: options.dataRoot, policy: options.policy })
      .then((report) => options.onReport?.(report), (e: unknown) => options.onError?.(e as Error))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(run, options.firstDelayMs ?? RETENTION_FIRST_DELAY_MS);
  const timer = setInterval(run, options.everyMs ?? RETENTION_EVERY_MS);
  first.unref?.();
  timer.unref?.();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
