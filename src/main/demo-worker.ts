/**
 * The demo day's one-shot process (Electron utilityProcess): synthesizes and compacts a past day
 * into a fresh data root while the recorder process already records live, so neither waits for
 * the other and the live loop never shares a thread with the synthesis. The same process, forked
 * on demand, compacts a damaged day again from its journal (*Re-compact this day*), so main never
 * compacts on its own thread. Electron-free for tests.
 */
import type { DemoOptions, DemoResult } from '../services/demo';
import type { DayRef } from '../shared/api';

/** `hours` (a slice of the local day, as DemoOptions) keeps tests of the built process short. */
export type ToDemoProcess =
  | { type: 'synthesize'; data_root: string; hours?: [number, number] }
  | { type: 'recompact'; data_root: string; station_id: string; date: string };
export type FromDemoProcess =
  | { type: 'progress'; message: string }
  | { type: 'done'; result: DemoResult }
  | { type: 'recompacted'; summary: string }
  | { type: 'failed'; message: string };

export type Recompact = (dataRoot: string, day: DayRef) => Promise<{ summary: string }>;

export interface DemoPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: FromDemoProcess): void;
}

export type EnsureDemoData = (dataRoot: string, options: DemoOptions) => Promise<DemoResult>;

export function runDemoWorker(port: DemoPort, ensure: EnsureDemoData, exit: (code: number) => void = (c) => process.exit(c), recompact?: Recompact): void {
  let started = false;
  port.on('message', ({ data }) => {
    const message = data as ToDemoProcess;
    if (started) return;
    if (message.type === 'recompact' && recompact) {
      started = true;
      recompact(message.data_root, { station_id: message.station_id, date: message.date }).then(
        ({ summary }) => {
          port.postMessage({ type: 'recompacted', summary });
          exit(0);
        },
        (e: unknown) => {
          port.postMessage({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
          exit(1);
        },
      );
      return;
    }
    if (message.type !== 'synthesize') return;
    started = true;
    // Main checked that the root had no day before recording started; `force` keeps the live
    // recorder's first compaction of today from making ensureDemoData think a day already exists.
    ensure(message.data_root, {
      force: true,
      ...(message.hours ? { hours: message.hours } : {}),
      onProgress: (m) => port.postMessage({ type: 'progress', message: m }),
    }).then(
      (result) => {
        port.postMessage({ type: 'done', result });
        exit(0);
      },
      (e: unknown) => {
        port.postMessage({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
        exit(1);
      },
    );
  });
}
