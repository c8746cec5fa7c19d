/**
 * Runs `validateChunk` on worker threads, so JSON parsing and zod validation (the compactor's main
 * CPU cost) use the machine's other core(s) and stay off the caller's event loop. With 0 threads,
 * or when workers cannot start (e.g. a bundle that does not ship the worker file), chunks are
 * validated inline, yielding to the event loop between chunks.
 */
import { Worker } from 'node:worker_threads';
import { workerCode, workerModule } from '../worker-script';
import { validateChunk, type ChunkJob, type ChunkResult, type DayPartition } from './validate-lines';

export interface ChunkValidator {
  /** Worker threads in use (0 = inline). */
  readonly threads: number;
  validate(job: ChunkJob): Promise<ChunkResult>;
  close(): Promise<void>;
}

class InlineValidator implements ChunkValidator {
  readonly threads = 0;
  constructor(private readonly day: DayPartition) {}
  async validate(job: ChunkJob): Promise<ChunkResult> {
    await new Promise((r) => setImmediate(r));
    return validateChunk(job, this.day);
  }
  async close(): Promise<void> {}
}

interface Pending {
  resolve: (r: ChunkResult) => void;
  reject: (e: Error) => void;
}

class WorkerValidator implements ChunkValidator {
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];
  private failure: Error | null = null;

  constructor(private readonly workers: Worker[]) {
    this.load = workers.map(() => 0);
    workers.forEach((w, i) => {
      w.on('message', (m: ChunkResult | { seq: number; error: string }) => {
        this.load[i]!--;
        const p = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        if ('error' in m) p?.reject(new Error(`validator thread failed: ${m.error}`));
        else p?.resolve(m);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (this.pending.size) this.fail(new Error(`validator thread exited with code ${code}`));
      });
    });
  }

  get threads(): number {
    return this.workers.length;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  validate(job: ChunkJob): Promise<ChunkResult> {
    if (this.failure) return Promise.reject(this.failure);
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    this.load[best]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(job.seq, { resolve, reject });
      this.workers[best]!.postMessage(job, [job.bytes.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function startWorker(day: DayPartition, url: URL): Promise<Worker> {
  return new Promise((resolve, reject) => {
    // execArgv: [] — not the parent's loader flags (tsx's ESM hooks would start a thread per worker).
    const worker = new Worker(workerCode(url), { eval: true, execArgv: [], workerData: day });
    // One round trip proves the module loaded (an empty chunk validates to nothing).
    const probe: ChunkJob = { seq: -1, bytes: new Uint8Array(0), firstLine: 1, unterminatedTail: false, tailMode: 'quarantine' };
    const onError = (e: Error) => {
      worker.terminate();
      reject(e);
    };
    worker.once('error', onError);
    worker.once('message', () => {
      worker.off('error', onError);
      resolve(worker);
    });
    worker.postMessage(probe);
  });
}

/**
 * A validator with `threads` workers, or inline when `threads` is 0. `onFallback` hears why
 * workers could not be used when that happens.
 */
export async function createValidator(
  day: DayPartition,
  threads: number,
  onFallback?: (reason: string) => void,
): Promise<ChunkValidator> {
  if (threads <= 0) return new InlineValidator(day);
  const url = workerModule(import.meta.url, 'validate-worker');
  if (!url) {
    onFallback?.('validator worker module not found next to the compactor (build without a validate-worker entry?); validating inline');
    return new InlineValidator(day);
  }
  const started = await Promise.allSettled(Array.from({ length: threads }, () => startWorker(day, url)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(workers.map((w) => w.terminate()));
    onFallback?.(`validator threads unavailable (${(failed.reason as Error)?.message ?? failed.reason}); validating inline`);
    return new InlineValidator(day);
  }
  return new WorkerValidator(workers);
}
