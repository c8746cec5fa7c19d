/**
 * Is a day's Parquet a complete copy of its journal (or raw capture)? Only then may retention
 * delete the journal. The Parquet must be there, intact, and newer than every journal file:
 *
 *  - `_manifest.json` readable, valid, and about this station and date;
 *  - every file the manifest lists present, of the size it says, and with a Parquet footer that
 *    DuckDB reads, holding the rows the manifest says;
 *  - the manifest generated after the last write to any file of the journal folder (a journal
 *    written after its compaction holds lines the Parquet does not have).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel } from '../../shared/channels';
import type { Manifest } from '../../shared/manifest';
import { sqlString } from '../../shared/sql';
import type { DayRef } from '../../shared/api';
import { manifestChannelFiles, type DataRoot } from '../data-root';
import { exists } from '../files';
import type { Duck } from '../duckdb';

export type ParquetVerdict =
  | { ok: true; generatedMs: number; manifest: Manifest }
  | { ok: false; reason: string };

export async function checkParquetDay(duck: Duck, dataRoot: DataRoot, day: DayRef): Promise<ParquetVerdict> {
  const dir = dataRoot.parquetDayDir(day);
  if (!(await exists(dataRoot.manifestFile(day)))) return { ok: false, reason: 'its Parquet is missing' };
  let manifest: Manifest;
  try {
    manifest = await dataRoot.readManifest(day);
  } catch (e) {
    return { ok: false, reason: `its Parquet is damaged: ${(e as Error).message.replace(`${dir}/`, '')}` };
  }
  if (manifest.station_id !== day.station_id || manifest.date !== day.date) {
    return { ok: false, reason: `its Parquet is damaged: the manifest is about ${manifest.station_id} ${manifest.date}` };
  }
  for (const ch of Object.keys(manifest.channels) as Channel[]) {
    const c = manifest.channels[ch]!;
    const files = manifestChannelFiles(manifest, ch);
    let bytes = 0;
    for (const file of files) {
      try {
        bytes += (await stat(join(dir, file))).size;
      } catch {
        return { ok: false, reason: `its Parquet is damaged: ${file} is missing` };
      }
    }
    if (bytes !== c.bytes) return { ok: false, reason: `its Parquet is damaged: ${ch} has ${bytes} bytes, the manifest says ${c.bytes}` };
    let rows: number;
    try {
      rows = await countOf(duck, `SELECT coalesce(sum(num_rows), 0)::BIGINT AS n FROM parquet_file_metadata(${fileList(dir, files)})`);
    } catch (e) {
      return { ok: false, reason: `its Parquet is damaged: ${ch} is unreadable (${(e as Error).message.split('\n')[0]})` };
    }
    if (rows !== c.rows) return { ok: false, reason: `its Parquet is damaged: ${ch} holds ${rows} rows, the manifest says ${c.rows}` };
  }
  return { ok: true, generatedMs: Date.parse(manifest.generated_at), manifest };
}

/** The `n` of a one-row query, as a number. */
export async function countOf(duck: Duck, sql: string): Promise<number> {
  return Number((await duck.all<{ n: bigint | number }>(sql))[0]!.n);
}

/** A DuckDB list literal of a channel's files. */
export function fileList(dir: string, files: string[]): string {
  return `[${files.map((f) => sqlString(join(dir, f))).join(', ')}]`;
}

/** Newest modification time of any file under `dir` (subfolders included), or null when none. */
export async function newestWrite(dir: string): Promise<number | null> {
  let newest: number | null = null;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const { mtimeMs } = await stat(join(entry.parentPath, entry.name));
    if (newest === null || mtimeMs > newest) newest = mtimeMs;
  }
  return newest;
}

/** Bytes of every file under `path` (a file or a folder; links are followed at the top only). */
export async function treeBytes(path: string): Promise<number> {
  let top;
  try {
    top = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  if (!top.isDirectory()) return top.size;
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
