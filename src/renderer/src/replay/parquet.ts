/**
 * Parquet row groups → Arrow IPC with parquet-wasm, reading only the bytes those row groups need.
 * The file is never fetched whole: parquet-wasm's async reader asks a Blob-like object for byte
 * ranges (footer first, then the column chunks of the requested row groups), and `RangeFile`
 * answers them through `HeliosApi.readParquet({offset, length})`, in aligned blocks with a small
 * cache so neighbouring requests share one read.
 */
import initParquetWasm, { ParquetFile } from 'parquet-wasm/esm';
import { PARQUET_WASM_URL } from './assets';

let ready: Promise<unknown> | null = null;

export function loadParquetWasm(): Promise<unknown> {
  ready ??= initParquetWasm({ module_or_path: PARQUET_WASM_URL });
  return ready;
}

export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

const BLOCK = 256 * 1024;

/**
 * A read-only, Blob-shaped view of a remote file (`size` + `slice(a, b).arrayBuffer()`), which is
 * all parquet-wasm's `ParquetFile.fromFile` uses.
 */
export class RangeFile {
  private readonly blocks = new Map<number, Promise<Uint8Array>>();
  private readonly order: number[] = [];
  bytesRead = 0;
  requests = 0;

  constructor(
    readonly size: number,
    private readonly readRange: ReadRange,
    private readonly maxCachedBlocks = 64,
  ) {}

  slice(start = 0, end = this.size): { arrayBuffer(): Promise<ArrayBuffer> } {
    const a = Math.max(0, start);
    const b = Math.min(this.size, end);
    return { arrayBuffer: () => this.read(a, b) };
  }

  private async read(start: number, end: number): Promise<ArrayBuffer> {
    const out = new Uint8Array(Math.max(0, end - start));
    if (out.length === 0) return out.buffer;
    const first = Math.floor(start / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    // fetch every missing block of the span in one request
    let missingFrom: number | null = null;
    const fetchRun = (from: number, to: number) => {
      const offset = from * BLOCK;
      const length = Math.min(this.size, (to + 1) * BLOCK) - offset;
      this.requests++;
      const whole = this.readRange(offset, length).then((bytes) => {
        if (bytes.length !== length) throw new Error(`short read: asked ${length} bytes at ${offset}, got ${bytes.length}`);
        this.bytesRead += bytes.length;
        return bytes;
      });
      for (let k = from; k <= to; k++) {
        this.remember(k, whole.then((bytes) => bytes.subarray((k - from) * BLOCK, Math.min(bytes.length, (k - from + 1) * BLOCK))));
      }
    };
    for (let k = first; k <= last; k++) {
      if (!this.blocks.has(k)) missingFrom ??= k;
      else if (missingFrom !== null) {
        fetchRun(missingFrom, k - 1);
        missingFrom = null;
      }
    }
    if (missingFrom !== null) fetchRun(missingFrom, last);
    const parts: Promise<Uint8Array>[] = [];
    for (let k = first; k <= last; k++) parts.push(this.blocks.get(k)!);
    for (let k = first; k <= last; k++) {
      const block = await parts[k - first]!;
      const blockStart = k * BLOCK;
      const from = Math.max(start, blockStart);
      const to = Math.min(end, blockStart + block.length);
      out.set(block.subarray(from - blockStart, to - blockStart), from - start);
    }
    return out.buffer;
  }

  private remember(k: number, block: Promise<Uint8Array>): void {
    block.catch(() => this.blocks.delete(k));
    this.blocks.set(k, block);
    this.order.push(k);
    while (this.order.length > this.maxCachedBlocks) {
      const old = this.order.shift()!;
      if (!this.order.includes(old)) this.blocks.delete(old);
    }
  }
}

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/**
 * Check that a file is whole before parquet-wasm reads it: `size` bytes (what the manifest says),
 * "PAR1" at both ends, and a footer that fits. A read that fails inside parquet-wasm traps its whole
 * wasm instance (and whatever else that worker was doing), so a truncated or overwritten file is
 * caught here, with a reason a person can act on.
 */
export async function checkParquetEnds(size: number, readRange: ReadRange): Promise<void> {
  if (size < 12) throw new Error(`only ${size} bytes: not a Parquet file`);
  const [head, tail] = await Promise.all([readRange(0, 4), readRange(size - 8, 8)]);
  if (tail.length < 8) throw new Error(`the file is shorter than the ${size} bytes the manifest lists (truncated?)`);
  if (!MAGIC.every((b, i) => head[i] === b && tail[4 + i] === b)) throw new Error('no Parquet magic at both ends (overwritten or not a Parquet file)');
  const footer = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
  if (footer + 12 > size) throw new Error(`corrupt footer: it claims ${footer} bytes of a ${size}-byte file`);
}

export interface OpenedParquet {
  file: ParquetFile;
  range: RangeFile;
  rowGroups: number;
  hasColumn(name: string): boolean;
}

export async function openParquet(size: number, readRange: ReadRange): Promise<OpenedParquet> {
  await loadParquetWasm();
  const range = new RangeFile(size, readRange);
  const file = await ParquetFile.fromFile(range as unknown as Blob);
  const metadata = file.metadata();
  const rowGroups = metadata.numRowGroups();
  metadata.free();
  const present = new Map<string, boolean>();
  const hasColumn = (name: string) => {
    let known = present.get(name);
    if (known === undefined) {
      const schema = file.schema();
      try {
        schema.indexOf(name); // throws for a column the file doesn't have
        known = true;
      } catch {
        known = false;
      } finally {
        schema.free();
      }
      present.set(name, known);
    }
    return known;
  };
  return { file, range, rowGroups, hasColumn };
}

export interface DecodeOptions {
  /**
   * Only these columns (read from the file's byte ranges of those columns alone). Note that
   * parquet-wasm 0.8's one-shot `readParquet(bytes, { columns })` ignores `columns`; the
   * `ParquetFile.read` used here honours it.
   */
  columns?: string[];
  /** Leave out the `columns` the file doesn't have (an older layout) instead of failing. */
  skipMissingColumns?: boolean;
  /** Only `limit` rows from `offset` (counted within the selected row groups). */
  offset?: number;
  limit?: number;
}

/** Decode row groups (optionally some columns, some rows) to an Arrow IPC stream. */
export async function decodeRowGroups(parquet: OpenedParquet, rowGroups: number[], options: DecodeOptions = {}): Promise<Uint8Array> {
  const { offset, limit } = options;
  const columns = options.skipMissingColumns ? options.columns?.filter((c) => parquet.hasColumn(c)) : options.columns;
  const table = await parquet.file.read({
    rowGroups,
    ...(columns ? { columns } : {}),
    ...(offset !== undefined ? { offset } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
  return table.intoIPCStream();
}
