/**
 * A closed day's replay copy: every event of the day once more, merged in replay order and
 * serialized as the JSON the server sends, written once so that replaying the day is reading
 * bytes instead of merging ten files and writing each event's JSON again (the merge and the JSON
 * are most of a replay's cost: `npm run bench -- serve`). kdb+'s end-of-day step and
 * tardis-machine's per-minute message slices are the same idea.
 *
 * The copy is a Parquet file, `_replay-v1.parquet` in the day's generation folder, so it is
 * replaced with the generation it was made from and can be deleted at any time (it is built again
 * on the next replay). One row per block of up to 1000 consecutive events, one row group per
 * block, LZ4 (decompresses several times faster than zstd, for twice the size):
 *   start_us, end_us  DOUBLE  first and last event's ingest time (epoch µs)
 *   times             BLOB    each event's ingest time, Float64 little-endian
 *   channels          BLOB    each event's channel, one byte: its index in CHANNELS
 *   ends              BLOB    where each event's JSON ends in `json`, Uint32 little-endian
 *   json              BLOB    the events' JSON, each followed by a comma, UTF-8
 * A change to any of that, or to CHANNELS' order, is a new version in the file name.
 *
 * Both sides use parquet-wasm, the reader the app already uses for row groups: reading holds one
 * group of blocks per client (about a megabyte each), however long the day.
 */
import { createWriteStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { Binary, Float64, Table, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { Compression, EnabledStatistics, ParquetFile, Table as WasmTable, WriterPropertiesBuilder, transformParquetStream, wasmMemory, type FFIStream } from 'parquet-wasm/node';
import type { DuckDBInstance } from '@duckdb/node-api';
import { CHANNELS, type Channel } from '../../shared/channels';
import { lowerBound } from '../../shared/sorted';
import { readAtSync } from '../files';
import { NO_EVENTS, type BatchLimits, type EventBatch, type OrderedEvents } from './ordered-events';
import { DayStream } from './parquet-stream';

export const REPLAY_COPY_FILE = '_replay-v1.parquet';
const BLOCK_EVENTS = 1000;
/** Blocks per read: a read costs a few hundred µs besides its bytes. */
const READ_BLOCKS = 2;
/** Blocks per Arrow batch handed to the writer while building. */
const WRITE_BLOCKS = 8;

/** A block's columns, in the order `blocksFromWasm` reads them. */
const BLOCK_COLUMNS = ['times', 'channels', 'ends', 'json'];

interface Block {
  times: Float64Array;
  channels: Uint8Array;
  ends: Uint32Array;
  json: Uint8Array;
}

export interface BuildOptions {
  /** Abandons the build (nothing is left behind). */
  signal?: AbortSignal;
  /** Events per block (default 1000). */
  blockEvents?: number;
}

/** Build the copy of a day from its part files (per channel), at `path`: written aside, then renamed into place. */
export async function buildReplayCopy(
  instance: DuckDBInstance,
  files: Partial<Record<Channel, readonly string[]>>,
  path: string,
  { signal, blockEvents = BLOCK_EVENTS }: BuildOptions = {},
): Promise<{ events: number; blocks: number }> {
  const day = await DayStream.open(instance, files, 0);
  const channelCode = new Map<string, number>(CHANNELS.map((ch, k) => [ch, k]));
  let events = 0;
  let blocks = 0;
  async function* batches(): AsyncGenerator<unknown> {
    let rows: { start: number; end: number; times: Uint8Array; channels: Uint8Array; ends: Uint8Array; json: Uint8Array }[] = [];
    let times: number[] = [];
    let codes: number[] = [];
    let ends: number[] = [];
    let text = '';
    let bytes = 0;
    const endBlock = () => {
      rows.push({
        start: times[0]!,
        end: times[times.length - 1]!,
        times: new Uint8Array(Float64Array.from(times).buffer),
        channels: Uint8Array.from(codes),
        ends: new Uint8Array(Uint32Array.from(ends).buffer),
        json: Buffer.from(text),
      });
      blocks++;
      times = [];
      codes = [];
      ends = [];
      text = '';
      bytes = 0;
    };
    const batch = () => {
      const table = new Table({
        start_us: vectorFromArray(rows.map((r) => r.start), new Float64()),
        end_us: vectorFromArray(rows.map((r) => r.end), new Float64()),
        times: vectorFromArray(rows.map((r) => r.times), new Binary()),
        channels: vectorFromArray(rows.map((r) => r.channels), new Binary()),
        ends: vectorFromArray(rows.map((r) => r.ends), new Binary()),
        json: vectorFromArray(rows.map((r) => r.json), new Binary()),
      });
      rows = [];
      return WasmTable.fromIPCStream(tableToIPC(table, 'stream')).recordBatch(0);
    };
    try {
      for (;;) {
        signal?.throwIfAborted();
        const n = await day.take(Infinity, 5000, (cursor, row) => {
          const json = cursor.json(row) + ',';
          times.push(cursor.times[row]!);
          codes.push(channelCode.get(cursor.ch)!);
          bytes += Buffer.byteLength(json);
          ends.push(bytes);
          text += json;
          if (times.length >= blockEvents) endBlock();
        });
        if (n === 0) break;
        events += n;
        if (rows.length >= WRITE_BLOCKS) yield batch();
      }
      if (times.length > 0) endBlock();
      if (rows.length > 0) yield batch();
    } finally {
      await day.close();
    }
  }
  const source = batches();
  const input = new ReadableStream({
    async pull(controller) {
      const next = await source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await source.return(undefined);
    },
  });
  // no statistics: nothing filters on the blobs, and their min/max would only swell the footer
  const properties = new WriterPropertiesBuilder()
    .setCompression(Compression.LZ4_RAW)
    .setMaxRowGroupSize(1)
    .setStatisticsEnabled(EnabledStatistics.None)
    .build();
  const aside = `${path}.${process.pid}-${Date.now()}.tmp`;
  try {
    const output = await transformParquetStream(input, properties);
    await output.pipeTo(Writable.toWeb(createWriteStream(aside)) as WritableStream<Uint8Array>);
    await rename(aside, path);
  } catch (e) {
    await rm(aside, { force: true });
    throw e;
  }
  return { events, blocks };
}

/**
 * Reads of every copy in the process, one after another. parquet-wasm decodes on this thread
 * anyway, so this costs no speed; it keeps the module's memory (which never shrinks) at what one
 * read needs instead of what as many reads as clients need at once.
 */
let lastRead: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(read: () => Promise<T>): Promise<T> {
  const result = lastRead.then(read, read);
  lastRead = result.catch(() => undefined);
  return result;
}

/** An open replay copy: its block index, and its blocks read on demand. */
export class ReplayCopy {
  private constructor(
    private readonly handle: FileHandle,
    private readonly file: ParquetFile,
    /** Each block's last event time (epoch µs): where a read from an instant starts. */
    readonly endUs: Float64Array,
  ) {}

  static async open(path: string): Promise<ReplayCopy> {
    const handle = await open(path, 'r');
    try {
      const size = (await handle.stat()).size;
      const [file, ipc] = await oneAtATime(async () => {
        const opened = await ParquetFile.fromFile(new FileSlices(handle, size) as unknown as Blob);
        return [opened, (await opened.read({ columns: ['end_us'] })).intoIPCStream()] as const;
      });
      const endUs = Float64Array.from(tableFromIPC(ipc).getChild('end_us')!.toArray() as Float64Array);
      return new ReplayCopy(handle, file, endUs);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  get blockCount(): number {
    return this.endUs.length;
  }

  /** Blocks `from` … `from + count - 1` (fewer at the end of the day). */
  async readBlocks(from: number, count: number): Promise<Block[]> {
    const rowGroups: number[] = [];
    for (let k = from; k < Math.min(this.blockCount, from + count); k++) rowGroups.push(k);
    if (rowGroups.length === 0) return [];
    return oneAtATime(async () => {
      const table = (await this.file.read({ rowGroups, columns: BLOCK_COLUMNS })).intoFFI();
      try {
        return blocksFromWasm(table);
      } finally {
        table.free();
      }
    });
  }

  /** The day's events of `channels` from `fromUs` (inclusive) on. */
  events(fromUs: number, channels: ReadonlySet<Channel>): OrderedEvents {
    return new CopyEvents(this, fromUs, channels);
  }

  close(): void {
    this.file.free();
    void this.handle.close();
  }
}

/**
 * The blocks of a table decoded by parquet-wasm, copied straight out of its memory through the
 * Arrow C data interface (https://arrow.apache.org/docs/format/CDataInterface.html; wasm32, so
 * pointers are 4 bytes): one copy of each value, where an Arrow IPC stream costs two copies and
 * a parse. Each record batch is a struct array whose children are BLOCK_COLUMNS, all Binary
 * (buffers: validity, Int32 offsets, bytes); none of them has nulls.
 */
function blocksFromWasm(table: FFIStream): Block[] {
  // read after the decode: the memory's buffer is replaced whenever wasm memory grows
  const memory = wasmMemory().buffer;
  const view = new DataView(memory);
  const int64 = (at: number) => Number(view.getBigInt64(at, true));
  const pointer = (at: number) => view.getUint32(at, true);
  const blocks: Block[] = [];
  for (let chunk = 0; chunk < table.numArrays(); chunk++) {
    const batch = table.arrayAddr(chunk);
    const rows = int64(batch);
    const children = pointer(batch + 44);
    const columns = BLOCK_COLUMNS.map((_, k) => {
      const column = pointer(children + 4 * k);
      const buffers = pointer(column + 40);
      return { offset: int64(column + 16), offsets: pointer(buffers + 4), bytes: pointer(buffers + 8) };
    });
    // a value's bytes, copied out of wasm memory (its own ArrayBuffer, so typed-array views are aligned)
    const value = (k: number, row: number) => {
      const { offset, offsets, bytes } = columns[k]!;
      const start = view.getInt32(offsets + 4 * (offset + row), true);
      const end = view.getInt32(offsets + 4 * (offset + row + 1), true);
      return new Uint8Array(memory, bytes + start, end - start).slice();
    };
    for (let row = 0; row < rows; row++) {
      blocks.push({
        times: new Float64Array(value(0, row).buffer),
        channels: value(1, row),
        ends: new Uint32Array(value(2, row).buffer),
        json: value(3, row),
      });
    }
  }
  return blocks;
}

/**
 * The part of Blob that parquet-wasm's `ParquetFile.fromFile` uses (`size`, `slice().arrayBuffer()`),
 * as positioned reads of an open file: Node's own file Blob reads a slice as a stream of small
 * chunks, which cost more than the decoding. The reads stay on this thread (a row group's few
 * hundred kilobytes of a file this server wrote, from the page cache): through the thread pool the
 * same day read at ~450k events/s, on the thread at ~730k (`npm run bench -- serve`, part 1).
 */
class FileSlices {
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  slice(start = 0, end = this.size): { arrayBuffer(): Promise<ArrayBuffer> } {
    const from = Math.max(0, start);
    const length = Math.max(0, Math.min(this.size, end) - from);
    return {
      arrayBuffer: async () => {
        const bytes = readAtSync(this.handle.fd, from, length);
        if (bytes.length !== length) throw new Error(`replay copy: ${length - bytes.length} bytes short at ${from + bytes.length}`);
        return bytes.buffer;
      },
    };
  }
}

/** A copy read from an instant on, the next group of blocks already being read. */
class CopyEvents implements OrderedEvents {
  private readonly wanted = new Uint8Array(256);
  private readonly allWanted: boolean;
  private block: Block | null = null;
  private pending: Block[] = [];
  /** Next block to request from the copy. */
  private nextRead: number;
  private reading: Promise<Block[]> | null = null;
  private row = 0;
  private ended = false;

  constructor(
    private readonly copy: ReplayCopy,
    /** Events before this instant (epoch µs) are skipped: the first block read may start earlier. */
    private readonly fromUs: number,
    channels: ReadonlySet<Channel>,
  ) {
    for (const ch of channels) this.wanted[CHANNELS.indexOf(ch)] = 1;
    this.allWanted = CHANNELS.every((ch) => channels.has(ch));
    this.nextRead = lowerBound(copy.endUs, fromUs); // the first block ending at or after fromUs
    this.startReading();
  }

  async next(untilUs: number, limits: BatchLimits): Promise<EventBatch> {
    const pieces: Uint8Array[] = [];
    let count = 0;
    let bytes = 0;
    let lastUs = NaN;
    let full = false;
    while (!full) {
      const block = await this.current();
      if (!block) break;
      const { times, channels, ends, json } = block;
      let row = this.row;
      while (row < times.length && times[row]! < this.fromUs) row++;
      let runStart = -1; // where the JSON of the run of wanted events being collected starts (-1: no run)
      const endRun = (to: number) => {
        if (runStart < 0) return;
        pieces.push(json.subarray(runStart, ends[to - 1]!));
        bytes += ends[to - 1]! - runStart;
        runStart = -1;
      };
      let stopped = false;
      for (; row < times.length; row++) {
        const t = times[row]!;
        if (t >= untilUs) {
          stopped = true;
          break;
        }
        if (this.allWanted || this.wanted[channels[row]!] === 1) {
          if (runStart < 0) runStart = row === 0 ? 0 : ends[row - 1]!;
          count++;
          lastUs = t;
          if (count >= limits.maxEvents || bytes + ends[row]! - runStart >= limits.maxBytes) {
            row++;
            full = true;
            break;
          }
        } else endRun(row);
      }
      endRun(row);
      this.row = row;
      if (stopped) break;
      if (row >= times.length) this.block = null;
    }
    if (count === 0) return NO_EVENTS;
    const last = pieces.length - 1;
    pieces[last] = pieces[last]!.subarray(0, pieces[last]!.length - 1); // without the last event's comma
    return { json: pieces, count, lastUs, full };
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.reading?.catch(() => undefined);
    this.pending = [];
    this.block = null;
  }

  /** The block being read from, the next one once it is used up; null at the end of the day. */
  private async current(): Promise<Block | null> {
    while (!this.block) {
      if (this.pending.length === 0) {
        if (!this.reading) return null;
        this.pending = await this.reading;
        this.reading = null;
        this.startReading();
        if (this.pending.length === 0) return null;
      }
      this.block = this.pending.shift()!;
      this.row = 0;
    }
    return this.block;
  }

  private startReading(): void {
    if (this.ended || this.nextRead >= this.copy.blockCount) return;
    this.reading = this.copy.readBlocks(this.nextRead, READ_BLOCKS);
    this.nextRead += READ_BLOCKS;
  }
}
