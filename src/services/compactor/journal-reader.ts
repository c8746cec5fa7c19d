/**
 * Lists a day's journal files and reads them as chunks of whole lines (cut at newline bytes, so a
 * multi-byte UTF-8 character is never split), from where the previous compaction stopped. Each
 * file is read up to the size it had when opened: a recorder appending meanwhile only adds lines
 * the next compaction will see. A line longer than the limit is never held in memory: it is
 * reported as `too_long` with its first bytes, and reading goes on after it.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface LineChunk {
  kind: 'lines';
  bytes: Uint8Array;
  firstLine: number;
  /** Byte offset of the chunk in the file. */
  offset: number;
  /** The file ends here without a final newline. */
  unterminatedTail: boolean;
}

/** A line over the size limit, skipped without being read whole. */
export interface TooLongLine {
  kind: 'too_long';
  line: number;
  /** Byte offset of the line in the file, and its length (without the newline). */
  offset: number;
  length: number;
  /** Its first bytes (for the quarantine record). */
  prefix: Uint8Array;
  /** False when the file ends inside it (the writer may still be writing it). */
  terminated: boolean;
}

export type JournalPiece = LineChunk | TooLongLine;

/** Where to start reading a file, and what to skip. */
export interface ReadFrom {
  /** Byte offset of a line start (default 0) and that line's number (default 1). */
  offset?: number;
  line?: number;
  /** Lines longer than this many bytes are reported as too_long (default: no limit). */
  maxLineBytes?: number;
}

/** Bytes of a too-long line kept for its quarantine record. */
export const TOO_LONG_PREFIX_BYTES = 4096;

/** Every `*.ndjson` file under `dir` (subfolders included, dot-files skipped), sorted by path. */
export async function listJournalFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ndjson') && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !relative(dir, p).split(sep).some((part) => part.startsWith('.')))
    .sort();
}

export function journalName(path: string, dataRoot: string): string {
  return relative(dataRoot, path).split(sep).join('/');
}

const NEWLINE = 0x0a;

function countNewlines(bytes: Uint8Array): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/**
 * Chunks of about `chunkBytes` (more when a single line is longer, up to `maxLineBytes`). Each
 * chunk owns its ArrayBuffer, so it can be transferred to a worker thread.
 */
export async function* readLineChunks(path: string, chunkBytes: number, from: ReadFrom = {}): AsyncGenerator<JournalPiece> {
  const maxLineBytes = from.maxLineBytes ?? Infinity;
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    let carry: Buffer = Buffer.alloc(0);
    let position = from.offset ?? 0;
    let line = from.line ?? 1;
    while (position < size) {
      const want = Math.min(chunkBytes, size - position);
      const buf = Buffer.allocUnsafeSlow(carry.length + want);
      carry.copy(buf, 0);
      const { bytesRead } = await handle.read(buf, carry.length, want, position);
      if (bytesRead === 0) break; // the file shrank underneath us; what was read is complete lines
      position += bytesRead;
      const filled = carry.length + bytesRead;
      const atEnd = position >= size;
      const lastNewline = buf.lastIndexOf(NEWLINE, filled - 1);
      if (lastNewline === -1 && !atEnd) {
        if (filled <= maxLineBytes) {
          carry = buf.subarray(0, filled);
          continue;
        }
        // One line, already longer than allowed: note its start, skip to its end.
        const lineStart = position - filled;
        const prefix = new Uint8Array(buf.subarray(0, Math.min(filled, TOO_LONG_PREFIX_BYTES)));
        const end = await findNewline(handle, position, size, chunkBytes);
        const length = (end === -1 ? size : end) - lineStart;
        yield { kind: 'too_long', line, offset: lineStart, length, prefix, terminated: end !== -1 };
        if (end === -1) return;
        position = end + 1;
        line++;
        carry = Buffer.alloc(0);
        continue;
      }
      const cut = atEnd ? filled : lastNewline + 1;
      carry = Buffer.from(buf.subarray(cut, filled));
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, cut);
      const unterminatedTail = atEnd && cut > 0 && buf[cut - 1] !== NEWLINE;
      const newlines = countNewlines(bytes);
      yield { kind: 'lines', bytes, firstLine: line, offset: position - filled, unterminatedTail };
      line += newlines;
    }
    if (carry.length > 0) {
      yield { kind: 'lines', bytes: new Uint8Array(carry), firstLine: line, offset: position - carry.length, unterminatedTail: true };
    }
  } finally {
    await handle.close();
  }
}

/** Offset of the next newline at or after `from`, or -1 before `size`; reads a block at a time. */
async function findNewline(handle: FileHandle, from: number, size: number, blockBytes: number): Promise<number> {
  const block = Buffer.allocUnsafe(Math.max(1, Math.min(blockBytes, 4 << 20)));
  let position = from;
  while (position < size) {
    const { bytesRead } = await handle.read(block, 0, Math.min(block.length, size - position), position);
    if (bytesRead === 0) return -1;
    const at = block.subarray(0, bytesRead).indexOf(NEWLINE);
    if (at !== -1) return position + at;
    position += bytesRead;
  }
  return -1;
}
