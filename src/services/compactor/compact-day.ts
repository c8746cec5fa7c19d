/**
 * Compacts one day's journal into the Parquet layout of SPEC §4 (see docs/data-format.md):
 *
 *  1. spool-journal.ts — read every `*.ndjson` of the day in chunks of whole lines, validate each
 *     line with the shared registry on worker threads, drop repeated event_ids, spool each
 *     channel's accepted lines, stream rejected lines to the quarantine file;
 *  2. parquet-writer.ts — DuckDB native: typed `read_json` of each spool → (ORDER BY when needed)
 *     → ZSTD Parquet with ~5-minute row groups (≤ 4 096 rows), row-group index from the footer;
 *  3. markers.ts — the timeline markers, from the new files;
 *  4. publish: part files, quarantine, then the manifest, each by fsync + atomic rename.
 */
import { availableParallelism } from 'node:os';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CHANNELS, type Channel } from '../../shared/channels';
import { MANIFEST_VERSION, manifest as manifestSchema, type ChannelManifest, type Manifest } from '../../shared/manifest';
import { describeZodError } from '../../shared/registry';
import { getStation } from '../../shared/stations';
import { localDayBoundsUtc } from '../../shared/time';
import { DataRoot, assertDayRef } from '../data-root';
import { readdirOrEmpty } from '../files';
import { acquireLock, fsyncFile, removeStaleTemporaries, tempPath, workDirPath, writeFileAtomic } from './atomic-files';
import { sqlString } from '../../shared/sql';
import { CompactionError, DayBusyError, NoJournalError } from './errors';
import { journalName, listJournalFiles } from './journal-reader';
import { DEFAULT_SHOCK_THRESHOLD, deriveMarkers } from './markers';
import { deriveMarkets, deriveTokens } from './tokens';
import { openEngine, writeChannelParquet, type Engine } from './parquet-writer';
import { spoolJournal } from './spool-journal';
import type { DayPartition, QuarantineCode } from './validate-lines';

export { CompactionError, DayBusyError, NoJournalError } from './errors';
export { rowGroupSize } from './parquet-writer';

export interface CompactProgress {
  station: string;
  date: string;
  phase: 'validate' | 'write';
  bytesDone: number;
  bytesTotal: number;
  linesRead: number;
}

export interface CompactDayOptions {
  dataRoot: string | DataRoot;
  station: string;
  date: string;
  /**
   * Validator worker threads; default one per core, at most 4 (this thread's own share — reading,
   * dedupe, spooling — is small). 0 validates on the calling thread.
   */
  threads?: number;
  /**
   * What to do with a torn last line (no newline, not JSON): `quarantine` (default, for a finished
   * day) or `pending` (live day: the recorder is still writing it; skip it, the next run sees it).
   */
  tailMode?: 'quarantine' | 'pending';
  /** Mid move between consecutive snapshots that counts as a SHOCK marker. */
  shockThreshold?: number;
  /** Read size per validation job. */
  chunkBytes?: number;
  /** Clock for the manifest's generated_at (epoch ms). Default Date.now. */
  now?: () => number;
  onProgress?: (p: CompactProgress) => void;
  onWarning?: (message: string) => void;
}

export interface CompactDayResult {
  station: string;
  date: string;
  manifest: Manifest;
  manifestPath: string;
  /** The day's quarantine file, or null when no line was rejected. */
  quarantinePath: string | null;
  quarantinedByCode: Partial<Record<QuarantineCode, number>>;
  /** Torn last lines skipped in `pending` tail mode. */
  pendingLines: number;
  /** Channels whose journal lines were not in (ts_ingest_utc, event_id) order, so DuckDB sorted them. */
  reordered: Channel[];
  journalFiles: number;
  journalBytes: number;
  threads: number;
  elapsedMs: number;
}

export const QUARANTINE_FILE = 'quarantine.ndjson';

/** Worker threads for validation: one per core, at most 4. */
export function defaultThreads(): number {
  return Math.min(4, Math.max(1, availableParallelism()));
}

/**
 * Compact one day. Throws CompactionError (DayBusyError when another process holds the day)
 * with a message starting with "<station> <date>: " when the day cannot be compacted at all.
 */
export async function compactDay(options: CompactDayOptions): Promise<CompactDayResult> {
  try {
    return await compactDayOrThrow(options);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const message = `${options.station} ${options.date}: ${err.code && !(e instanceof CompactionError) ? `${err.code}: ` : ''}${err.message}`;
    const Kind = e instanceof DayBusyError ? DayBusyError : e instanceof NoJournalError ? NoJournalError : CompactionError;
    throw new Kind(message, { cause: e });
  }
}

