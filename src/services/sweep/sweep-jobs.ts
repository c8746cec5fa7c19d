/**
 * HeliosApi's window-sweep operations for every shell (Electron main and the browser bridge):
 * `startSweep` checks the day and the grid, then runs the sweep on a worker thread (its loop is
 * seconds of CPU: never on the thread that answers the UI); `sweepStatus` reports progress and,
 * once done, the report. Finished jobs are kept a while for their last poll.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { SweepJobStatus } from '../../shared/api';
import { describeZodError } from '../../shared/registry';
import { ApiArgsError, assertRealPathInside, parseApiArgs } from '../api-data';
import type { DataRoot } from '../data-root';
import { workerCode, workerModule } from '../worker-script';
import { gridSchema } from './grid';
import type { SweepJobInput, SweepWorkerMessage } from './sweep-worker';

const KEEP_FINISHED_MS = 10 * 60_000;
const MAX_RUNNING = 2;

interface Job {
  status: SweepJobStatus;
  finishedAt: number | null;
}

export interface SweepApi {
  startSweep(...args: unknown[]): Promise<{ job: string }>;
  sweepStatus(...args: unknown[]): Promise<SweepJobStatus>;
}

export function createSweepApi(root: () => DataRoot): SweepApi {
  const jobs = new Map<string, Job>();
  const prune = () => {
    for (const [id, j] of jobs) if (j.finishedAt !== null && Date.now() - j.finishedAt > KEEP_FINISHED_MS) jobs.delete(id);
  };
  return {
    async startSweep(...args) {
      const [{ station_id, date, grid }] = parseApiArgs('startSweep', args);
      const parsedGrid = grid === undefined ? undefined : gridSchema.safeParse(grid);
      if (parsedGrid && !parsedGrid.success) throw new ApiArgsError(`startSweep: grid: ${describeZodError(parsedGrid.error)}`);
      const dataRoot = root();
      await assertRealPathInside(dataRoot, dataRoot.manifestFile({ station_id, date }), `no compacted day ${station_id} ${date}`);
      prune();
      if ([...jobs.values()].filter((j) => j.status.state === 'running').length >= MAX_RUNNING) throw new Error(`${MAX_RUNNING} sweeps are running already; wait for one to finish`);
      const id = randomBytes(8).toString('hex');
      const job: Job = { status: { job: id, state: 'running', fraction: 0, report: null, error: null }, finishedAt: null };
      jobs.set(id, job);
      const finish = (status: Partial<SweepJobStatus>) => {
        if (job.finishedAt !== null) return;
        Object.assign(job.status, status);
        job.finishedAt = Date.now();
      };
      const input: SweepJobInput = { root: dataRoot.root, station_id, date, grid: parsedGrid?.data };
      const module = workerModule(import.meta.url, 'sweep-worker');
      if (!module) {
        finish({ state: 'failed', error: 'the sweep worker is missing from this build' });
        return { job: id };
      }
      const worker = new Worker(workerCode(module), { eval: true, execArgv: [], workerData: input });
      worker.on('message', (m: SweepWorkerMessage) => {
        if (m.type === 'progress') job.status.fraction = m.fraction;
        else if (m.type === 'done') finish({ state: 'done', fraction: 1, report: m.report });
        else finish({ state: 'failed', error: m.message });
      });
      worker.on('error', (e) => finish({ state: 'failed', error: e.message }));
      worker.on('exit', (code) => finish({ state: 'failed', error: `the sweep worker stopped (exit ${code})` }));
      return { job: id };
    },
    async sweepStatus(...args) {
      const [{ job }] = parseApiArgs('sweepStatus', args);
      const found = jobs.get(job);
      if (!found) throw new Error(`no sweep ${job} (finished sweeps are kept ${KEEP_FINISHED_MS / 60_000} min)`);
      return structuredClone(found.status);
    },
  };
}
