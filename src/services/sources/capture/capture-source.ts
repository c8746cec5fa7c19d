/**
 * `record --source capture:DIR`: a raw capture played back as a `Source`. The files under DIR
 * (plain or gzipped) are merged in the order they were received (`t`, then the session's sequence
 * `n`), decoded by the same `RecordDecoder` the live connectors use, and delivered as fast as the
 * recorder takes them (through `recordDay`), each message with its original receive time — so the
 * recorder stamps the same instants and records the same events. A line that is not a record (a
 * torn last line after a crash, say) is rejected with its file, line and reason.
 */
import { createReadStream } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { describeZodError } from '../../../shared/registry';
import type { AnyEvent } from '../../../shared/schemas';
import { getStation } from '../../../shared/stations';
import type { DataRoot } from '../../data-root';
import type { RecordingConfigInput } from '../../recorder/config';
import type { WriteFailure } from '../../recorder/journal-writer';
import type { Scheduler } from '../../clock';
import { recordDay, type FiniteSource, type SessionStats } from '../../recorder/session';
import { RecordDecoder } from '../decode';
import { rawRecord, type RawRecord } from '../raw-records';
import type { MarketToken, SourceScope, SourceSink } from '../source';
import { captureFiles } from './raw-capture';

/** Records delivered per turn before yielding to the scheduler (the writer's backpressure). */
const CHUNK = 2000;

interface Cursor {
  file: string;
  lines: AsyncIterator<string>;
  line: number;
  head: RawRecord | null;
}

export interface CaptureSummary {
  files: string[];
  station: string;
  /** First instant to record: the session's start, else the first record's time. */
  startMs: number;
  /** Exclusive end: just after the session's stop record, when the capture has one. */
  endMs: number | undefined;
  tokens: MarketToken[];
}

function openLines(file: string): AsyncIterator<string> {
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => input.emit('error', e));
  return createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
}

function stationFromPath(file: string): string | null {
  for (let d = dirname(file); d !== dirname(d); d = dirname(d)) {
    const m = /^station=([A-Z0-9]{3,5})$/.exec(basename(d));
    if (m) return m[1]!;
  }
  return null;
}

export class CaptureSource implements FiniteSource {
  readonly info: SourceScope;
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private rejectFinished!: (e: unknown) => void;
  private stopped = false;
  private sink: SourceSink | null = null;

  constructor(
    readonly summary: CaptureSummary,
    private readonly scheduler: Scheduler,
  ) {
    this.info = { id: `capture:${summary.files.length} file(s)`, station_id: summary.station, tokens: summary.tokens };
    this.finished = new Promise<void>((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => undefined);
  }

  /** Look the capture over (files, station, first and last instants) without reading it all. */
  static async inspect(dir: string, station?: string): Promise<CaptureSummary> {
    const files = await captureFiles(dir);
    if (files.length === 0) throw new Error(`${dir}: no raw capture files (*.ndjson, *.ndjson.gz)`);
    let start: Extract<RawRecord, { type: 'start' }> | null = null;
    let stop: Extract<RawRecord, { type: 'stop' }> | null = null;
    let first = Infinity;
    for (const file of files) {
      const lines = openLines(file);
      let head = true;
      for (let r = await lines.next(); !r.done; r = await lines.next()) {
        const parsed = rawRecord.safeParse(safeJson(r.value));
        if (!parsed.success) continue;
        const record = parsed.data;
        if (head) first = Math.min(first, record.t);
        head = false;
        if (record.src !== 'capture') break; // start/stop live in the session's `capture-…` file
        if (record.type === 'start' && (!start || record.t < start.t)) start = record;
        if (record.type === 'stop' && (!stop || record.t > stop.t)) stop = record;
      }
      await lines.return?.();
    }
    const folders = new Set(files.map(stationFromPath).filter((s) => s !== null));
    if (folders.size > 1) throw new Error(`${dir}: captures of several stations (${[...folders].join(', ')}); point at one station's folder`);
    const stationId = station ?? start?.station ?? [...folders][0];
    if (!stationId) throw new Error(`${dir}: cannot tell the station (no start record, no station=… folder); pass --station`);
    getStation(stationId);
    if (!Number.isFinite(first)) throw new Error(`${dir}: no readable record`);
    return {
      files,
      station: stationId,
      startMs: start?.t ?? first,
      endMs: stop ? stop.t + 1 : undefined,
      tokens: start?.tokens ?? [],
    };
  }

  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    void this.play().then(
      () => this.resolveFinished(),
      (e: unknown) => this.rejectFinished(e),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  private async play(): Promise<void> {
    const sink = this.sink!;
    const decoder = new RecordDecoder(this.summary.station);
    const cursors: Cursor[] = this.summary.files.map((file) => ({ file, lines: openLines(file), line: 0, head: null }));
    let lastT = this.summary.startMs;
    const advance = async (c: Cursor): Promise<void> => {
      c.head = null;
      for (let r = await c.lines.next(); !r.done; r = await c.lines.next()) {
        c.line++;
        if (r.value.trim() === '') continue;
        const json = safeJson(r.value);
        const parsed = json === undefined ? null : rawRecord.safeParse(json);
        if (parsed?.success) {
          c.head = parsed.data;
          return;
        }
        const reason = parsed ? describeZodError(parsed.error) : 'not JSON (a torn last line?)';
        sink.reject({ source: 'capture', received_ms: lastT, reason: `${c.file}:${c.line}: ${reason}`, input: r.value.slice(0, 10_000) });
      }
    };
    await Promise.all(cursors.map(advance));
    let delivered = 0;
    for (;;) {
      if (this.stopped) break;
      let next: Cursor | null = null;
      for (const c of cursors) {
        if (c.head && (!next || c.head.t < next.head!.t || (c.head.t === next.head!.t && c.head.n < next.head!.n))) next = c;
      }
      if (!next) break;
      const record = next.head!;
      lastT = record.t;
      const decoded = decoder.decode(record);
      for (const m of decoded.messages) sink.push(m);
      for (const r of decoded.rejections) sink.reject(r);
      if (decoded.status) sink.status(decoded.status);
      await advance(next);
      if (++delivered % CHUNK === 0) await new Promise<void>((resolve) => this.scheduler.schedule(resolve, 0));
    }
    for (const c of cursors) await c.lines.return?.();
  }

}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface RecordCaptureOptions {
  /** A capture folder: a day, a station or a whole `<data>/raw`. */
  dir: string;
  dataRoot: string | DataRoot;
  station?: string;
  /** Recording settings (window lengths, triggers, …). */
  config?: RecordingConfigInput;
  signal?: AbortSignal;
  onProgress?(stats: SessionStats): void;
  /** Every recorded event too (e.g. a ClickHouse sink). */
  onEvent?: (event: AnyEvent) => void;
  /** The journal cannot be written (the playback waits for the disk), or can again (null). */
  onWriteFailure?: (failure: WriteFailure | null) => void;
}

/** Play a raw capture through the recorder into `dataRoot`'s journal, as fast as it takes it. */
export async function recordCapture(options: RecordCaptureOptions): Promise<{ stats: SessionStats; summary: CaptureSummary }> {
  const summary = await CaptureSource.inspect(options.dir, options.station);
  const stats = await recordDay({
    dataRoot: options.dataRoot,
    source: (scheduler) => new CaptureSource(summary, scheduler),
    startMs: summary.startMs,
    endMs: summary.endMs,
    config: options.config,
    signal: options.signal,
    onProgress: options.onProgress,
    onEvent: options.onEvent,
    onWriteFailure: options.onWriteFailure,
  });
  return { stats, summary };
}