async function compactDayOrThrow(options: CompactDayOptions): Promise<CompactDayResult> {
  const started = performance.now();
  const root = typeof options.dataRoot === 'string' ? new DataRoot(options.dataRoot) : options.dataRoot;
  const day = { station_id: options.station, date: options.date };
  assertDayRef(day);
  const timeZone = getStation(day.station_id).timeZone;
  const [startMs, endMs] = localDayBoundsUtc(day.date, timeZone);
  const partition: DayPartition = { station: day.station_id, date: day.date, startMs, endMs };

  const journalDir = root.journalDir(day);
  let files: string[];
  try {
    files = await listJournalFiles(journalDir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NoJournalError(`no journal (expected ${journalDir})`);
    throw new CompactionError(`cannot read the journal folder ${journalDir}: ${err.message}`);
  }
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  const progress = (phase: CompactProgress['phase'], bytesDone: number, linesRead: number) =>
    options.onProgress?.({ station: day.station_id, date: day.date, phase, bytesDone, bytesTotal, linesRead });

  const dayDir = root.parquetDayDir(day);
  const quarantineDir = root.quarantineDir(day);
  await mkdir(dayDir, { recursive: true });
  const release = await acquireLock(dayDir);
  const workDir = workDirPath(dayDir);
  const temps = new Map<Channel, string>();
  let engine: Engine | null = null;
  try {
    await removeStaleTemporaries(dayDir);
    for (const name of await readdirOrEmpty(dayDir)) if (name.startsWith('ch=')) await removeStaleTemporaries(join(dayDir, name));
    await mkdir(workDir);

    const quarantineTemp = join(workDir, QUARANTINE_FILE);
    const spooled = await spoolJournal({
      files: files.map((path, i) => ({ path, name: journalName(path, root.root), size: sizes[i]! })),
      partition,
      workDir,
      quarantinePath: quarantineTemp,
      threads: options.threads ?? defaultThreads(),
      tailMode: options.tailMode ?? 'quarantine',
      chunkBytes: options.chunkBytes,
      onProgress: (bytesDone, linesRead) => progress('validate', bytesDone, linesRead),
      onWarning: options.onWarning,
    });

    progress('write', bytesTotal, spooled.linesRead);
    engine = await openEngine(workDir);
    const channels: Partial<Record<Channel, ChannelManifest>> = {};
    for (const [ch, stats] of spooled.stats) {
      const chDir = join(dayDir, `ch=${ch}`);
      await mkdir(chDir, { recursive: true });
      const temp = tempPath(chDir, 'part-0000.parquet');
      temps.set(ch, temp);
      channels[ch] = await writeChannelParquet(engine, ch, stats, temp, options.onWarning);
    }
    const source = (ch: Channel) => (temps.has(ch) ? `read_parquet(${sqlString(temps.get(ch)!)})` : undefined);
    const markers = await deriveMarkers(
      engine.query,
      { metar_obs: source('metar_obs'), event_windows: source('event_windows'), l2_snap_1s: source('l2_snap_1s'), book_events: source('book_events') },
      options.shockThreshold ?? DEFAULT_SHOCK_THRESHOLD,
    );
    const tokens = await deriveTokens(engine.query, { l2_snap_1s: source('l2_snap_1s'), nowcast_1m: source('nowcast_1m'), markets: source('markets') });
    const markets = await deriveMarkets(engine.query, source('markets'));
    engine.close();
    engine = null;

    const stats = [...spooled.stats.values()];
    const manifest: Manifest = {
      manifest_version: MANIFEST_VERSION,
      station_id: day.station_id,
      date: day.date,
      time_zone: timeZone,
      day_start_utc: new Date(startMs).toISOString(),
      day_end_utc: new Date(endMs).toISOString(),
      generated_at: new Date((options.now ?? Date.now)()).toISOString(),
      totals: {
        lines_read: spooled.linesRead,
        blank_lines: spooled.blankLines,
        events_written: stats.reduce((sum, st) => sum + st.rows, 0),
        duplicates_dropped: spooled.duplicates,
        quarantined: spooled.quarantined,
        upgraded: stats.reduce((sum, st) => sum + st.upgraded, 0),
      },
      tokens,
      markets,
      channels,
      markers,
    };
    const checked = manifestSchema.safeParse(manifest);
    if (!checked.success) throw new CompactionError(`internal error: manifest does not match its schema: ${describeZodError(checked.error)}`);

    // Publish: part files, quarantine, and the manifest last (the commit point).
    await Promise.all([...temps.values(), ...(spooled.quarantined > 0 ? [quarantineTemp] : [])].map(fsyncFile));
    for (const [ch, temp] of temps) {
      await rename(temp, root.parquetFile(day, ch));
      temps.delete(ch);
    }
    const quarantinePath = join(quarantineDir, QUARANTINE_FILE);
    if (spooled.quarantined > 0) {
      await mkdir(quarantineDir, { recursive: true });
      await rename(quarantineTemp, quarantinePath);
    } else {
      await rm(quarantinePath, { force: true });
    }
    await writeFileAtomic(root.manifestFile(day), dayDir, '_manifest.json', JSON.stringify(manifest, null, 2) + '\n');
    // Channels a previous run wrote that this journal no longer has (e.g. a hand-edited journal).
    for (const name of await readdir(dayDir)) {
      const ch = /^ch=(.+)$/.exec(name)?.[1];
      if (ch && !(ch in channels)) await rm(join(dayDir, name), { recursive: true, force: true });
    }

    return {
      station: day.station_id,
      date: day.date,
      manifest,
      manifestPath: root.manifestFile(day),
      quarantinePath: spooled.quarantined > 0 ? quarantinePath : null,
      quarantinedByCode: spooled.quarantinedByCode,
      pendingLines: spooled.pendingLines,
      reordered: CHANNELS.filter((ch) => spooled.stats.get(ch)?.sorted === false),
      journalFiles: files.length,
      journalBytes: bytesTotal,
      threads: spooled.threads,
      elapsedMs: performance.now() - started,
    };
  } finally {
    engine?.close();
    for (const temp of temps.values()) await rm(temp, { force: true });
    await rm(workDir, { recursive: true, force: true });
    await release();
  }
}
