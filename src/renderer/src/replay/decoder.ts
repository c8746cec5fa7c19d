/**
 * Decoding row groups of a day's part files (a channel has one or more) to Arrow IPC: on a small
 * pool of Web Workers when the platform has them (the UI thread stays free and two row groups
 * decode in parallel), else on the calling thread. Either way only the byte ranges a row group
 * needs are read.
 */
import type { Channel } from '../../../shared/channels';
import { AbortError, throwIfAborted } from '../../../shared/players/event-source';
import type { WorkerReply, WorkerRequest } from './decode-protocol';
import { decodeRowGroups, openParquet, type DecodeOptions, type OpenedParquet, type ReadRange } from './parquet';

/**
 * Who waits for a decode: `urgent` — a seek (started first); `later` — read-ahead (a seek drops
 * it, see `dropQueued`); `background` — work nobody watches frame by frame (the whole-day history,
 * an export's search): it runs only when nothing else is queued and survives seeks.
 */
export type DecodePriority = 'urgent' | 'later' | 'background';

export interface Decoder {
  /** Open a part file of a channel (reads its footer); resolves to its row-group count. */
  open(ch: Channel, part: number): Promise<number>;
  /**
   * Row groups of one part file (optionally some columns, some rows) as an Arrow IPC stream.
   * Default priority `later`. A decode whose `signal` aborts before it starts is dropped (rejects
   * with AbortError): a seek that another seek replaced leaves no work behind.
   */
  decode(ch: Channel, part: number, rowGroups: number[], options?: DecodeOptions & { priority?: DecodePriority; signal?: AbortSignal }): Promise<Uint8Array>;
  /**
   * Forget read-ahead not started yet (a seek made it moot): those decodes reject with an
   * AbortError instead of taking worker time from what the seek needs.
   */
  dropQueued(): void;
  /**
   * A seek needs a decode that was asked for at a lower priority (background work got there
   * first): move it to the front of the queue instead of waiting behind that work.
   */
  promote(decoded: Promise<Uint8Array>): void;
  /**
   * Bytes and range requests read so far, time spent decoding (in workers, if any), and decode
   * workers that died and were replaced in this app session.
   */
  io(): { bytesRead: number; requests: number; decodeMs: number; workerCrashes: number };
  close(): void;
}

/** A part file: its size (from the manifest) and how to read byte ranges of it. */
export interface PartFile {
  size: number;
  read: ReadRange;
}

export type PartFiles = (ch: Channel, part: number) => PartFile;

/** On the calling thread. */
export function inlineDecoder(files: PartFiles): Decoder {
  const opened = new Map<string, Promise<OpenedParquet>>();
  const open = (ch: Channel, part: number) => {
    const key = `${ch}/${part}`;
    let f = opened.get(key);
    if (!f) {
      const { size, read } = files(ch, part);
      f = openParquet(size, read);
      f.catch(() => opened.delete(key));
      opened.set(key, f);
    }
    return f;
  };
  let decodeMs = 0;
  const all: OpenedParquet[] = [];
  return {
    open: async (ch, part) => (await open(ch, part)).rowGroups,
    decode: async (ch, part, rowGroups, { priority: _priority, signal, ...options } = {}) => {
      throwIfAborted(signal);
      const parquet = await open(ch, part);
      if (!all.includes(parquet)) all.push(parquet);
      const t0 = performance.now();
      const ipc = await decodeRowGroups(parquet, rowGroups, options);
      decodeMs += performance.now() - t0;
      return ipc;
    },
    dropQueued: () => {},
    promote: () => {},
    io: () => ({
      bytesRead: all.reduce((n, o) => n + o.range.bytesRead, 0),
      requests: all.reduce((n, o) => n + o.range.requests, 0),
      decodeMs,
      workerCrashes: 0,
    }),
    close: () => {
      for (const f of opened.values()) void f.then((o) => o.file.free()).catch(() => {});
      opened.clear();
    },
  };
}

interface PoolJob {
  request: WorkerRequest & { type: 'decode' };
  owner: number;
  priority: DecodePriority;
  /** Times its worker died under it (it is retried once on a fresh worker). */
  crashes: number;
  /** The worker running it, once dispatched. */
  on?: PoolWorker;
  resolve: (r: WorkerReply & { type: 'done' }) => void;
  reject: (e: Error) => void;
}

