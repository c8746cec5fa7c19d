/**
 * The raw capture: every record the real connectors receive (frames, HTTP responses, connection
 * changes) appended with its receive time to
 *
 *   <data>/raw/station=S/date=D/<src>-<session>.ndjson      D = station-local date of the record
 *
 * one file per upstream (`clob`, `books`, `gamma`, `metar`, `pws`, `ingest`, and `capture` for the
 * session's start/stop) per session and day. Off the live path: `append` only queues the record;
 * every `flushMs` the queue is serialized in ~1 ms slices (yielding in between) and handed to one
 * async writer per file, in order. When a record of a later day arrives, the files of the days
 * before are closed and gzip-compressed (`….ndjson.gz`, the plain file removed once the gzip is
 * complete); leftovers of earlier sessions are compressed at start. Memory is bounded: past
 * `maxQueueBytes` waiting, records are dropped and counted (never silently).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { DataRoot } from '../../data-root';
import { readdirOrEmpty } from '../../files';
import { getStation } from '../../../shared/stations';
import { localDayBoundsUtc, stationDate } from '../../../shared/time';
import type { RawRecord } from '../raw-records';

export interface RawCaptureOptions {
  dataRoot: DataRoot;
  station: string;
  /** Names this session's files: `<src>-<session>.ndjson`. */
  session: string;
  flushMs?: number;
  maxQueueBytes?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RawCaptureStats {
  records: number;
  bytes: number;
  dropped: number;
  files: string[];
  compressed: string[];
  errors: number;
  last_error: string | null;
}

