/**
 * Decoding row groups of a day's channel files to Arrow IPC: on a small pool of Web Workers when
 * the platform has them (the UI thread stays free and two row groups decode in parallel), else on
 * the calling thread. Either way only the byte ranges a row group needs are read.
 */
import type { Channel } from '../../../shared/channels';
import { AbortError } from '../../../shared/players/event-source';
import type { WorkerReply, WorkerRequest } from './decode-protocol';
import { decodeRowGroups, openParquet, type DecodeOptions, type OpenedParquet, type ReadRange } from './parquet';

export interface Decoder {
  /** Open a channel's file (reads its footer); resolves to its row-group count. */
  open(ch: Channel): Promise<number>;
  /**
   * Row groups (optionally some columns, some rows) as an Arrow IPC stream. `urgent` work (what a
   * seek waits for) is started before queued read-ahead.
   */
  decode(ch: Channel, rowGroups: number[], options?: DecodeOptions & { urgent?: boolean }): Promise<Uint8Array>;
  /**
   * Forget read-ahead not started yet (a seek made it moot): those decodes reject with an
   * AbortError instead of taking worker time from what the seek needs.
   */
  dropQueued(): void;
  /** Bytes and range requests read so far, and time spent decoding (in workers, if any). */
  io(): { bytesRead: number; requests: number; decodeMs: number };
  close(): void;
}

export interface ChannelFile {
  size: number;
  read: ReadRange;
}

/** On the calling thread. */
export function inlineDecoder(files: (ch: Channel) => ChannelFile): Decoder {
  const opened = new Map<Channel, Promise<OpenedParquet>>();
  const open = (ch: Channel) => {
    let f = opened.get(ch);
    if (!f) {
      const { size, read } = files(ch);
      f = openParquet(size, read);
      f.catch(() => opened.delete(ch));
      opened.set(ch, f);
    }
    return f;
  };
  let decodeMs = 0;
  const all: OpenedParquet[] = [];
  return {
    open: async (ch) => (await open(ch)).rowGroups,
    decode: async (ch, rowGroups, { urgent: _urgent, ...options } = {}) => {
      const parquet = await open(ch);
      if (!all.includes(parquet)) all.push(parquet);
      const t0 = performance.now();
      const ipc = await decodeRowGroups(parquet, rowGroups, options);
      decodeMs += performance.now() - t0;
      return ipc;
    },
    dropQueued: () => {},
    io: () => ({
      bytesRead: all.reduce((n, o) => n + o.range.bytesRead, 0),
      requests: all.reduce((n, o) => n + o.range.requests, 0),
      decodeMs,
    }),
    close: () => {
      for (const f of opened.values()) void f.then((o) => o.file.free()).catch(() => {});
      opened.clear();
    },
  };
}

/** A pool of decode workers; byte ranges are read here and handed to them. */
export function workerDecoder(files: (ch: Channel) => ChannelFile, size = 2): Decoder {
  const workers = Array.from({ length: size }, () => ({
    worker: new Worker(new URL('./decode-worker.ts', import.meta.url), { type: 'module' }),
    busy: 0,
  }));
  /** Jobs that only read a footer: they don't take a worker's turn. */
  const openJobs = new Set<number>();
  type JobRequest = { type: 'open'; file: string; size: number } | { type: 'decode'; file: string; size: number; rowGroups: number[]; options: DecodeOptions };
  type Job = { request: WorkerRequest };
  const jobs = new Map<number, { resolve: (r: WorkerReply & { type: 'done' }) => void; reject: (e: Error) => void }>();
  let nextJob = 1;
  const io = { bytesRead: 0, requests: 0, decodeMs: 0 };
  for (const w of workers) {
    w.worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const m = e.data;
      if (m.type === 'read') {
        const reply = (r: WorkerRequest, transfer: Transferable[] = []) => w.worker.postMessage(r, transfer);
        files(m.file as Channel)
          .read(m.offset, m.length)
          .then(
            (bytes) => {
              io.bytesRead += bytes.length;
              io.requests++;
              // hand over a buffer the worker may keep
              const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
              reply({ type: 'bytes', id: m.id, bytes: own }, [own.buffer as ArrayBuffer]);
            },
            (err: Error) => reply({ type: 'bytes', id: m.id, error: err.message }),
          );
        return;
      }
      const job = jobs.get(m.id);
      jobs.delete(m.id);
      if (!openJobs.delete(m.id)) w.busy--;
      if (m.type === 'done') {
        io.decodeMs += m.ms ?? 0;
        job?.resolve(m);
      } else job?.reject(new Error(m.error));
      dispatch();
    };
  }
  // Jobs wait here, urgent first, and each worker runs one at a time.
  const queue: { urgent: Job[]; later: Job[] } = { urgent: [], later: [] };
  // With more than one worker, the first only takes urgent jobs, so a seek never waits for a
  // read-ahead row group to finish decoding.
  const dispatch = () => {
    workers.forEach((w, i) => {
      if (w.busy > 0) return;
      const job = queue.urgent.shift() ?? (i > 0 || workers.length === 1 ? queue.later.shift() : undefined);
      if (!job) return;
      w.busy++;
      w.worker.postMessage(job.request);
    });
  };
  const run = (request: JobRequest, priority: 'urgent' | 'later'): Promise<WorkerReply & { type: 'done' }> =>
    new Promise((resolve, reject) => {
      const id = nextJob++;
      jobs.set(id, { resolve, reject });
      if (request.type === 'open') {
        // reading a footer is I/O, not CPU: it doesn't wait for (or hold) a worker's turn
        const w = workers[id % workers.length]!;
        openJobs.add(id);
        w.worker.postMessage({ ...request, id } as WorkerRequest);
        return;
      }
      queue[priority].push({ request: { ...request, id } as WorkerRequest });
      dispatch();
    });
  return {
    open: async (ch) => (await run({ type: 'open', file: ch, size: files(ch).size }, 'urgent')).rowGroups!,
    decode: async (ch, rowGroups, { urgent = false, ...options } = {}) =>
      (await run({ type: 'decode', file: ch, size: files(ch).size, rowGroups, options }, urgent ? 'urgent' : 'later')).ipc!,
    dropQueued: () => {
      for (const job of queue.later.splice(0)) {
        const id = (job.request as { id: number }).id;
        jobs.get(id)?.reject(new AbortError());
        jobs.delete(id);
      }
    },
    io: () => ({ ...io }),
    close: () => {
      queue.urgent.length = 0;
      queue.later.length = 0;
      for (const w of workers) w.worker.terminate();
      for (const job of jobs.values()) job.reject(new Error('decoder closed'));
      jobs.clear();
    },
  };
}