/** A footer read: sent to a worker at once, without holding its turn. */
interface OpenJob {
  owner: number;
  open: true;
  on: PoolWorker;
  resolve: (r: WorkerReply & { type: 'done' }) => void;
  reject: (e: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  busy: boolean;
}


/**
 * The session's decode workers, shared by every day opened: a worker pays parquet-wasm's start
 * (instantiation, then compiling each decoding path on first use: ~0.3–0.5 s of CPU) once per app
 * session, not once per day. Byte ranges are read on this thread (through the owning day's
 * `files`) and handed to the workers. Jobs wait in three queues by priority; each worker runs one
 * at a time, and with more than one worker the first only takes urgent jobs, so a seek never waits
 * for read-ahead or background work to finish decoding. A worker that dies (a wasm trap) is
 * replaced, and what it was running is retried once, so no decode is left waiting forever.
 */
class WorkerPool {
  private readonly workers: PoolWorker[];
  private readonly queue: Record<DecodePriority, PoolJob[]> = { urgent: [], later: [], background: [] };
  /** Jobs sent to a worker: decodes (holding its turn) and footer reads (not). */
  private readonly running = new Map<number, PoolJob | OpenJob>();
  /** Each decode's job, for `promote`. */
  private readonly jobs = new WeakMap<Promise<Uint8Array>, PoolJob>();
  /** Days closed while a worker still runs something of theirs (see `retire`). */
  private readonly closing = new Set<number>();
  /** Workers replaced after dying (diagnostics). */
  crashes = 0;
  readonly owners = new Map<number, { files: PartFiles; io: { bytesRead: number; requests: number; decodeMs: number } }>();
  private nextJob = 1;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => this.spawn());
  }

  private spawn(): PoolWorker {
    const w: PoolWorker = { worker: new Worker(new URL('./decode-worker.ts', import.meta.url), { type: 'module' }), busy: false };
    w.worker.onmessage = (e: MessageEvent<WorkerReply>) => this.onMessage(w, e.data);
    w.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.replace(w, e.message || 'unknown error');
    };
    return w;
  }

  /** A worker died (an uncaught error: its wasm instance may be poisoned): start a fresh one. */
  private replace(dead: PoolWorker, why: string): void {
    const at = this.workers.indexOf(dead);
    if (at < 0) return;
    dead.worker.terminate();
    this.crashes++;
    console.warn(`HELIOS: a Parquet decode worker died (${why}); replaced, its decode retried`);
    this.workers[at] = this.spawn();
    for (const [id, job] of this.running) {
      if (job.on !== dead) continue;
      this.running.delete(id);
      if (this.closing.has(job.owner)) this.retire(job.owner);
      else if ('open' in job || job.crashes > 0) job.reject(new Error(`the Parquet decode worker crashed: ${why}`));
      else {
        job.crashes++;
        this.queue[job.priority].unshift(job);
      }
    }
    this.dispatch();
  }

  private onMessage(w: PoolWorker, m: WorkerReply): void {
    if (m.type === 'read') {
      const reply = (r: WorkerRequest, transfer: Transferable[] = []) => w.worker.postMessage(r, transfer);
      const [owner, ch, part] = splitFileKey(m.file);
      const day = this.owners.get(owner);
      if (!day) return reply({ type: 'bytes', id: m.id, error: 'the day was closed' });
      day.files(ch, part)
        .read(m.offset, m.length)
        .then(
          (bytes) => {
            day.io.bytesRead += bytes.length;
            day.io.requests++;
            // hand over a buffer the worker may keep
            const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
            reply({ type: 'bytes', id: m.id, bytes: own }, [own.buffer as ArrayBuffer]);
          },
          (err: Error) => reply({ type: 'bytes', id: m.id, error: err.message }),
        );
      return;
    }
    const job = this.running.get(m.id);
    this.running.delete(m.id);
    if (!job || !('open' in job)) w.busy = false;
    if (job) {
      if (m.type === 'done') {
        const io = this.owners.get(job.owner)?.io;
        if (io) io.decodeMs += m.ms ?? 0;
        job.resolve(m);
      } else job.reject(new Error(m.error));
      this.retire(job.owner);
    }
    this.dispatch();
  }

  private dispatch(): void {
    this.workers.forEach((w, i) => {
      if (w.busy) return;
      const shared = i > 0 || this.workers.length === 1;
      const job = this.queue.urgent.shift() ?? (shared ? (this.queue.later.shift() ?? this.queue.background.shift()) : undefined);
      if (!job) return;
      w.busy = true;
      job.on = w;
      this.running.set(job.request.id, job);
      w.worker.postMessage(job.request);
    });
  }

  /** Read a file's footer: I/O, not CPU, so it doesn't wait for (or hold) a worker's turn. */
  open(owner: number, ch: Channel, part: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const id = this.nextJob++;
      const w = this.workers[id % this.workers.length]!;
      this.running.set(id, { owner, open: true, resolve: (r) => resolve(r.rowGroups!), reject, on: w });
      w.worker.postMessage({ type: 'open', id, file: fileKey(owner, ch, part), size: this.owners.get(owner)!.files(ch, part).size } satisfies WorkerRequest);
    });
  }

  decode(owner: number, ch: Channel, part: number, rowGroups: number[], options: DecodeOptions, priority: DecodePriority, signal?: AbortSignal): Promise<Uint8Array> {
    let job: PoolJob | null = null;
    const decoded = new Promise<WorkerReply & { type: 'done' }>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortError());
      const id = this.nextJob++;
      const request = { type: 'decode', id, file: fileKey(owner, ch, part), size: this.owners.get(owner)!.files(ch, part).size, rowGroups, options } as const;
      const queued: PoolJob = (job = { request, owner, priority, crashes: 0, resolve, reject });
      this.queue[priority].push(queued);
      // not started yet when its seek is replaced: drop it (a started decode runs to its end)
      signal?.addEventListener('abort', () => this.remove(queued.priority, (j) => j === queued, () => new AbortError()), { once: true });
      this.dispatch();
    }).then((r) => r.ipc!);
    if (job) this.jobs.set(decoded, job);
    return decoded;
  }

  /** Move a queued decode to the front of the urgent queue; nothing if it started already. */
  promote(decoded: Promise<Uint8Array>): void {
    const job = this.jobs.get(decoded);
    if (!job || job.priority === 'urgent') return;
    const at = this.queue[job.priority].indexOf(job);
    if (at < 0) return;
    this.queue[job.priority].splice(at, 1);
    job.priority = 'urgent';
    this.queue.urgent.unshift(job);
    this.dispatch();
  }

  /** Reject (and forget) the queued jobs of `priority` that match. */
  remove(priority: DecodePriority, match: (job: PoolJob) => boolean, error: () => Error): void {
    const keep: PoolJob[] = [];
    for (const job of this.queue[priority]) {
      if (match(job)) job.reject(error());
      else keep.push(job);
    }
    this.queue[priority] = keep;
  }

  /** A day closed: drop its jobs and let the workers free its files. */
  release(owner: number): void {
    for (const priority of Object.keys(this.queue) as DecodePriority[]) this.remove(priority, (j) => j.owner === owner, () => new Error('decoder closed'));
    for (const [id, job] of this.running) {
      if (job.owner !== owner) continue;
      job.reject(new Error('decoder closed'));
      this.running.set(id, { ...job, resolve: () => {}, reject: () => {} }); // its worker is still busy with it
    }
    this.closing.add(owner);
    this.retire(owner);
  }

  /**
   * Forget a closed day once no worker runs anything of it. Until then its byte reads are still
   * answered: a read that fails under parquet-wasm traps the worker's whole wasm instance.
   */
  private retire(owner: number): void {
    if (!this.closing.has(owner)) return;
    for (const job of this.running.values()) if (job.owner === owner) return;
    this.closing.delete(owner);
    this.owners.delete(owner);
    for (const w of this.workers) w.worker.postMessage({ type: 'forget', id: 0, file: `${owner}/` } satisfies WorkerRequest);
  }
}

