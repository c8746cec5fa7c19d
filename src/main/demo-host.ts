/**
 * First start: when the data root has no day at all, a demo past day is synthesized in its own
 * utility process (see demo-worker.ts) while live recording starts at once. Main learns when it is
 * there and tells the UI, which re-lists the days.
 */
import { DataRoot } from '../services/data-root';
import type { DemoResult } from '../services/demo';
import type { FromDemoProcess, ToDemoProcess } from './demo-worker';
import type { UtilityChild } from './utility-child';

export type DemoChild = UtilityChild<ToDemoProcess, FromDemoProcess>;

/** A root is new when nothing was ever recorded or compacted in it. */
export async function isEmptyDataRoot(root: DataRoot): Promise<boolean> {
  return (await root.parquetDays()).length === 0 && (await root.journalDays()).length === 0;
}

export interface DemoRun {
  /** The synthesized day, or null when it failed or was cancelled (already logged). */
  done: Promise<DemoResult | null>;
  cancel(): void;
}

export function synthesizeDemoDay(opts: {
  fork: () => DemoChild;
  dataRoot: string;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}): DemoRun {
  const child = opts.fork();
  let cancelled = false;
  const done = new Promise<DemoResult | null>((resolve) => {
    let result: DemoResult | null = null;
    child.on('spawn', () => child.postMessage({ type: 'synthesize', data_root: opts.dataRoot }));
    child.on('message', (message) => {
      if (message.type === 'progress') opts.log('info', `demo: ${message.message}`);
      else if (message.type === 'failed') opts.log('error', `demo day not synthesized: ${message.message}`);
      else result = message.result;
    });
    child.on('error', (type, location) => opts.log('error', `demo process: ${type} at ${location}`));
    child.on('exit', (code) => {
      if (!result && !cancelled) opts.log('error', `demo process exited (code ${code}) before finishing`);
      resolve(cancelled ? null : result);
    });
  });
  return {
    done,
    cancel() {
      cancelled = true;
      child.kill(); // an interrupted demo day is started over next time (ensureDemoData's marker)
    },
  };
}
