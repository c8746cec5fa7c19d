/**
 * Entry of the compaction process (child-compaction.ts forks it), so a compaction never runs in
 * the recorder's process. It lowers its own priority before starting any thread (the threads it
 * starts — validators, DuckDB's — inherit it), then compacts each day it is sent, one at a time,
 * reporting warnings and results over IPC; it ends when its parent disconnects. Staying up
 * between passes keeps its code compiled and the day's event ids indexed (compact-day.ts).
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

export type ToCompactProcess = { type: 'compact'; id: number; options: ChildCompactOptions };
export type FromCompactProcess =
  | { type: 'warning'; id: number; message: string }
  | { type: 'done'; id: number; result: CompactDayResult }
  | { type: 'failed'; id: number; kind: 'busy' | 'no-journal' | 'failed'; message: string };

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

let queue = Promise.resolve();
lowerPriority();
process.on('message', (m: ToCompactProcess) => {
  queue = queue.then(async () => {
    const { nowMs, ...options } = m.options;
    try {
      const result = await compactDay({ ...options, now: () => nowMs, onWarning: (message) => void send({ type: 'warning', id: m.id, message }) });
      await send({ type: 'done', id: m.id, result });
    } catch (e) {
      const kind = e instanceof DayBusyError ? 'busy' : e instanceof NoJournalError ? 'no-journal' : 'failed';
      await send({ type: 'failed', id: m.id, kind, message: (e as Error).message });
    }
  });
});
// The parent is done with it (or gone): finish the pass under way, then end.
process.on('disconnect', () => void queue.then(() => process.exit(0)));