const fileKey = (owner: number, ch: Channel, part: number) => `${owner}/${ch}/${part}`;
function splitFileKey(key: string): [number, Channel, number] {
  const [owner, ch, part] = key.split('/');
  return [Number(owner), ch as Channel, Number(part)];
}

let pool: WorkerPool | null = null;
let nextOwner = 1;

/** Start the session's decode workers now (e.g. at app start), so the first day opened doesn't wait for them. */
export function prewarmDecodeWorkers(size = 2): void {
  if (typeof Worker !== 'undefined') pool ??= new WorkerPool(size);
}

/** A day's decoder on the session's worker pool (created on first use with `size` workers). */
export function workerDecoder(files: PartFiles, size = 2): Decoder {
  pool ??= new WorkerPool(size);
  const shared = pool;
  const owner = nextOwner++;
  const io = { bytesRead: 0, requests: 0, decodeMs: 0 };
  shared.owners.set(owner, { files, io });
  let closed = false;
  return {
    open: (ch, part) => (closed ? Promise.reject(new Error('decoder closed')) : shared.open(owner, ch, part)),
    decode: (ch, part, rowGroups, { priority = 'later', signal, ...options } = {}) =>
      closed ? Promise.reject(new Error('decoder closed')) : shared.decode(owner, ch, part, rowGroups, options, priority, signal),
    dropQueued: () => shared.remove('later', (j) => j.owner === owner, () => new AbortError()),
    promote: (decoded) => shared.promote(decoded),
    io: () => ({ ...io, workerCrashes: shared.crashes }),
    close: () => {
      if (closed) return;
      closed = true;
      shared.release(owner);
    },
  };
}
