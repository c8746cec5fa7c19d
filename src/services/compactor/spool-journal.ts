/**
 * Phase 1 of a compaction pass: read the journal bytes not compacted yet as chunks of whole lines,
 * validate them on the validator threads, and — on this thread, in file/line order — drop repeated
 * event_ids (against every id the day has kept so far), spool each channel's accepted lines for
 * DuckDB and stream rejected lines to the pass's quarantine file.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CHANNELS, type Channel } from '../../shared/channels';
import { CURRENT_VERSION } from '../../shared/schemas';
import { ChannelSpool } from './channel-spool';
import type { FirstReads } from './first-reads';
import { readLineChunks } from './journal-reader';
import { tooLong, type ChunkResult, type DayPartition, type QuarantineCode, type Rejected } from './validate-lines';
import { createValidator } from './validator-pool';

export interface JournalInput {
  path: string;
  /** As quarantine records name it (relative to the data root). */
  name: string;
  size: number;
  /** Its index in `firstReads.journals`. */
  index: number;
  /** Where this pass starts: a line start, and that line's number. */
  offset: number;
  line: number;
}

export interface ChannelStats {
  rows: number;
  /** schema_version as found in the journal → rows. */
  versions: Map<number, number>;
  upgraded: number;
  /** ts_ingest_utc range in epoch µs. */
  minUs: number;
  maxUs: number;
  /** Longest spooled line, in bytes (bounds DuckDB's maximum_object_size). */
  maxBytes: number;
  /** Lines arrived in (ts_ingest_utc, event_id) order — the usual case: a recorder appends in ingest order. */
  sorted: boolean;
  spoolPath: string;
}

/** How far a pass got in one journal file. */
export interface FileProgress {
  index: number;
  /** Bytes taken (a line start, or the file's end). */
  offset: number;
  /** Number of the line at `offset`. */
  line: number;
  /** The bytes taken end with a complete event that had no newline yet. */
  endedOpen: boolean;
  /** The unterminated last line, rejected but left to be read again (it may get finished). */
  tail: Rejected | null;
  /** End of that tail (the file's size when read). */
  tailEnd: number;
}

export interface SpoolResult {
  stats: Map<Channel, ChannelStats>;
  linesRead: number;
  /** Blank lines skipped (counted, nothing to keep). */
  blankLines: number;
  duplicates: number;
  quarantined: number;
  quarantinedByCode: Partial<Record<QuarantineCode, number>>;
  /** Unterminated last lines left for the next pass (live day). */
  pendingLines: number;
  progress: FileProgress[];
  /** Validator threads actually used (0 = inline). */
  threads: number;
}

export interface SpoolOptions {
  files: JournalInput[];
  firstReads: FirstReads;
  partition: DayPartition;
  workDir: string;
  /** Where the quarantine records go (NDJSON). */
  quarantinePath: string;
  threads: number;
  tailMode: 'quarantine' | 'pending';
  maxLineBytes: number;
  chunkBytes?: number;
  onProgress?: (bytesDone: number, linesRead: number) => void;
  onWarning?: (message: string) => void;
}

/**
 * A line repeats the event_id of a line kept by an earlier pass from a file that sorts after its
 * own: a compaction of the whole journal would have kept this one instead. Only a compaction
 * from scratch gives that result.
 */
export class OrderChangedError extends Error {}

interface Tracked extends ChannelStats {
  spool: ChannelSpool;
  lastUs: number;
  /** event_id words of the last line (see AcceptedEvents.ids). */
  lastId: Uint32Array;
}

