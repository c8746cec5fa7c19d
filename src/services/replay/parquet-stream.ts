/**
 * A compacted day played as one stream in replay order, straight from its Parquet files: one
 * streaming DuckDB query per part file (each file is sorted by ts_ingest_utc, event_id), merged on
 * numbers. DuckDB decodes a few thousand rows ahead per file while the merge runs, so memory stays
 * at two result chunks per file however long the day is. Events never become objects here: the
 * merge hands out (file, row) and the caller asks for a row's JSON only when it writes it.
 *
 * Time is epoch µs (exact in a double until 2255) from the reader through the merge; the replay
 * clock works in ms; ISO text appears only in the JSON.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBResult } from '@duckdb/node-api';
import type { Channel } from '../../shared/channels';
import { sqlString } from '../../shared/sql';
import { isoFromMicros } from '../../shared/time';
import { NO_EVENTS, type BatchLimits, type EventBatch, type OrderedEvents } from './ordered-events';
import { channelLayout, ChunkRows, type ChannelLayout } from './row-json';

/** One part file's rows from a start time on, a chunk at a time, the next chunk already being read. */
export class FileCursor {
  /** Ingest times (epoch µs) of the current chunk's rows. */
  times: Float64Array = new Float64Array(0);
  /** Next row of the current chunk. */
  row = 0;
  ended = false;
  private rows: ChunkRows | null = null;
  private chunk: DuckDBDataChunk | null = null;
  private next: Promise<DuckDBDataChunk | null> | null = null;
  private closed = false;

  private constructor(
    readonly ch: Channel,
    private readonly connection: DuckDBConnection,
    private readonly result: DuckDBResult,
    private readonly layout: ChannelLayout,
  ) {}

  static async open(instance: DuckDBInstance, ch: Channel, file: string, fromUs: number): Promise<FileCursor> {
    const connection = await instance.connect();
    try {
      const relation = `read_parquet(${sqlString(file)}, hive_partitioning = false)`;
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
      const layout = channelLayout(ch, new Set(described.getRowObjectsJS().map((r) => String(r.column_name))));
      const result = await connection.stream(`SELECT ${layout.select} FROM ${relation} WHERE ts_ingest_utc >= TIMESTAMPTZ '${isoFromMicros(fromUs)}'`);
      const cursor = new FileCursor(ch, connection, result, layout);
      cursor.next = result.fetchChunk();
      return cursor;
    } catch (e) {
      connection.closeSync();
      throw e;
    }
  }

  get count(): number {
    return this.times.length;
  }

  /** Whether the current chunk is used up (and the cursor not ended): `load()` before reading on. */
  get drained(): boolean {
    return !this.ended && this.row >= this.times.length;
  }

  /** Replace the used-up chunk with the next one (already being read), and start reading the one after. */
  async load(): Promise<void> {
    while (this.drained) {
      const chunk = await this.next;
      this.release();
      if (this.closed) return void chunk?.reset();
      if (!chunk || chunk.rowCount === 0) {
        this.ended = true;
        this.next = null;
        this.times = new Float64Array(0);
        return;
      }
      this.next = this.result.fetchChunk();
      this.chunk = chunk;
      this.rows = new ChunkRows(this.layout, chunk);
      this.times = this.rows.times();
      this.row = 0;
    }
  }

  /** Whether the event at `row` comes before the event at `other`'s row `otherRow`, both of the same instant. */
  idBefore(row: number, other: FileCursor, otherRow: number): boolean {
    const key = this.rows!.eventIdKey(row);
    const otherKey = key === null ? null : other.rows!.eventIdKey(otherRow);
    if (key !== null && otherKey !== null) return key < otherKey;
    return this.rows!.eventId(row) < other.rows!.eventId(otherRow);
  }

  /** The event of `row` (of the current chunk) as JSON text. */
  json(row: number): string {
    return this.rows!.json(row);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.release();
    (await this.next?.catch(() => null))?.reset(); // a read in flight must finish before its connection goes
    this.connection.closeSync();
  }

