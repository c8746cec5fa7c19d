/**
 * First start: when the data root has no day at all, a demo past day is synthesized in its own
 * utility process (see demo-worker.ts) while live recording starts at once. Main learns when it is
 * there and tells the UI, which re-lists the days.
 */
import { DataRoot } from '../services/data-root';
import type { DemoResult } from '../services/demo';
import type { FromDemoProcess, ToDemoProcess } from './demo-worker';
import type { UtilityChild } from './utility-child';
import type { DayRef } from '../shared/api';

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
      else if (message.type === 'done') result = message.result;
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

/** Compact `day` of `dataRoot` again in a one-shot utility process; its summary, or its error. */
export function recompactInChild(opts: { fork: () => DemoChild; dataRoot: string; day: DayRef }): Promise<{ summary: string }> {
  const child = opts.fork();
  return new Promise((resolve, reject) => {
    let settled = false;
    child.on('spawn', () => child.postMessage({ type: 'recompact', data_root: opts.dataRoot, ...opts.day }));
    child.on('message', (message) => {
      if (message.type === 'recompacted') (settled = true), resolve({ summary: message.summary });
      else if (message.type === 'failed') (settled = true), reject(new Error(message.message));
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`the compaction process exited (code ${code}) before finishing`));
    });
  });
}
