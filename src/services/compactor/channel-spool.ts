/**
 * A channel's accepted events as NDJSON in the compaction's work folder — what DuckDB reads. The
 * validator threads build each chunk's lines; this only appends them, in chunk order.
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import { readLineChunks } from './journal-reader';

export class ChannelSpool {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<ChannelSpool> {
    return new ChannelSpool(path, await open(path, 'w'));
  }

  /** Appends whole newline-terminated lines. */
  async write(pieces: Uint8Array[]): Promise<void> {
    if (pieces.length > 0) await this.handle.writev(pieces);
  }

  async close(): Promise<void> {
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
      if (chunk.kind !== 'lines') continue; // spooled lines are within the limit
      const text = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength).toString('utf8');
      const lines = text.split('\n').filter((line) => line !== '');
      await out.write([Buffer.from(lines.map((line) => JSON.stringify(JSON.parse(line)) + '\n').join(''))]);
    }
  } finally {
    await out.close();
  }
  await rename(normalized, path);
}