  /**
   * Give back the used-up chunk's memory now. A chunk's native buffers are otherwise freed only
   * when V8 collects its small wrapper object, which can take many chunks' worth of megabytes.
   */
  private release(): void {
    this.chunk?.reset();
    this.chunk = null;
    this.rows = null;
  }
}

/** Receives each merged event: its file cursor and row (valid until the sink returns); false stops the take. */
export type EventSink = (cursor: FileCursor, row: number) => boolean | void;

export class DayStream implements OrderedEvents {
  private constructor(private readonly cursors: FileCursor[]) {}

  /** Stream `files` (per channel, their part files) from `fromUs` (inclusive) on. */
  static async open(instance: DuckDBInstance, files: Partial<Record<Channel, readonly string[]>>, fromUs: number): Promise<DayStream> {
    const opening = Object.entries(files).flatMap(([ch, paths]) => paths!.map((file) => FileCursor.open(instance, ch as Channel, file, fromUs)));
    const settled = await Promise.allSettled(opening);
    const cursors = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(cursors.map((c) => c.close()));
      throw (failed as PromiseRejectedResult).reason;
    }
    return new DayStream(cursors);
  }

  get ended(): boolean {
    return this.cursors.every((c) => c.ended);
  }

  /** Time (epoch µs) of the next event, or null at the end of the day. */
  async peekUs(): Promise<number | null> {
    await this.loadHeads();
    let best: number | null = null;
    for (const c of this.cursors) if (!c.ended && (best === null || c.times[c.row]! < best)) best = c.times[c.row]!;
    return best;
  }

  /**
   * Hand the next events with ts_ingest_utc < `untilUs` to `sink` in replay order (ingest time, then
   * event id), at most `max` (or until the sink returns false). Resolves with how many were handed out.
   */
  async take(untilUs: number, max: number, sink: EventSink): Promise<number> {
    let taken = 0;
    for (;;) {
      await this.loadHeads();
      let best: FileCursor | null = null;
      let second: FileCursor | null = null;
      for (const c of this.cursors) {
        if (c.ended) continue;
        if (best === null || before(c, best)) {
          second = best;
          best = c;
        } else if (second === null || before(c, second)) second = c;
      }
      if (best === null || best.times[best.row]! >= untilUs) return taken;
      // Run through `best` while it stays ahead of every other file (its rows are already in order).
      const limit = Math.min(untilUs, second === null ? Infinity : second.times[second.row]!);
      const times = best.times;
      let row = best.row;
      let more = true;
      while (more && row < times.length && taken < max && times[row]! < limit) {
        more = sink(best, row++) !== false;
        taken++;
      }
      best.row = row;
      if (!more || taken >= max) return taken;
      if (row < times.length && second !== null) {
        const t = times[row]!;
        // a tie in time with `second`: the event id decides, one event at a time
        if (t === limit && t < untilUs && best.idBefore(row, second, second.row)) {
          best.row = row + 1;
          taken++;
          if (sink(best, row) === false) return taken;
        }
      }
    }
  }

  async next(untilUs: number, limits: BatchLimits): Promise<EventBatch> {
    const events: string[] = [];
    let lastUs = NaN;
    let bytes = 0;
    let full = false;
    await this.take(untilUs, limits.maxEvents, (cursor, row) => {
      const json = cursor.json(row);
      events.push(json);
      lastUs = cursor.times[row]!;
      bytes += json.length; // characters: bytes too but for the rare non-ASCII text
      full = events.length >= limits.maxEvents || bytes >= limits.maxBytes;
      return !full;
    });
    return events.length === 0 ? NO_EVENTS : { json: [Buffer.from(events.join(','))], count: events.length, lastUs, full };
  }

  async close(): Promise<void> {
    await Promise.all(this.cursors.map((c) => c.close()));
  }

  private async loadHeads(): Promise<void> {
    const waiting = this.cursors.filter((c) => c.drained);
    if (waiting.length > 0) await Promise.all(waiting.map((c) => c.load()));
  }
}

/** Whether the head event of `a` comes before the head event of `b` in replay order. */
function before(a: FileCursor, b: FileCursor): boolean {
  const ta = a.times[a.row]!;
  const tb = b.times[b.row]!;
  return ta < tb || (ta === tb && a.idBefore(a.row, b, b.row));
}
