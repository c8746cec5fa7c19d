/**
 * The journal: append-only NDJSON under `<data>/journal/station=<S>/date=<D>/`, where D is the
 * station-local date of each event's ingest time — an event lands in the file of its own day,
 * so a recording across local midnight splits by itself. Events come with their ingest time in ms
 * attached (`ingestMs`), so the day is found without reading the timestamp text back.
 *
 * The live loop only calls `enqueue` (an array push and a few counters). Batches are serialized
 * (JSON.stringify) on the same thread in slices of about `sliceBudgetMs`, yielding to the event
 * loop between slices; each slice is appended with an async writev (libuv's thread pool) while the
 * next one is serialized. docs/architecture.md ("Recorder") says why this beats a worker thread
 * here. A batch starts at most `flushIntervalMs` after its first event was enqueued, or as soon as
 * `flushEvents` are waiting.
 *
 * Files: `rec-<UTC start stamp>-<pid>-<random>-<part>.ndjson`, one series per writer (so per
 * process start) and day; a new part starts when one reaches `maxFileBytes`. A crash can only tear
 * the last line of the files being written, and a restarted process never appends to them.
 * Rejected inputs go to `<data>/quarantine/station=<S>/date=<D>/recorder-rejected-….ndjson`.
 *
 * Bounded memory: while the writer is behind, the channels of SHED_ORDER are shed in that order as
 * the queue fills (`shedAt`), every shed event counted per channel in `dropped` (reported in
 * `health`). Other channels are never shed. A writer made with `shed: false` never drops;
 * its caller applies backpressure with `drain()` instead (the day synthesizer does).
 *
 * Write failures are loud and lose nothing that can be kept: the first failure (with its real
 * errno: EROFS, ENOSPC, EACCES, … — `makeDirectory` undoes the ENOENT a recursive mkdir reports
 * instead) is reported at once through `onWriteFailure` and in `stats().write_failure` (→ health),
 * and cleared the same way when writing works again. Unwritten batches are kept and retried every
 * `retryMs`; meanwhile the queue fills and the shed policy bounds memory. A write that got only
 * part of its bytes on disk resumes at the first byte missing, so lines are never torn or doubled
 * by a retry, and `events_written` / `bytes_written` count exactly what is on disk.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SHED_ORDER, type Channel } from '../../shared/channels';
import { ingestMs } from '../../shared/event-time';
import type { AnyEvent } from '../../shared/schemas';
import { getStation } from '../../shared/stations';
import { localDate, localDayBoundsUtc, toUtcIso } from '../../shared/time';
import type { DataRoot } from '../data-root';
import { makeDirectory } from '../files';
import type { JournalConfig } from './config';
import { RollingSamples } from './percentile';
import type { Rejection, WriterHealth } from './recorder';

/** The file operations the writer needs (node's by default; tests inject failing disks). */
export interface JournalFs {
  /** Create a folder and its parents, failing with the real errno. */
  mkdir(dir: string): Promise<void>;
  /** Create a new file for appending; fails if it exists. */
  create(path: string): Promise<JournalFile>;
}

