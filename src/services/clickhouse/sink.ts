/**
 * The optional ClickHouse sink: what the recorder emits, batched to ClickHouse over HTTP, off the
 * hot path. `push` (the session's emit tap) only appends the event to an array; a timer cuts
 * batches (one per channel, JSONEachRow) every `flush_ms` or at `batch_rows`, and one sender loop
 * inserts them in order.
 *
 * While the server is unreachable (or answers with an error that may pass), batches go to a spool
 * on disk (`<data>/spool/clickhouse/<seq>-<ch>-<rows>.ndjson`, written under a dot-name and
 * renamed), and the sender retries the oldest with backoff, then catches up in order; a spool left
 * by a stopped or crashed process is sent by the next sink on that data root. A retried batch may
 * already have been stored (the answer was lost): the tables are ReplacingMergeTrees keyed on
 * event_id, so the copy collapses (prepare.ts). A batch the server refuses as data (a parse or
 * type error, e.g. a table from an older schema) is moved to `spool/clickhouse/rejected/` with the
 * error next to it, and the rest goes on. Beyond `max_spool_bytes` new rows are dropped and
 * counted; `helios clickhouse load` can bring them from the Parquet later.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyEvent } from '../../shared/schemas';
import { readdirOrEmpty } from '../files';
import type { ClickHouseConfig } from './config';
import { connectClickHouse, isDataError, type ClickHouseHttp } from './http';
import { prepareServer, type ClickHouseServerInfo } from './prepare';
import { eventRow, isClickHouseChannel, tableName, type ClickHouseChannel } from './schema';

export type SinkState = 'starting' | 'connected' | 'down' | 'stopped';

export interface SinkStats {
  state: SinkState;
  server: ClickHouseServerInfo | null;
  /** Rows and batches the server acknowledged. */
  sent_rows: number;
  sent_batches: number;
  /** Batches waiting on disk now, and their bytes. */
  spooled_batches: number;
  spooled_bytes: number;
  /** Batches that went through the disk spool since start. */
  spooled_total: number;
  /** Failed attempts (each followed by a retry). */
  failures: number;
  last_error: string | null;
  /** Rows not sent because the spool was full (or could not be written). */
  dropped_rows: number;
  /** Batches the server refused as data, kept in spool/clickhouse/rejected/. */
  rejected_batches: number;
}

export interface ClickHouseSinkOptions {
  config: ClickHouseConfig;
  /** Where batches wait while the server is down (created if missing). */
  spoolDir: string;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Backoff between failed attempts: doubles from `minMs` to `maxMs`. */
  retry?: { minMs: number; maxMs: number };
  /** Injected for tests; default connectClickHouse(config). */
  http?: ClickHouseHttp;
}

interface Batch {
  seq: number;
  ch: ClickHouseChannel;
  rows: number;
  /** In memory until spooled; then read back from `file` when sent. */
  body: Buffer | null;
  file: string | null;
  bytes: number;
  /** Sent on its own: it was in a group the server refused as data. */
  alone?: boolean;
}

const SPOOL_FILE = /^(\d{12})-([a-z0-9_]+)-(\d+)\.ndjson$/;
/** Batches held in memory before the queue goes to disk even while the server is up. */
const MEMORY_BYTES = 32 << 20;
/** At most this much per insert when batches are sent together. */
const MAX_INSERT_BYTES = 16 << 20;
/** How far down the queue a group looks for batches of its channel. */
const GROUP_SCAN = 4096;

export class ClickHouseSink {
  private pending: AnyEvent[] = [];
  /** In order: every spooled batch precedes every in-memory one. */
  private queue: Batch[] = [];
  private memoryBytes = 0;
  private readonly spooled = { batches: 0, bytes: 0 };
  private seq = 0;
  private server: ClickHouseServerInfo | null = null;
  private state: SinkState = 'starting';
  private readonly counters = { sent_rows: 0, sent_batches: 0, spooled_total: 0, failures: 0, dropped_rows: 0, rejected_batches: 0 };
  private lastError: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private wake: { onWork: boolean; resolve: () => void } | null = null;
  private closing = false;
  private stopRequested = false;
  private loop: Promise<void> | null = null;
  private cutScheduled = false;
  /** Cuts run one after another, so batches enter the queue in sequence order. */
  private cutting: Promise<void> = Promise.resolve();
  private readonly http: ClickHouseHttp;
  private readonly log: NonNullable<ClickHouseSinkOptions['log']>;
  private readonly retry: { minMs: number; maxMs: number };

  constructor(private readonly options: ClickHouseSinkOptions) {
    this.http = options.http ?? connectClickHouse(options.config);
    this.log = options.log ?? ((level, message) => console[level](`clickhouse: ${message}`));
    this.retry = options.retry ?? { minMs: 500, maxMs: 30_000 };
  }

