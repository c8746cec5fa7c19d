/**
 * A channel's accepted events as NDJSON in the compaction's work folder — what DuckDB reads. Lines
 * are copied into ~1 MB buffers and written between chunks, so memory stays bounded.
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import { readLineChunks } from './journal-reader';

const BUFFER_BYTES = 1 << 20;
const NEWLINE = 0x0a;

export class ChannelSpool {
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private readonly full: Buffer[] = [];
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<ChannelSpool> {
    return new ChannelSpool(path, await open(path, 'w'));
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    if (this.used > 0) this.full.push(this.buffer.subarray(0, this.used));
    this.buffer = Buffer.allocUnsafe(Math.max(BUFFER_BYTES, bytes));
    this.used = 0;
  }

  /** Appends `source[start, end)` and a newline. */
  addBytes(source: Buffer, start: number, end: number): void {
    this.reserve(end - start + 1);
    this.used += source.copy(this.buffer, this.used, start, end);
    this.buffer[this.used++] = NEWLINE;
  }

  addString(line: string): void {
    this.reserve(Buffer.byteLength(line) + 1);
    this.used += this.buffer.write(line, this.used);
    this.buffer[this.used++] = NEWLINE;
  }

  /** Writes the buffers filled so far. */
  async flushFull(): Promise<void> {
    if (this.full.length === 0) return;
    await this.handle.writev(this.full.splice(0));
  }

  async close(): Promise<void> {
    await this.flushFull();
    if (this.used > 0) await this.handle.write(this.buffer.subarray(0, this.used));
    await this.handle.close();
  }
}

/**
 * Rewrites a spool with every line re-serialized by JSON.parse/JSON.stringify: the fallback for
 * the rare line DuckDB's JSON reader reads differently from JSON.parse (e.g. a repeated key,
 * where JSON.parse — and so the registry — keeps the last value and DuckDB refuses the line).
 */
export async function normalizeSpool(path: string): Promise<void> {
  const normalized = `${path}.normalized`;
  const out = await ChannelSpool.open(normalized);
  try {
    for await (const chunk of readLineChunks(path, 4 << 20)) {
      const text = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength).toString('utf8');
      for (const line of text.split('\n')) if (line) out.addString(JSON.stringify(JSON.parse(line)));
      await out.flushFull();
    }
  } finally {
    await out.close();
  }
  await rename(normalized, path);
}