/** A session name that sorts by start time and cannot collide with another process's. */
export function captureSession(startMs: number): string {
  const stamp = new Date(startMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
}

/** Plain files of days already over are compressed at start once untouched this long (not another live writer's). */
const MIN_LEFTOVER_AGE_MS = 10 * 60_000;
/** Serialization slice: then the event loop gets a turn. */
const SLICE_MS = 1;

interface OpenFile {
  path: string;
  handle: Promise<FileHandle>;
  /** The chain of writes to this file. */
  writing: Promise<void>;
}

export class RawCapture {
  private queue: RawRecord[] = [];
  private queuedBytes = 0;
  private readonly files = new Map<string, OpenFile>();
  private readonly openDates = new Set<string>();
  private latestDate: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private day: { date: string; start: number; end: number } | null = null;
  private compressing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly data: RawCaptureStats = { records: 0, bytes: 0, dropped: 0, files: [], compressed: [], errors: 0, last_error: null };
  private readonly flushMs: number;
  private readonly maxQueueBytes: number;

  constructor(private readonly options: RawCaptureOptions) {
    this.flushMs = options.flushMs ?? 200;
    this.maxQueueBytes = options.maxQueueBytes ?? 64 * 1024 * 1024;
  }

  stats(): RawCaptureStats {
    return structuredClone(this.data);
  }

  /** Compress plain files of days before `todayDate` left by earlier sessions (not touched for 10 min). */
  compressLeftovers(todayDate: string): Promise<void> {
    this.compressing = this.compressing.then(async () => {
      for (const day of await this.options.dataRoot.rawDays()) {
        if (day.station_id !== this.options.station || day.date >= todayDate) continue;
        const dir = this.options.dataRoot.rawDir(day);
        for (const name of await readdirOrEmpty(dir)) {
          if (!name.endsWith('.ndjson')) continue;
          const path = join(dir, name);
          if (Date.now() - (await stat(path)).mtimeMs >= MIN_LEFTOVER_AGE_MS) await this.gzip(path);
        }
      }
    });
    return this.compressing;
  }

  append(record: RawRecord): void {
    if (this.closed) return;
    const size = 64 + ('text' in record ? record.text.length : 0) + ('body' in record ? record.body.length : 0);
    if (this.queuedBytes + size > this.maxQueueBytes) {
      this.data.dropped++;
      return;
    }
    this.queue.push(record);
    this.queuedBytes += size;
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Write everything queued, close every file, finish pending compressions. */
  async close(): Promise<RawCaptureStats> {
    this.closed = true;
    await this.flush();
    await Promise.all([...this.files.values()].map((f) => this.closeFile(f)));
    this.files.clear();
    await this.compressing;
    return this.stats();
  }

  /** Serialize what is queued in slices of ~1 ms (yielding in between) and hand each slice to the files' writers. */
  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushing = this.flushing.then(async () => {
      while (this.queue.length > 0) {
        const records = this.queue;
        this.queue = [];
        this.queuedBytes = 0;
        for (let i = 0; i < records.length; ) {
          const until = performance.now() + SLICE_MS;
          const byFile = new Map<string, { date: string; src: string; lines: string[] }>();
          for (; i < records.length; ) {
            const r = records[i++]!;
            const date = this.dateOf(r.t);
            const key = `${date}/${r.src}`;
            let group = byFile.get(key);
            if (!group) byFile.set(key, (group = { date, src: r.src, lines: [] }));
            group.lines.push(JSON.stringify(r));
            if ((i & 15) === 0 && performance.now() >= until) break;
          }
          this.write(byFile.values());
          if (i < records.length) await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    });
    return this.flushing;
  }

  private write(groups: Iterable<{ date: string; src: string; lines: string[] }>): void {
    for (const { date, src, lines } of groups) {
      const text = lines.join('\n') + '\n';
      this.data.records += lines.length;
      this.data.bytes += Buffer.byteLength(text);
      const file = this.file(date, src);
      file.writing = file.writing
        .then(async () => {
          const handle = await file.handle;
          await handle.write(text);
        })
        .catch((e: unknown) => this.fail(`writing ${file.path}`, e));
      this.openDates.add(date);
    }
    const newest = [...this.openDates].sort().at(-1);
    if (newest && newest !== this.latestDate) {
      this.latestDate = newest;
      for (const d of this.openDates) if (d < newest) this.closeDay(d);
    }
  }

  /** The station-local date of `t` (the day's bounds kept: one Intl look-up per day, not per record). */
  private dateOf(t: number): string {
    const day = this.day;
    if (day && t >= day.start && t < day.end) return day.date;
    const date = stationDate(t, this.options.station);
    const [start, end] = localDayBoundsUtc(date, getStation(this.options.station).timeZone);
    this.day = { date, start, end };
    return date;
  }

  private file(date: string, src: string): OpenFile {
    const key = `${date}/${src}`;
    let f = this.files.get(key);
    if (f) return f;
    const dir = this.options.dataRoot.rawDir({ station_id: this.options.station, date });
    const path = join(dir, `${src}-${this.options.session}.ndjson`);
    const handle = mkdir(dir, { recursive: true }).then(() => open(path, 'a'));
    handle.catch((e: unknown) => this.fail(`opening ${path}`, e));
    f = { path, handle, writing: handle.then(() => undefined, () => undefined) };
    this.files.set(key, f);
    this.data.files.push(path);
    return f;
  }

  /** A day is over: close its files, then compress them. */
  private closeDay(date: string): void {
    this.openDates.delete(date);
    for (const [key, f] of [...this.files]) {
      if (!key.startsWith(`${date}/`)) continue;
      this.files.delete(key);
      this.compressing = Promise.all([this.compressing, this.closeFile(f)]).then(() => this.gzip(f.path));
    }
  }

  private async closeFile(f: OpenFile): Promise<void> {
    await f.writing;
    try {
      await (await f.handle).close();
    } catch {
      // opening failed: already counted
    }
  }

  private async gzip(path: string): Promise<void> {
    const tmp = `${path}.gz.tmp`;
    try {
      await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, `${path}.gz`);
      await unlink(path);
      this.data.compressed.push(`${path}.gz`);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      this.fail(`compressing ${path}`, e);
    }
  }

  private fail(what: string, e: unknown): void {
    this.data.errors++;
    this.data.last_error = `${what}: ${(e as Error).message}`;
    this.options.log?.('error', `raw capture: ${this.data.last_error}`);
  }
}

/** Capture files under `dir` (a day folder, a station folder or a whole raw root), sorted. */
export async function captureFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.ndjson(?:\.gz)?$/.test(entry.name)) out.push(path);
    }
  };
  await walk(dir);
  return out.sort();
}