  /** Picks up a spool left by an earlier run, then starts the timer and the sender. Never waits for the server. */
  async start(): Promise<void> {
    await mkdir(this.options.spoolDir, { recursive: true });
    for (const name of await readdirOrEmpty(this.options.spoolDir)) {
      const m = SPOOL_FILE.exec(name);
      if (!m) {
        if (name.startsWith('.') && name.endsWith('.tmp')) await rm(join(this.options.spoolDir, name), { force: true });
        continue;
      }
      if (!isClickHouseChannel(m[2]!)) continue;
      const file = join(this.options.spoolDir, name);
      const bytes = (await stat(file)).size;
      this.queue.push({ seq: Number(m[1]), ch: m[2], rows: Number(m[3]), body: null, file, bytes });
      this.spooled.batches++;
      this.spooled.bytes += bytes;
    }
    this.queue.sort((a, b) => a.seq - b.seq);
    this.seq = (this.queue.at(-1)?.seq ?? 0) + 1;
    if (this.queue.length) this.log('info', `${this.queue.length} spooled batch(es) from an earlier run to send`);
    this.timer = setInterval(() => void this.cut(), this.options.config.flush_ms);
    this.timer.unref?.();
    this.loop = this.sendLoop();
  }

  /** The recorder's tap: O(1), never throws, never waits. */
  push(event: AnyEvent): void {
    if (this.closing || !isClickHouseChannel(event.ch)) return;
    this.pending.push(event);
    if (this.pending.length >= this.options.config.batch_rows && !this.cutScheduled) {
      this.cutScheduled = true;
      setImmediate(() => void this.cut());
    }
  }

  stats(): SinkStats {
    return {
      state: this.state,
      server: this.server,
      ...this.counters,
      spooled_batches: this.spooled.batches,
      spooled_bytes: this.spooled.bytes,
      last_error: this.lastError,
    };
  }

