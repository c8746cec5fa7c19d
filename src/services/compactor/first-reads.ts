/**
 * Where each kept event_id of a day was first read (journal file, line, byte range), so a later
 * line with the same id can be told apart as an exact duplicate (same bytes) or a conflict. The
 * first line's bytes are read back from its journal file only then: repeats are rare, and keeping
 * every line's bytes or a hash of them would cost every line.
 *
 * Incremental compaction keeps these across passes in an append-only log of 36-byte records
 * (`ids-g<N>.bin` next to the day's generations): a pass appends its own, and the new generation
 * counts them; records a killed pass appended past the count are cut off by the next one. A pass
 * indexes only its own ids and then scans the log for any of them (`inLog`, a sequential read);
 * only if one is there — a line repeating an event of an earlier pass, which is rare — does it
 * load the whole log (`load`) and run again.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { EventIdIndex } from './event-id-index';

const RECORD_BYTES = 36;

/** A journal file as the day's compaction state knows it: its name (for messages and order) and path. */
export interface KnownJournal {
  path: string;
  name: string;
}

class Column<T extends Uint32Array | Float64Array> {
  values: T;
  constructor(private readonly make: (n: number) => T) {
    this.values = make(1024);
  }
  set(i: number, v: number): void {
    if (i >= this.values.length) {
      const grown = this.make(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[i] = v;
  }
}

export class FirstReads {
  private readonly index: EventIdIndex;
  private readonly ids = new Column((n) => new Uint32Array(n * 4));
  private readonly file = new Column((n) => new Uint32Array(n));
  private readonly line = new Column((n) => new Uint32Array(n));
  private readonly offset = new Column((n) => new Float64Array(n));
  private readonly length = new Column((n) => new Uint32Array(n));
  private count = 0;
  private readonly handles = new Map<number, FileHandle>();

  private constructor(
    public journals: KnownJournal[],
    /** Records in the log (read from it, or written to it); the rest were added by this pass. */
    public loaded: number,
  ) {
    this.index = new EventIdIndex(Math.max(1 << 16, loaded * 2));
  }

  static empty(journals: KnownJournal[]): FirstReads {
    return new FirstReads(journals, 0);
  }

  /** The first `count` records of the log at `path`. */
  static async load(path: string, count: number, journals: KnownJournal[]): Promise<FirstReads> {
    const reads = new FirstReads(journals, count);
    const handle = await open(path, 'r');
    try {
      const block = Buffer.allocUnsafe(RECORD_BYTES * 65_536);
      for (let done = 0; done < count; ) {
        const want = Math.min(block.length / RECORD_BYTES, count - done) * RECORD_BYTES;
        const { bytesRead } = await handle.read(block, 0, want, done * RECORD_BYTES);
        if (bytesRead < want) throw new Error(`${path}: ${count} event-id records expected, the file has ${done + Math.floor(bytesRead / RECORD_BYTES)}`);
        const words = new Uint32Array(4);
        for (let at = 0; at < want; at += RECORD_BYTES) {
          for (let k = 0; k < 4; k++) words[k] = block.readUInt32LE(at + 4 * k);
          reads.add(words, 0, block.readUInt32LE(at + 16), block.readUInt32LE(at + 20), block.readDoubleLE(at + 24), block.readUInt32LE(at + 32));
        }
        done += want / RECORD_BYTES;
      }
    } finally {
      await handle.close();
    }
    return reads;
  }

  get size(): number {
    return this.count;
  }

  get(ids: Uint32Array, at: number): number | undefined {
    return this.index.get(ids, at);
  }

  add(ids: Uint32Array, at: number, file: number, line: number, offset: number, length: number): void {
    const i = this.count++;
    this.index.add(ids, at, i);
    for (let k = 0; k < 4; k++) this.ids.set(i * 4 + k, ids[at + k]!);
    this.file.set(i, file);
    this.line.set(i, line);
    this.offset.set(i, offset);
    this.length.set(i, length);
  }

  /** The journal file (index into `journals`) a kept id was first read from. */
  fileOf(first: number): number {
    return this.file.values[first]!;
  }

  describe(first: number): string {
    return `${this.journals[this.file.values[first]!]!.name}:${this.line.values[first]}`;
  }

  async sameBytes(first: number, raw: Uint8Array): Promise<boolean> {
    if (this.length.values[first] !== raw.length) return false;
    const f = this.file.values[first]!;
    let handle = this.handles.get(f);
    if (!handle) {
      handle = await open(this.journals[f]!.path, 'r');
      this.handles.set(f, handle);
    }
    const bytes = Buffer.allocUnsafe(raw.length);
    const { bytesRead } = await handle.read(bytes, 0, raw.length, this.offset.values[first]!);
    return bytesRead === raw.length && bytes.equals(raw);
  }

  /**
   * Writes the records added since loading to the log at `path`, after its first `keep` records
   * (what the log held for the previous generation; anything after them was left by a killed
   * pass). Returns the log's record count.
   */
  async appendTo(path: string, keep: number): Promise<number> {
    const handle = await open(path, keep === 0 ? 'w' : 'r+');
    try {
      await handle.truncate(keep * RECORD_BYTES);
      const from = this.loaded;
      const block = Buffer.allocUnsafe(RECORD_BYTES * 65_536);
      for (let i = from; i < this.count; ) {
        const n = Math.min(block.length / RECORD_BYTES, this.count - i);
        for (let r = 0; r < n; r++, i++) {
          const at = r * RECORD_BYTES;
          for (let k = 0; k < 4; k++) block.writeUInt32LE(this.ids.values[i * 4 + k]!, at + 4 * k);
          block.writeUInt32LE(this.file.values[i]!, at + 16);
          block.writeUInt32LE(this.line.values[i]!, at + 20);
          block.writeDoubleLE(this.offset.values[i]!, at + 24);
          block.writeUInt32LE(this.length.values[i]!, at + 32);
        }
        await handle.write(block, 0, n * RECORD_BYTES, (keep + i - n - from) * RECORD_BYTES);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const count = keep + this.count - this.loaded;
    this.loaded = this.count;
    return count;
  }

  /** The same ids for another pass over the day's journal files (the same files in the same order, maybe more). */
  async continueWith(journals: KnownJournal[]): Promise<this> {
    await this.close();
    this.journals = journals;
    return this;
  }

  /** Whether any of the first `count` records of the log at `path` holds an id added here. */
  async inLog(path: string, count: number): Promise<boolean> {
    if (count === 0 || this.count === this.loaded) return false;
    const handle = await open(path, 'r');
    try {
      const block = Buffer.allocUnsafe(RECORD_BYTES * 65_536);
      const words = new Uint32Array(4);
      for (let done = 0; done < count; ) {
        const want = Math.min(block.length / RECORD_BYTES, count - done) * RECORD_BYTES;
        const { bytesRead } = await handle.read(block, 0, want, done * RECORD_BYTES);
        if (bytesRead < want) throw new Error(`${path}: ${count} event-id records expected, the file has ${done + Math.floor(bytesRead / RECORD_BYTES)}`);
        for (let at = 0; at < want; at += RECORD_BYTES) {
          for (let k = 0; k < 4; k++) words[k] = block.readUInt32LE(at + 4 * k);
          if (this.index.get(words, 0) !== undefined) return true;
        }
        done += want / RECORD_BYTES;
      }
      return false;
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {
    for (const handle of this.handles.values()) await handle.close();
    this.handles.clear();
  }
}