export interface JournalFile {
  writev(buffers: Buffer[]): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export const nodeJournalFs: JournalFs = {
  mkdir: makeDirectory,
  create: (path) => open(path, 'wx'), // never append to (or clobber) another writer's file
};

/** A write failure going on: the errno code (EROFS, ENOSPC, EACCES, …) and Node's message (operation, path). */
export interface WriteFailure {
  code: string;
  message: string;
}

export interface JournalWriterOptions {
  dataRoot: DataRoot;
  /** Station whose quarantine folder receives rejected inputs (events carry their own station). */
  station_id: string;
  config: JournalConfig;
  /** false: never drop (the caller must await `drain()` to bound memory). */
  shed?: boolean;
  fs?: JournalFs;
  /** Called when writing starts failing (or fails differently), and with null when it works again. */
  onWriteFailure?(failure: WriteFailure | null): void;
  /** How long after a failed write it is tried again. Default 1000 ms. */
  retryMs?: number;
  /** A `shed: false` writer waits through write failures for the disk; this gives up waiting. */
  signal?: AbortSignal;
}

export interface JournalWriterStats extends WriterHealth {
  /** Bytes on disk, in journal and quarantine files (a line cut off by a failed write included). */
  bytes_written: number;
  files: string[];
  /** Failed write attempts (each is retried). */
  write_errors: number;
  last_error: string | null;
  rejected_written: number;
  /** Events enqueued but not (wholly) on disk: waiting for the disk, or lost at close. */
  unwritten_events: number;
  /** Bytes of a line whose write was cut off (on disk, not counted in events_written). */
  cut_line_bytes: number;
}

/** A first guess of a line's size per channel until real lines have been measured. */
const INITIAL_LINE_BYTES: Partial<Record<Channel, number>> = { l2_snap_1s: 1000, l2_deltas: 420, tape_trades: 420 };
const SHED_RANK = new Map<Channel, number>(SHED_ORDER.map((ch, i) => [ch, i]));
const YIELD = () => new Promise<void>((resolve) => setImmediate(resolve));

type Stream = 'journal' | 'rejected';

interface OpenFile {
  handle: JournalFile;
  path: string;
  bytes: number;
  part: number;
  lastSyncMs: number;
  /** Written since the last sync. */
  dirty: boolean;
  /** A background sync in flight (fsync `interval`). */
  syncing: Promise<void> | null;
}

interface PendingWrite {
  stream: Stream;
  station: string;
  date: string;
  buffers: Buffer[];
  bytes: number;
  /** Lines in `buffers` (one event or rejection each). */
  events: number;
  /** Being written: buffers may no longer be added. */
  busy: boolean;
  /** The file it goes to, fixed once its first byte is written (a resumed write stays in it). */
  file: OpenFile | null;
  /** Bytes already on disk, and the lines they complete. */
  written: number;
  linesDone: number;
}

export class JournalWriter {
  private readonly config: JournalConfig;
  private readonly shed: boolean;
  private readonly stamp: string;
  private queue: AnyEvent[] = [];
  private rejects: Rejection[] = [];
  private queueBytes = 0;
  private queueStartedAt = 0;
  /** Serialized (or being serialized) but not yet on disk. */
  private inFlightEvents = 0;
  private inFlightBytes = 0;
  private pending: PendingWrite[] = [];
  private readonly lineBytes = new Map<Channel, number>();
  /** Where a slice is encoded before being copied out to its own buffer (grows to the largest slice). */
  private scratch = Buffer.allocUnsafe(256 * 1024);
  private readonly files = new Map<string, OpenFile>();
  /** Next part number per stream/station/day, so a file is never reopened under the same name. */
  private readonly nextPart = new Map<string, number>();
  private readonly fileList: string[] = [];
  private readonly dropped: Record<string, number> = Object.fromEntries(SHED_ORDER.map((c) => [c, 0]));
  private readonly flushMs = new RollingSamples(256);
  private readonly ingestToJournalMs = new RollingSamples(256);
  private eventsWritten = 0;
  private rejectedWritten = 0;
  private bytesWritten = 0;
  private writeErrors = 0;
  private lastError: string | null = null;
  private failure: WriteFailure | null = null;
  private readonly fs: JournalFs;
  private readonly retryMs: number;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private flushing = false;
  private writing: Promise<boolean> | null = null;
  /** Set once close() starts: enqueue/reject refuse from then on. */
  private closing: Promise<void> | null = null;
  private drainWaiters: (() => void)[] = [];
  private dayCache = { station: '', start: 0, end: 0, date: '' };

