/** A window sweep on its own thread (started by sweep-jobs.ts): progress and the report go back as messages. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Grid } from './grid';
import { reportOf, sweepRecordedDays } from './sweep';

export interface SweepJobInput {
  root: string;
  station_id: string;
  date: string;
  grid?: Grid;
}

export type SweepWorkerMessage = { type: 'progress'; fraction: number } | { type: 'done'; report: ReturnType<typeof reportOf> } | { type: 'error'; message: string };

const input = workerData as SweepJobInput;
const post = (m: SweepWorkerMessage) => parentPort!.postMessage(m);
sweepRecordedDays({ dataRoot: input.root, station: input.station_id, dates: [input.date], grid: input.grid, onProgress: (p) => post({ type: 'progress', fraction: p.fraction }) }).then(
  (result) => post({ type: 'done', report: reportOf(result) }),
  (e: unknown) => post({ type: 'error', message: (e as Error).message }),
);