  /**
   * Sends what is pending for up to `drainMs` (default 5 s), then leaves the rest in the spool for
   * the next run, and closes the connection.
   */
  async stop({ drainMs = 5000 }: { drainMs?: number } = {}): Promise<SinkStats> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.cut();
    this.closing = true;
    const deadline = Date.now() + drainMs;
    // while the server is down everything is on disk already: no point waiting for it
    while (this.queue.length > 0 && this.state !== 'down' && Date.now() < deadline) await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    this.stopRequested = true;
    this.wakeUp(true);
    await this.loop;
    await this.spillMemory();
    await this.http.close();
    this.state = 'stopped';
    return this.stats();
  }

  private cut(): Promise<void> {
    this.cutScheduled = false;
    if (this.pending.length === 0) return this.cutting;
    const events = this.pending;
    this.pending = [];
    this.cutting = this.cutting.then(() => this.batch(events)).catch((e: unknown) => this.log('error', `batching failed: ${(e as Error).message}`));
    return this.cutting;
  }

  /** Events → one batch per channel, queued (or spooled when the queue is already on disk). */
  private async batch(events: AnyEvent[]): Promise<void> {
    const lines = new Map<ClickHouseChannel, string[]>();
    for (const event of events) {
      const ch = event.ch as ClickHouseChannel;
      let list = lines.get(ch);
      if (!list) lines.set(ch, (list = []));
      list.push(eventRow(event));
    }
    for (const [ch, rows] of lines) {
      const body = Buffer.from(rows.join('\n') + '\n');
      const batch: Batch = { seq: this.seq++, ch, rows: rows.length, body, file: null, bytes: body.length };
      const onDisk = this.spooled.batches > 0 || this.state === 'down' || this.memoryBytes + body.length > MEMORY_BYTES;
      if (onDisk && !(await this.spool(batch))) continue;
      if (!batch.file) this.memoryBytes += batch.bytes;
      this.queue.push(batch);
    }
    this.wakeUp(false);
  }

  /** Writes a batch to the spool; false (rows dropped, counted) when the spool is full. */
  private async spool(batch: Batch): Promise<boolean> {
    if (this.spooled.bytes + batch.bytes > this.options.config.max_spool_bytes) {
      if (this.counters.dropped_rows === 0) this.log('warn', `spool full (${this.options.config.max_spool_bytes} bytes): dropping new rows until the server is back`);
      this.counters.dropped_rows += batch.rows;
      return false;
    }
    const name = `${String(batch.seq).padStart(12, '0')}-${batch.ch}-${batch.rows}.ndjson`;
    const file = join(this.options.spoolDir, name);
    const temp = join(this.options.spoolDir, `.${name}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temp, batch.body!);
      await rename(temp, file);
    } catch (e) {
      await rm(temp, { force: true });
      this.log('error', `cannot spool ${batch.rows} ${batch.ch} rows (dropped): ${(e as Error).message}`);
      this.counters.dropped_rows += batch.rows;
      return false;
    }
    batch.file = file;
    batch.body = null;
    this.spooled.batches++;
    this.spooled.bytes += batch.bytes;
    this.counters.spooled_total++;
    return true;
  }

  /** Moves every in-memory batch to the spool (the server is down, or the sink is stopping). */
  private async spillMemory(): Promise<void> {
    for (const batch of [...this.queue]) {
      if (batch.file) continue;
      this.memoryBytes -= batch.bytes;
      if (!(await this.spool(batch))) this.queue.splice(this.queue.indexOf(batch), 1);
    }
  }

  private async sendLoop(): Promise<void> {
    let delay = this.retry.minMs;
    const fail = async (e: unknown) => {
      this.counters.failures++;
      const message = (e as Error).message.split('\n')[0]!;
      if (this.state !== 'down') this.log('warn', `server unreachable or failing (${message}); spooling to disk and retrying`);
      this.lastError = message;
      this.state = 'down';
      await this.spillMemory();
      await this.idle(delay, false);
      delay = Math.min(this.retry.maxMs, delay * 2);
    };
    while (!this.stopRequested) {
      if (!this.server) {
        try {
          this.server = await prepareServer(this.http, this.options.config);
          const { version, lacks, drift } = this.server;
          this.log('info', `ClickHouse ${version} at ${this.http.url}, database ${this.options.config.database}`);
          for (const lack of lacks) this.log('warn', `server lacks ${lack}`);
          for (const d of drift) this.log('warn', `schema differs: ${d}`);
        } catch (e) {
          await fail(e);
          continue;
        }
      }
      const group = this.nextGroup();
      if (group.length === 0) {
        if (this.closing) return;
        await this.idle(1000, true);
        continue;
      }
      try {
        const bodies = await Promise.all(group.map((b) => b.body ?? readFile(b.file!)));
        await this.http.insert(tableName(this.options.config.database, group[0]!.ch), Buffer.concat(bodies));
      } catch (e) {
        if (isDataError(e)) {
          if (group.length === 1) await this.reject(group[0]!, e as Error);
          else for (const b of group) b.alone = true; // find the one at fault
          continue;
        }
        await fail(e);
        continue;
      }
      if (this.state !== 'connected') {
        if (this.state === 'down') this.log('info', `server back; catching up on ${this.queue.length} batch(es)`);
        this.state = 'connected';
        this.lastError = null;
      }
      delay = this.retry.minMs;
      this.dequeue(group);
      for (const batch of group) {
        this.counters.sent_rows += batch.rows;
        this.counters.sent_batches++;
        if (batch.file) await rm(batch.file, { force: true });
      }
    }
  }

  /**
   * The oldest batch and the next ones of its channel, up to MAX_INSERT_BYTES: one insert for
   * many small batches, so catching up after an outage is faster than the live stream.
   */
  private nextGroup(): Batch[] {
    const head = this.queue[0];
    if (!head) return [];
    const group = [head];
    if (head.alone) return group;
    let bytes = head.bytes;
    for (let i = 1; i < this.queue.length && i < GROUP_SCAN; i++) {
      const b = this.queue[i]!;
      if (b.ch !== head.ch || b.alone) continue;
      if (bytes + b.bytes > MAX_INSERT_BYTES) break;
      group.push(b);
      bytes += b.bytes;
    }
    return group;
  }

  private dequeue(batches: Batch[]): void {
    const gone = new Set(batches);
    this.queue = this.queue.filter((b) => !gone.has(b));
    for (const batch of batches) {
      if (batch.file) {
        this.spooled.batches--;
        this.spooled.bytes -= batch.bytes;
      } else {
        this.memoryBytes -= batch.bytes;
      }
    }
  }

  private async reject(batch: Batch, error: Error): Promise<void> {
    const dir = join(this.options.spoolDir, 'rejected');
    await mkdir(dir, { recursive: true });
    const kept = join(dir, `${String(batch.seq).padStart(12, '0')}-${batch.ch}-${batch.rows}.ndjson`);
    if (batch.file) await rename(batch.file, kept);
    else await writeFile(kept, batch.body!);
    await writeFile(`${kept}.error.txt`, `${error.message}\n`);
    this.dequeue([batch]);
    this.counters.rejected_batches++;
    this.log('error', `the server refused ${batch.rows} ${batch.ch} rows as data; kept in ${kept}: ${error.message.split('\n')[0]}`);
  }

  private wakeUp(stopping: boolean): void {
    if (this.wake && (stopping || this.wake.onWork)) this.wake.resolve();
  }

  /** Waits `ms`; less when the sink stops, or (with `onWork`) when a batch arrives. */
  private idle(ms: number, onWork: boolean): Promise<void> {
    if (this.stopRequested) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = { onWork, resolve: done };
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
