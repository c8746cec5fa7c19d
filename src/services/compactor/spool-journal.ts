/**
 * Phase 1 of a compaction: read a day's journal files as chunks of whole lines, validate them on
 * the validator threads, and — on this thread, in file/line order — drop repeated event_ids, spool
 * each channel's accepted lines for DuckDB and stream rejected lines to the quarantine file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CHANNELS, type Channel } from '../../shared/channels';
import { CURRENT_VERSION } from '../../shared/schemas';
import { ChannelSpool } from './channel-spool';
import { EventIdIndex } from './event-id-index';
import { readLineChunks } from './journal-reader';
import type { ChunkResult, DayPartition, QuarantineCode, Rejected } from './validate-lines';
import { createValidator } from './validator-pool';

export interface JournalInput {
  path: string;
  /** As quarantine records name it (relative to the data root). */
  name: string;
  size: number;
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

export interface SpoolResult {
  stats: Map<Channel, ChannelStats>;
  linesRead: number;
  /** Blank lines skipped (counted, nothing to keep). */
  blankLines: number;
  duplicates: number;
  quarantined: number;
  quarantinedByCode: Partial<Record<QuarantineCode, number>>;
  pendingLines: number;
  /** Validator threads actually used (0 = inline). */
  threads: number;
}

export interface SpoolOptions {
  files: JournalInput[];
  partition: DayPartition;
  workDir: string;
  /** Where the quarantine records go (NDJSON). */
  quarantinePath: string;
  threads: number;
  tailMode: 'quarantine' | 'pending';
  chunkBytes?: number;
  onProgress?: (bytesDone: number, linesRead: number) => void;
  onWarning?: (message: string) => void;
}

interface Tracked extends ChannelStats {
  spool: ChannelSpool;
  lastUs: number;
  /** event_id words of the last line (see AcceptedEvents.ids). */
  lastId: Uint32Array;
}

export async function spoolJournal(options: SpoolOptions): Promise<SpoolResult> {
  const { files, workDir } = options;
  const validator = await createValidator(options.partition, options.threads, options.onWarning);
  const channels = new Map<Channel, Tracked>();
  const firstReads = new FirstReads(files);
  const quarantine = await open(options.quarantinePath, 'w');
  const result: SpoolResult = { stats: new Map(), linesRead: 0, blankLines: 0, duplicates: 0, quarantined: 0, quarantinedByCode: {}, pendingLines: 0, threads: validator.threads };

  const channel = async (ch: Channel): Promise<Tracked> => {
    let t = channels.get(ch);
    if (!t) {
      const spoolPath = join(workDir, `${ch}.ndjson`);
      t = { spool: await ChannelSpool.open(spoolPath), spoolPath, rows: 0, versions: new Map(), upgraded: 0, minUs: Infinity, maxUs: -Infinity, maxBytes: 0, sorted: true, lastUs: -Infinity, lastId: new Uint32Array(4) };
      channels.set(ch, t);
    }
    return t;
  };

  const consume = async (chunk: ChunkResult, fileIndex: number, chunkOffset: number) => {
    result.linesRead += chunk.lines;
    result.blankLines += chunk.blank;
    result.pendingLines += chunk.pending;
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
      firstReads.add(a.ids, i * 4, fileIndex, a.line[i]!, chunkOffset + a.start[i]!, a.end[i]! - a.start[i]!);

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
    if (rejects.length) {
      rejects.sort((x, y) => x.line - y.line);
      const name = files[fileIndex]!.name;
      await quarantine.write(rejects.map((r) => JSON.stringify({ file: name, line: r.line, code: r.code, reason: r.reason, raw: r.raw })).join('\n') + '\n');
      result.quarantined += rejects.length;
      for (const r of rejects) result.quarantinedByCode[r.code] = (result.quarantinedByCode[r.code] ?? 0) + 1;
    }
  };

  try {
    // Chunks are validated concurrently but consumed strictly in order.
    const queue: { result: Promise<ChunkResult>; fileIndex: number; offset: number; bytesDone: number }[] = [];
    const maxInFlight = Math.max(2, validator.threads * 2);
    const chunkBytes = options.chunkBytes ?? (validator.threads > 0 ? 4 << 20 : 1 << 20);
    const drainOne = async () => {
      const next = queue.shift()!;
      await consume(await next.result, next.fileIndex, next.offset);
      options.onProgress?.(next.bytesDone, result.linesRead);
    };
    let seq = 0;
    let base = 0;
    for (let f = 0; f < files.length; f++) {
      for await (const chunk of readLineChunks(files[f]!.path, chunkBytes)) {
        const validated = validator.validate({
          seq: seq++,
          bytes: chunk.bytes,
          firstLine: chunk.firstLine,
          unterminatedTail: chunk.unterminatedTail,
          tailMode: options.tailMode,
        });
        validated.catch(() => undefined); // awaited in order by drainOne
        queue.push({ result: validated, fileIndex: f, offset: chunk.offset, bytesDone: base + chunk.position });
        while (queue.length >= maxInFlight) await drainOne();
      }
      base += files[f]!.size;
    }
    while (queue.length) await drainOne();
  } finally {
    await validator.close();
    await firstReads.close();
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

/**
 * Where each kept event_id was first read (file, line, byte range), so a later line with the same
 * id can be told apart as an exact duplicate (same bytes) or a conflict. The first line's bytes
 * are read back from its journal file only then: repeats are rare, and keeping every line's bytes
 * or a hash of them would cost every line.
 */
class FirstReads {
  private readonly index = new EventIdIndex();
  private readonly file: number[] = [];
  private readonly line: number[] = [];
  private readonly offset: number[] = [];
  private readonly length: number[] = [];
  private readonly handles = new Map<number, FileHandle>();

  constructor(private readonly files: JournalInput[]) {}

  get(ids: Uint32Array, at: number): number | undefined {
    return this.index.get(ids, at);
  }

  add(ids: Uint32Array, at: number, file: number, line: number, offset: number, length: number): void {
    this.index.add(ids, at, this.file.length);
    this.file.push(file);
    this.line.push(line);
    this.offset.push(offset);
    this.length.push(length);
  }

  describe(first: number): string {
    return `${this.files[this.file[first]!]!.name}:${this.line[first]}`;
  }

  async sameBytes(first: number, raw: Uint8Array): Promise<boolean> {
    if (this.length[first] !== raw.length) return false;
    const f = this.file[first]!;
    let handle = this.handles.get(f);
    if (!handle) {
      handle = await open(this.files[f]!.path, 'r');
      this.handles.set(f, handle);
    }
    const bytes = Buffer.allocUnsafe(raw.length);
    const { bytesRead } = await handle.read(bytes, 0, raw.length, this.offset[first]!);
    return bytesRead === raw.length && bytes.equals(raw);
  }

  async close(): Promise<void> {
    for (const handle of this.handles.values()) await handle.close();
    this.handles.clear();
  }
}
