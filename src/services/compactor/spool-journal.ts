/**
 * Phase 1 of a compaction: read a day's journal files as chunks of whole lines, validate them on
 * the validator threads, and — on this thread, in file/line order — drop repeated event_ids, spool
 * each channel's accepted lines for DuckDB and stream rejected lines to the quarantine file.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CHANNELS, type Channel } from '../../shared/channels';
import { CURRENT_VERSION } from '../../shared/schemas';
import { ChannelSpool } from './channel-spool';
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
  lastId: string;
}

export async function spoolJournal(options: SpoolOptions): Promise<SpoolResult> {
  const { files, workDir } = options;
  const validator = await createValidator(options.partition, options.threads, options.onWarning);
  const channels = new Map<Channel, Tracked>();
  // Where each kept event_id was first read: hash of its line, file index, line number.
  const seen = new Map<string, number>();
  const firstHash: number[] = [];
  const firstFile: number[] = [];
  const firstLine: number[] = [];
  const quarantine = await open(options.quarantinePath, 'w');
  const result: SpoolResult = { stats: new Map(), linesRead: 0, duplicates: 0, quarantined: 0, quarantinedByCode: {}, pendingLines: 0, threads: validator.threads };

  const channel = async (ch: Channel): Promise<Tracked> => {
    let t = channels.get(ch);
    if (!t) {
      const spoolPath = join(workDir, `${ch}.ndjson`);
      t = { spool: await ChannelSpool.open(spoolPath), spoolPath, rows: 0, versions: new Map(), upgraded: 0, minUs: Infinity, maxUs: -Infinity, maxBytes: 0, sorted: true, lastUs: -Infinity, lastId: '' };
      channels.set(ch, t);
    }
    return t;
  };

  const consume = async (chunk: ChunkResult, fileIndex: number) => {
    result.linesRead += chunk.lines;
    result.pendingLines += chunk.pending;
    const rejects: Rejected[] = [...chunk.rejected];
    const a = chunk.accepted;
    const bytes = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
    for (let i = 0; i < a.eventId.length; i++) {
      const id = a.eventId[i]!;
      const previous = seen.get(id);
      if (previous !== undefined) {
        if (firstHash[previous] === a.hash[i]) result.duplicates++;
        else {
          rejects.push({
            line: a.line[i]!,
            code: 'duplicate_conflict',
            reason: `event_id ${id} was already read at ${files[firstFile[previous]!]!.name}:${firstLine[previous]} with different content; the first one is kept`,
            raw: bytes.toString('utf8', a.start[i]!, a.end[i]!),
          });
        }
        continue;
      }
      seen.set(id, firstHash.length);
      firstHash.push(a.hash[i]!);
      firstFile.push(fileIndex);
      firstLine.push(a.line[i]!);

      const ch = CHANNELS[a.ch[i]!]!;
      const t = await channel(ch);
      const j = a.jsonIndex[i]!;
      if (j >= 0) t.spool.addString(a.json[j]!);
      else t.spool.addBytes(bytes, a.start[i]!, a.end[i]!);
      const lineBytes = j >= 0 ? a.json[j]!.length * 3 : a.end[i]! - a.start[i]!;
      if (lineBytes > t.maxBytes) t.maxBytes = lineBytes;
      t.rows++;
      const version = a.version[i]!;
      t.versions.set(version, (t.versions.get(version) ?? 0) + 1);
      if (version !== CURRENT_VERSION[ch]) t.upgraded++;
      const ts = a.ts[i]!;
      if (ts < t.minUs) t.minUs = ts;
      if (ts > t.maxUs) t.maxUs = ts;
      if (ts < t.lastUs || (ts === t.lastUs && id < t.lastId)) t.sorted = false;
      t.lastUs = ts;
      t.lastId = id;
    }
    for (const t of channels.values()) await t.spool.flushFull();
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
    const queue: { result: Promise<ChunkResult>; fileIndex: number; bytesDone: number }[] = [];
    const maxInFlight = Math.max(2, validator.threads * 2);
    const chunkBytes = options.chunkBytes ?? (validator.threads > 0 ? 4 << 20 : 1 << 20);
    const drainOne = async () => {
      const next = queue.shift()!;
      await consume(await next.result, next.fileIndex);
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
        queue.push({ result: validated, fileIndex: f, bytesDone: base + chunk.position });
        while (queue.length >= maxInFlight) await drainOne();
      }
      base += files[f]!.size;
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