  constructor(private readonly options: JournalWriterOptions) {
    this.config = options.config;
    this.shed = options.shed ?? true;
    this.fs = options.fs ?? nodeJournalFs;
    this.retryMs = options.retryMs ?? 1000;
    options.signal?.addEventListener('abort', () => this.releaseWaiters(), { once: true });
    this.stamp = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${process.pid}-${randomBytes(2).toString('hex')}`;
  }

  /** Hand an event to the journal. Returns false if it was shed. Never blocks, never throws on I/O. */
  enqueue(event: AnyEvent): boolean {
    if (this.closing) throw new Error('journal writer is closed');
    const ch = event.ch;
    const estimate = this.lineBytes.get(ch) ?? INITIAL_LINE_BYTES[ch] ?? 400;
    if (this.shed) {
      const rank = SHED_RANK.get(ch);
      if (rank !== undefined && this.fill() >= this.config.shedAt[rank]!) {
        this.dropped[ch]!++;
        return false;
      }
    }
    if (this.queue.length === 0) this.queueStartedAt = performance.now();
    this.queue.push(event);
    this.queueBytes += estimate;
    if (this.queue.length === 1 || this.queue.length >= this.config.flushEvents) this.schedule();
    return true;
  }

  /** Keep an input the recorder could not accept (written to the day's quarantine folder). */
  reject(rejection: Rejection): void {
    if (this.closing) throw new Error('journal writer is closed');
    this.rejects.push(rejection);
    if (this.queue.length === 0 && this.rejects.length === 1) {
      this.queueStartedAt = performance.now();
      this.schedule();
    }
  }

  /**
   * Resolves once everything enqueued so far is written. While writing fails, a shedding writer
   * resolves at once (stats say what is left); a `shed: false` writer waits for the disk (its
   * producer pauses) until it works again, `signal` aborts, or `close()` gives up.
   */
  drain(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      this.flushSoon();
    });
  }

  /**
   * Write everything, fsync (unless fsync is `none`), close the files. A failing disk gets one last
   * attempt (a `shed: false` writer waits for the disk unless `signal` aborts); what could not be
   * written stays counted in `unwritten_events`. Never rejects.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.drain();
      if (this.timer) clearTimeout(this.timer);
      for (const f of this.files.values()) await this.closeFile(f).catch((e: unknown) => this.noteError(e));
      this.files.clear();
    })();
    return this.closing;
  }

  /** The write failure going on now, or null. */
  get writeFailure(): WriteFailure | null {
    return this.failure;
  }

  get queueDepth(): number {
    return this.queue.length + this.inFlightEvents;
  }

  stats(): JournalWriterStats {
    return {
      queue_depth: this.queueDepth,
      queue_bytes: Math.round(this.queueBytes + this.inFlightBytes),
      flush_ms_p99: this.flushMs.percentile(0.99) ?? 0,
      events_written: this.eventsWritten,
      dropped: { ...this.dropped },
      ingest_to_journal_ms_p99: this.ingestToJournalMs.percentile(0.99),
      bytes_written: this.bytesWritten,
      files: [...this.fileList],
      write_errors: this.writeErrors,
      write_failure: this.failure,
      last_error: this.lastError,
      rejected_written: this.rejectedWritten,
      unwritten_events: this.queue.length + this.inFlightEvents,
      cut_line_bytes: this.pending[0] ? cutLineBytes(this.pending[0]) : 0,
    };
  }

  // ── scheduling ──────────────────────────────────────────────────────────────────────────────

  private fill(): number {
    const depth = this.queue.length + this.inFlightEvents;
    return Math.max(depth / this.config.maxQueueEvents, (this.queueBytes + this.inFlightBytes) / this.config.maxQueueBytes);
  }

  private idle(): boolean {
    return !this.flushing && this.queue.length === 0 && this.rejects.length === 0 && this.pending.length === 0;
  }

  private schedule(): void {
    if (this.flushing || this.immediate) return;
    if (this.queue.length >= this.config.flushEvents || this.drainWaiters.length > 0) return this.flushSoon();
    if (this.timer) return;
    const wait = Math.max(0, this.queueStartedAt + this.config.flushIntervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushSoon();
    }, wait);
  }

  private flushSoon(): void {
    if (this.flushing || this.immediate) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.immediate = setImmediate(() => {
      this.immediate = null;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    const started = performance.now();
    const oldest = this.queueStartedAt;
    const batch = this.queue;
    const rejects = this.rejects;
    this.queue = [];
    this.rejects = [];
    this.inFlightEvents += batch.length;
    this.inFlightBytes += this.queueBytes;
    this.queueBytes = 0;
    let failed = false;
    try {
      await this.serialize(batch, rejects);
      // Writes started while serializing; finish them (the loop covers a buffer queued just as the
      // running write loop was ending).
      while (this.pending.length > 0 && !failed) failed = !(await this.startWrites());
    } catch (e) {
      failed = true;
      this.noteError(e);
    }
    if (!failed) {
      const done = performance.now();
      this.flushMs.add(done - started);
      if (batch.length > 0) this.ingestToJournalMs.add(done - oldest);
    }
    this.flushing = false;
    if (this.queue.length > 0 || this.rejects.length > 0) {
      if (this.queue.length === 0) this.queueStartedAt = performance.now();
      this.schedule();
    } else if (failed && this.pending.length > 0 && !this.timer) {
      // Keep what could not be written and try again shortly; the shed policy bounds memory meanwhile.
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flushSoon();
      }, this.retryMs);
    }
    // Waiters are released once everything is written; on a failure, at once by a shedding writer
    // (its memory is bounded by shedding), only on abort by one that applies backpressure.
    const givingUp = failed && (this.shed || this.options.signal?.aborted === true);
    if (this.idle() || (givingUp && this.queue.length === 0 && this.rejects.length === 0)) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Serialize in slices of ~sliceBudgetMs into per-file buffers, yielding between slices. */
  private async serialize(batch: AnyEvent[], rejects: Rejection[]): Promise<void> {
    const budget = this.config.sliceBudgetMs;
    let i = 0;
    while (i < batch.length) {
      const sliceEnd = performance.now() + budget;
      let bytes = 0;
      let events = 0;
      let target: { station: string; date: string } | null = null;
      while (i < batch.length) {
        const event = batch[i]!;
        const ms = ingestMs(event);
        const date = this.dateOf(event.station_id, ms);
        if (target && (target.date !== date || target.station !== event.station_id)) break;
        target ??= { station: event.station_id, date };
        const line = JSON.stringify(event);
        // Encoded straight into one scratch buffer: concatenating the lines and encoding the rope
        // afterwards cost twice as much (flattening, then a second pass).
        if (bytes + line.length * 3 + 1 > this.scratch.length) this.growScratch(bytes + line.length * 3 + 1);
        const written = this.scratch.write(line, bytes);
        this.scratch[bytes + written] = 10;
        bytes += written + 1;
        events++;
        i++;
        if ((events & 31) === 0) {
          this.learnLineBytes(event.ch, written + 1);
          if (performance.now() >= sliceEnd) break;
        }
      }
      if (target) {
        const out = Buffer.allocUnsafe(bytes); // its own memory: the write is async, the scratch reused
        this.scratch.copy(out, 0, 0, bytes);
        this.addPending('journal', target.station, target.date, out, events);
      }
      void this.startWrites(); // the disk works on this slice while the next one is serialized
      if (i < batch.length) await YIELD();
    }
    const station = this.options.station_id;
    for (const r of rejects) {
      const line = JSON.stringify({
        rejected_at: toUtcIso(r.at_ms),
        source: r.source,
        reason: r.reason,
        input: r.input,
      });
      this.addPending('rejected', station, localDate(r.at_ms, getStation(station).timeZone), Buffer.from(line + '\n'), 1);
    }
  }

  private growScratch(atLeast: number): void {
    const grown = Buffer.allocUnsafe(Math.max(atLeast, this.scratch.length * 2));
    this.scratch.copy(grown);
    this.scratch = grown;
  }

  private learnLineBytes(ch: Channel, bytes: number): void {
    const prev = this.lineBytes.get(ch);
    this.lineBytes.set(ch, prev === undefined ? bytes : prev * 0.95 + bytes * 0.05);
  }

  private addPending(stream: Stream, station: string, date: string, buffer: Buffer, events: number): void {
    const last = this.pending[this.pending.length - 1];
    if (last && !last.busy && last.stream === stream && last.station === station && last.date === date) {
      last.buffers.push(buffer);
      last.bytes += buffer.length;
      last.events += events;
    } else {
      this.pending.push({ stream, station, date, buffers: [buffer], bytes: buffer.length, events, busy: false, file: null, written: 0, linesDone: 0 });
    }
  }

  /** The running write loop, or a new one. Resolves false if a write failed. */
  private startWrites(): Promise<boolean> {
    if (!this.writing) {
      this.writing = this.writePending().finally(() => {
        this.writing = null;
      });
    }
    return this.writing;
  }

  /** Write pending buffers in order; stops at the first failure (kept for a retry, from the byte it stopped at). */
  private async writePending(): Promise<boolean> {
    while (this.pending.length > 0) {
      const w = this.pending[0]!;
      w.busy = true; // from here on nothing is merged into it
      try {
        const file = (w.file ??= await this.fileFor(w));
        while (w.written < w.bytes) {
          const { bytesWritten } = await file.handle.writev(unwritten(w));
          if (bytesWritten <= 0) throw Object.assign(new Error(`write to ${file.path} wrote nothing`), { code: 'EIO' });
          this.account(w, file, bytesWritten);
        }
        this.pending.shift();
        await this.maybeSync(file);
      } catch (e) {
        // Not yet started: it may take more buffers again (and a retry may open another file).
        if (w.written === 0) {
          w.busy = false;
          w.file = null;
        }
        this.noteError(e);
        return false;
      }
    }
    this.inFlightBytes = this.inFlightEvents === 0 ? 0 : this.inFlightBytes;
    if (this.failure) {
      this.failure = null;
      this.options.onWriteFailure?.(null);
    }
    this.closeIdleFiles();
    return true;
  }

  /** `bytes` more of `w` reached the disk: count them, and the lines they complete. */
  private account(w: PendingWrite, file: OpenFile, bytes: number): void {
    const whole = w.written === 0 && bytes === w.bytes;
    const lines = whole ? w.events : countNewlines(w.buffers, w.written, w.written + bytes);
    w.written += bytes;
    w.linesDone += lines;
    file.bytes += bytes;
    file.dirty = true;
    this.bytesWritten += bytes;
    if (w.stream === 'journal') {
      this.eventsWritten += lines;
      this.inFlightEvents -= lines;
      this.inFlightBytes = Math.max(0, this.inFlightBytes - bytes);
    } else this.rejectedWritten += lines;
  }

  /**
   * `flush`: the batch is synced before the flush completes. `interval`: a sync is started at most
   * every fsyncIntervalMs and runs beside the following writes (an fdatasync can take hundreds of
   * ms on a busy disk; holding the write chain for it would only grow the queue).
   */
  private async maybeSync(file: OpenFile): Promise<void> {
    const policy = this.config.fsync;
    if (policy === 'none') return;
    const now = performance.now();
    if (policy === 'flush') {
      await file.handle.datasync();
      file.lastSyncMs = now;
      file.dirty = false;
    } else if (now - file.lastSyncMs >= this.config.fsyncIntervalMs && !file.syncing) {
      file.lastSyncMs = now;
      file.dirty = false;
      file.syncing = file.handle.datasync().then(
        () => {
          file.syncing = null;
        },
        (e) => {
          file.syncing = null;
          file.dirty = true;
          this.noteError(e);
        },
      );
    }
  }

  /** Sync (per policy) and close a file, after any sync still running on it. */
  private async closeFile(f: OpenFile): Promise<void> {
    await f.syncing;
    try {
      if (this.config.fsync !== 'none' && f.dirty) await f.handle.datasync();
    } finally {
      await f.handle.close();
    }
  }

  private async fileFor(w: PendingWrite): Promise<OpenFile> {
    const key = `${w.stream}/${w.station}/${w.date}`;
    let f = this.files.get(key);
    if (f && f.bytes > 0 && f.bytes + w.bytes > this.config.maxFileBytes) {
      this.files.delete(key);
      await this.closeFile(f);
      f = undefined;
    }
    if (!f) {
      const part = this.nextPart.get(key) ?? 0;
      this.nextPart.set(key, part + 1);
      f = await this.openFile(w, part);
      this.files.set(key, f);
    }
    return f;
  }

  private async openFile(w: PendingWrite, part: number): Promise<OpenFile> {
    const day = { station_id: w.station, date: w.date };
    const dir = w.stream === 'journal' ? this.options.dataRoot.journalDir(day) : this.options.dataRoot.quarantineDir(day);
    await this.fs.mkdir(dir);
    const name =
      w.stream === 'journal'
        ? `rec-${this.stamp}-${String(part).padStart(4, '0')}.ndjson`
        : `recorder-rejected-${this.stamp}-${String(part).padStart(4, '0')}.ndjson`;
    const path = join(dir, name);
    const handle = await this.fs.create(path);
    this.fileList.push(path);
    return { handle, path, bytes: 0, part, lastSyncMs: performance.now(), dirty: false, syncing: null };
  }

  /** Close files of days that are over (only the newest journal day stays open). */
  private closeIdleFiles(): void {
    const newest = this.dayCache.date;
    if (!newest) return;
    for (const [key, f] of this.files) {
      if (key.endsWith(`/${newest}`)) continue;
      this.files.delete(key);
      this.closeFile(f).catch((e) => this.noteError(e));
    }
  }

  private noteError(e: unknown): void {
    this.writeErrors++;
    const message = (e as Error)?.message ?? String(e);
    this.lastError = message;
    const code = (e as NodeJS.ErrnoException)?.code ?? 'UNKNOWN';
    if (this.failure?.code === code) return;
    this.failure = { code, message };
    this.options.onWriteFailure?.(this.failure);
  }

  /** Station-local date of an ingest time `ms`, with the current day's bounds cached. */
  private dateOf(station: string, ms: number): string {
    const c = this.dayCache;
    if (c.station === station && ms >= c.start && ms < c.end) return c.date;
    const tz = getStation(station).timeZone;
    const date = localDate(ms, tz);
    const [start, end] = localDayBoundsUtc(date, tz);
    this.dayCache = { station, start, end, date };
    return date;
  }
}

/** What is left of a pending write: its buffers from the first byte not yet on disk. */
function unwritten(w: PendingWrite): Buffer[] {
  if (w.written === 0) return w.buffers;
  const out: Buffer[] = [];
  let at = 0;
  for (const b of w.buffers) {
    if (at + b.length > w.written) out.push(at >= w.written ? b : b.subarray(w.written - at));
    at += b.length;
  }
  return out;
}

/** Newlines in bytes [from, to) of the concatenated buffers. */
function countNewlines(buffers: Buffer[], from: number, to: number): number {
  let n = 0;
  let at = 0;
  for (const b of buffers) {
    const start = Math.max(from - at, 0);
    const end = Math.min(to - at, b.length);
    for (let i = start < end ? b.indexOf(10, start) : -1; i !== -1 && i < end; i = b.indexOf(10, i + 1)) n++;
    at += b.length;
    if (at >= to) break;
  }
  return n;
}

/** Bytes of `w` on disk after its last complete line. */
function cutLineBytes(w: PendingWrite): number {
  if (w.written === 0) return 0;
  let at = 0;
  let lastNewline = -1;
  for (const b of w.buffers) {
    const end = Math.min(b.length, w.written - at);
    if (end > 0) {
      const i = b.lastIndexOf(10, end - 1);
      if (i !== -1) lastNewline = at + i;
    }
    at += b.length;
    if (at >= w.written) break;
  }
  return w.written - (lastNewline + 1);
}
