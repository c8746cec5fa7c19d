/**
 * Entry of a compaction child process: `compactInChildProcess` (child-compaction.ts) forks one
 * per pass, so a compaction never runs in the recorder's process. It lowers its own priority
 * before starting any thread (the threads it starts — validators, DuckDB's — inherit it), compacts
 * the day it is sent, reports warnings and the result over IPC, and exits.
 */
import { readdirSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { compactDay, type CompactDayOptions, type CompactDayResult } from './compact-day';
import { DayBusyError, NoJournalError } from './errors';

/** What the parent sends: compactDay's options that cross a process boundary. */
export type ChildCompactOptions = Omit<CompactDayOptions, 'dataRoot' | 'now' | 'onProgress' | 'onWarning'> & {
  dataRoot: string;
  /** The manifest's generated_at (epoch ms). */
  nowMs: number;
};

export type ToCompactProcess = { type: 'compact'; options: ChildCompactOptions };
export type FromCompactProcess =
  | { type: 'warning'; message: string }
  | { type: 'done'; result: CompactDayResult }
  | { type: 'failed'; kind: 'busy' | 'no-journal' | 'failed'; message: string };

/** Every thread of this process at the lowest priority (Linux sets priorities per thread). */
function lowerPriority(): void {
  const threads = process.platform === 'linux' ? readdirSync('/proc/self/task').map(Number) : [0];
  for (const tid of threads) {
    try {
      setPriority(tid, constants.priority.PRIORITY_LOW);
    } catch {
      // a thread that ended meanwhile, or a platform that refuses: the compaction runs anyway
    }
  }
}

const send = (m: FromCompactProcess) => new Promise<void>((resolve) => process.send!(m, undefined, undefined, () => resolve()));

lowerPriority();
process.once('message', (m: ToCompactProcess) => {
  void (async () => {
    const { nowMs, ...options } = m.options;
    try {
      const result = await compactDay({ ...options, now: () => nowMs, onWarning: (message) => void send({ type: 'warning', message }) });
      await send({ type: 'done', result });
    } catch (e) {
      const kind = e instanceof DayBusyError ? 'busy' : e instanceof NoJournalError ? 'no-journal' : 'failed';
      await send({ type: 'failed', kind, message: (e as Error).message });
    }
    process.disconnect();
    process.exit(0);
  })();
});
