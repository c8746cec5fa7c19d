/**
 * Lists a day's journal files and reads them as chunks of whole lines (cut at newline bytes, so a
 * multi-byte UTF-8 character is never split). Each file is read up to the size it had when opened:
 * a recorder appending meanwhile only adds lines the next compaction will see.
 */
import { open, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface JournalFile {
  path: string;
  /** Path relative to the data root, with forward slashes (as quarantine records name it). */
  name: string;
  size: number;
}

export interface LineChunk {
  bytes: Uint8Array;
  firstLine: number;
  /** Byte offset of the chunk in the file. */
  offset: number;
  /** The file ends here without a final newline. */
  unterminatedTail: boolean;
  /** Bytes of the file consumed so far. */
  position: number;
}

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
 * Chunks of about `chunkBytes` (more when a single line is longer). Each chunk owns its
 * ArrayBuffer, so it can be transferred to a worker thread.
 */
export async function* readLineChunks(path: string, chunkBytes: number): AsyncGenerator<LineChunk> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    let carry: Buffer = Buffer.alloc(0);
    let position = 0;
    let line = 1;
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
        carry = buf.subarray(0, filled);
        continue;
      }
      const cut = atEnd ? filled : lastNewline + 1;
      carry = Buffer.from(buf.subarray(cut, filled));
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, cut);
      const unterminatedTail = atEnd && cut > 0 && buf[cut - 1] !== NEWLINE;
      const newlines = countNewlines(bytes);
      yield { bytes, firstLine: line, offset: position - filled, unterminatedTail, position };
      line += newlines;
    }
    if (carry.length > 0) {
      yield { bytes: new Uint8Array(carry), firstLine: line, offset: position - carry.length, unterminatedTail: true, position };
    }
  } finally {
    await handle.close();
  }
}