export async function spoolJournal(options: SpoolOptions): Promise<SpoolResult> {
  const { files, workDir, firstReads } = options;
  const validator = await createValidator(options.partition, options.threads, options.onWarning);
  const channels = new Map<Channel, Tracked>();
  const quarantine = await open(options.quarantinePath, 'w');
  const progress = files.map((f): FileProgress => ({ index: f.index, offset: f.offset, line: f.line, endedOpen: false, tail: null, tailEnd: 0 }));
  const result: SpoolResult = {
    stats: new Map(),
    linesRead: 0,
    blankLines: 0,
    duplicates: 0,
    quarantined: 0,
    quarantinedByCode: {},
    pendingLines: 0,
    progress,
    threads: validator.threads,
  };

  const channel = async (ch: Channel): Promise<Tracked> => {
    let t = channels.get(ch);
    if (!t) {
      const spoolPath = join(workDir, `${ch}.ndjson`);
      t = { spool: await ChannelSpool.open(spoolPath), spoolPath, rows: 0, versions: new Map(), upgraded: 0, minUs: Infinity, maxUs: -Infinity, maxBytes: 0, sorted: true, lastUs: -Infinity, lastId: new Uint32Array(4) };
      channels.set(ch, t);
    }
    return t;
  };

  const writeRejects = async (fileIndex: number, rejects: Rejected[]) => {
    if (rejects.length === 0) return;
    rejects.sort((x, y) => x.line - y.line);
    const name = files[fileIndex]!.name;
    await quarantine.write(rejects.map((r) => quarantineRecord(name, r)).join('\n') + '\n');
    result.quarantined += rejects.length;
    for (const r of rejects) result.quarantinedByCode[r.code] = (result.quarantinedByCode[r.code] ?? 0) + 1;
  };

  const consume = async (chunk: ChunkResult, fileIndex: number, chunkOffset: number, unterminated: boolean) => {
    const file = files[fileIndex]!;
    const p = progress[fileIndex]!;
    result.linesRead += chunk.lines;
    result.blankLines += chunk.blank;
    const rejects: Rejected[] = [...chunk.rejected];
    const a = chunk.accepted;
    const bytes = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
    // Where each channel's current line starts in its spool piece, and the pieces' lines left out (repeated event_ids).
    const spoolAt = new Array<number>(CHANNELS.length).fill(0);
    const cuts = new Map<number, [number, number][]>();
    for (let i = 0; i < a.line.length; i++) {
      const c = a.ch[i]!;
      const spoolStart = spoolAt[c]!;
      spoolAt[c] = a.spoolEnd[i]!;
      const first = firstReads.get(a.ids, i * 4);
      if (first !== undefined) {
        if (first < firstReads.loaded && firstReads.journals[firstReads.fileOf(first)]!.name > file.name) {
          throw new OrderChangedError(`${file.name}:${a.line[i]} repeats an event_id first read at ${firstReads.describe(first)}, a file that sorts after it`);
        }
        const raw = bytes.subarray(a.start[i]!, a.end[i]!);
        if (await firstReads.sameBytes(first, raw)) result.duplicates++;
        else {
          const text = raw.toString('utf8');
          rejects.push({
            line: a.line[i]!,
            code: 'duplicate_conflict',
            reason: `event_id ${(JSON.parse(text) as { event_id: string }).event_id} was already read at ${firstReads.describe(first)} with different content; the first one is kept`,
            raw: text,
          });
        }
        (cuts.get(c) ?? cuts.set(c, []).get(c)!).push([spoolStart, a.spoolEnd[i]!]);
        continue;
      }
      firstReads.add(a.ids, i * 4, file.index, a.line[i]!, chunkOffset + a.start[i]!, a.end[i]! - a.start[i]!);

      const ch = CHANNELS[c]!;
      const t = channels.get(ch) ?? (await channel(ch));
      const lineBytes = a.spoolEnd[i]! - spoolStart;
      if (lineBytes > t.maxBytes) t.maxBytes = lineBytes;
      t.rows++;
      const version = a.version[i]!;
      t.versions.set(version, (t.versions.get(version) ?? 0) + 1);
      if (version !== CURRENT_VERSION[ch]) t.upgraded++;
      const ts = a.ts[i]!;
      if (ts < t.minUs) t.minUs = ts;
      if (ts > t.maxUs) t.maxUs = ts;
      // Words order ids as DuckDB orders the strings only when they are lowercase; otherwise let it sort.
      if (ts < t.lastUs || (ts === t.lastUs && compareWords(a.ids, i * 4, t.lastId) < 0) || !a.idsLowercase) t.sorted = false;
      t.lastUs = ts;
      for (let k = 0; k < 4; k++) t.lastId[k] = a.ids[i * 4 + k]!;
    }
    for (let c = 0; c < chunk.spools.length; c++) {
      const piece = chunk.spools[c];
      const kept = piece ? without(piece, cuts.get(c) ?? []) : [];
      // Only lines of a channel with a kept line are left, so its spool is open.
      if (kept.length > 0) await channels.get(CHANNELS[c]!)!.spool.write(kept);
    }
    await writeRejects(fileIndex, rejects);
    p.offset = chunkOffset + chunk.consumed;
    p.line = chunk.nextLine;
    p.endedOpen = unterminated && !chunk.leftover;
    if (chunk.leftover) {
      if (chunk.tail) {
        p.tail = chunk.tail;
        p.tailEnd = file.size;
      } else result.pendingLines++;
    }
  };

  /** A line over the size limit, found by the reader (never read whole). */
  const consumeTooLong = async (fileIndex: number, piece: { line: number; offset: number; length: number; prefix: Uint8Array; terminated: boolean }) => {
    const p = progress[fileIndex]!;
    const rejection = tooLong(piece.line, piece.length, options.maxLineBytes, piece.prefix);
    if (!piece.terminated) {
      if (options.tailMode === 'pending') result.pendingLines++;
      else {
        result.linesRead++;
        p.tail = rejection;
        p.tailEnd = files[fileIndex]!.size;
      }
      return;
    }
    result.linesRead++;
    await writeRejects(fileIndex, [rejection]);
    p.offset = piece.offset + piece.length + 1;
    p.line = piece.line + 1;
  };

  try {
    // Chunks are validated concurrently but consumed strictly in order.
    type Queued = { result: Promise<ChunkResult> | null; tooLong?: Parameters<typeof consumeTooLong>[1]; fileIndex: number; offset: number; unterminated: boolean; bytesDone: number };
    const queue: Queued[] = [];
    const maxInFlight = Math.max(2, validator.threads * 2);
    const chunkBytes = options.chunkBytes ?? (validator.threads > 0 ? 4 << 20 : 1 << 20);
    const drainOne = async () => {
      const next = queue.shift()!;
      if (next.tooLong) await consumeTooLong(next.fileIndex, next.tooLong);
      else await consume(await next.result!, next.fileIndex, next.offset, next.unterminated);
      options.onProgress?.(next.bytesDone, result.linesRead);
    };
    let seq = 0;
    let base = 0;
    for (let f = 0; f < files.length; f++) {
      const file = files[f]!;
      for await (const piece of readLineChunks(file.path, chunkBytes, { offset: file.offset, line: file.line, maxLineBytes: options.maxLineBytes })) {
        if (piece.kind === 'too_long') {
          queue.push({ result: null, tooLong: piece, fileIndex: f, offset: piece.offset, unterminated: !piece.terminated, bytesDone: base + piece.offset + piece.length - file.offset });
        } else {
          const validated = validator.validate({
            seq: seq++,
            bytes: piece.bytes,
            firstLine: piece.firstLine,
            unterminatedTail: piece.unterminatedTail,
            tailMode: options.tailMode,
            maxLineBytes: options.maxLineBytes,
          });
          validated.catch(() => undefined); // awaited in order by drainOne
          queue.push({ result: validated, fileIndex: f, offset: piece.offset, unterminated: piece.unterminatedTail, bytesDone: base + piece.offset + piece.bytes.byteLength - file.offset });
        }
        while (queue.length >= maxInFlight) await drainOne();
      }
      base += file.size - file.offset;
    }
    while (queue.length) await drainOne();
  } finally {
    await validator.close();
    await quarantine.close();
    for (const t of channels.values()) await t.spool.close();
  }
  for (const ch of CHANNELS) {
    const t = channels.get(ch);
    if (t) {
      const { spool: _spool, lastUs: _lastUs, lastId: _lastId, ...stats } = t;
      result.stats.set(ch, stats);
    }
  }
  return result;
}

/** One line of a quarantine file. */
export function quarantineRecord(file: string, r: Rejected): string {
  return JSON.stringify({ file, line: r.line, code: r.code, reason: r.reason, raw: r.raw });
}

function compareWords(ids: Uint32Array, at: number, other: Uint32Array): number {
  for (let k = 0; k < 4; k++) if (ids[at + k] !== other[k]) return ids[at + k]! - other[k]!;
  return 0;
}

/** `piece` without the byte ranges `cuts` (ascending, disjoint), as the pieces to write. */
function without(piece: Uint8Array, cuts: [number, number][]): Uint8Array[] {
  const kept: Uint8Array[] = [];
  let at = 0;
  for (const [from, to] of cuts) {
    if (from > at) kept.push(piece.subarray(at, from));
    at = to;
  }
  if (at < piece.length) kept.push(piece.subarray(at));
  return kept;
}
