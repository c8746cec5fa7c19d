/**
 * Retention of a data root (policy.ts says how long; this file says what goes and how safely).
 *
 * `planRetention` lists every expired day of every tree with its bytes, and whether it can go: a
 * journal or raw day goes only when its Parquet is a complete copy (day-check.ts); otherwise it is
 * kept and the plan says why. `applyRetention` makes a fresh plan and carries it out, each day
 * under the compactor's lock of that day (no compaction can start or be running while the check
 * and the removal happen). A removed day first leaves every reader's view at once — its folder is
 * renamed to a `.retention-…` dot-name, which no reader pattern matches — and is deleted after; a
 * crash in between leaves only that dot-folder, removed by the next run.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { CHANNELS } from '../../shared/channels';
import { sqlString } from '../../shared/sql';
import { stationDate } from '../../shared/time';
import { isAlive } from '../compactor/atomic-files';
import { acquireLock, LOCK_FILE } from '../compactor/lock';
import { DayBusyError } from '../compactor/errors';
import type { DayRef } from '../../shared/api';
import { manifestChannelFiles, type DataRoot } from '../data-root';
import { exists, readdirOrEmpty } from '../files';
import { checkParquetDay, countOf, fileList, newestWrite, treeBytes } from './day-check';
import { openDuck, type Duck } from '../duckdb';
import { keepFrom, type RetentionPolicy } from './policy';

export const TREES = ['journal', 'raw', 'parquet', 'quarantine', 'windows'] as const;
export type Tree = (typeof TREES)[number];

export interface RetentionItem {
  tree: Tree;
  day: DayRef;
  bytes: number;
  /** delete: expired and safe to remove; keep: expired but kept, for `reason`. */
  action: 'delete' | 'keep';
  reason: string;
  /** A Parquet day whose event windows move to `windows/` before it goes. */
  keepWindows?: boolean;
}

export interface RetentionPlan {
  items: RetentionItem[];
  /** Bytes the `delete` items hold. */
  bytes: number;
}

export interface RetentionOptions {
  dataRoot: DataRoot;
  policy: RetentionPolicy;
  /** Default: now. Each station's local date of this instant is its "today". */
  nowMs?: number;
}

export interface AppliedItem extends RetentionItem {
  /** What happened: deleted, or why not after all (a concurrent compaction, an I/O error…). */
  outcome: 'deleted' | 'kept' | 'failed';
  detail?: string;
  /** For a Parquet day: rows of its event windows moved to `windows/`. */
  windowRows?: number;
}

export interface RetentionReport {
  items: AppliedItem[];
  /** Bytes freed (deleted items, less what their event windows now take in `windows/`). */
  freed: number;
}

function today(station: string, nowMs: number): string {
  try {
    return stationDate(nowMs, station);
  } catch {
    return new Date(nowMs).toISOString().slice(0, 10); // a station this build has no time zone for
  }
}

function treeDir(dataRoot: DataRoot, tree: Tree, day: DayRef): string {
  switch (tree) {
    case 'journal':
      return dataRoot.journalDir(day);
    case 'raw':
      return dataRoot.rawDir(day);
    case 'parquet':
      return dataRoot.parquetDayDir(day);
    case 'quarantine':
      return dataRoot.quarantineDir(day);
    case 'windows':
      return dataRoot.windowsDayDir(day);
  }
}

function treeDays(dataRoot: DataRoot, tree: Tree): Promise<DayRef[]> {
  switch (tree) {
    case 'journal':
      return dataRoot.journalDays();
    case 'raw':
      return dataRoot.rawDays();
    case 'parquet':
      return dataRoot.parquetDays();
    case 'quarantine':
      return dataRoot.quarantineDays();
    case 'windows':
      return dataRoot.windowsDays();
  }
}

/** Why a journal or raw day may not go yet, or null when its Parquet is a complete copy of it. */
async function copyProblem(duck: Duck, dataRoot: DataRoot, tree: 'journal' | 'raw', day: DayRef): Promise<string | null> {
  const verdict = await checkParquetDay(duck, dataRoot, day);
  if (!verdict.ok) return verdict.reason;
  const written = await newestWrite(treeDir(dataRoot, tree, day));
  if (written !== null && written > verdict.generatedMs) {
    return `its Parquet (compacted ${new Date(verdict.generatedMs).toISOString()}) is older than the ${tree === 'raw' ? 'raw capture' : 'journal'} (written ${new Date(written).toISOString()})`;
  }
  return null;
}

async function plan(options: RetentionOptions, duck: Duck): Promise<RetentionPlan> {
  const { dataRoot, policy } = options;
  const nowMs = options.nowMs ?? Date.now();
  const items: RetentionItem[] = [];
  for (const tree of TREES) {
    for (const day of await treeDays(dataRoot, tree)) {
      const keep = keepFrom(policy, today(day.station_id, nowMs));
      const limit = tree === 'quarantine' ? keep.parquet : keep[tree];
      if (day.date >= limit) continue;
      const bytes = await treeBytes(treeDir(dataRoot, tree, day));
      const age = ageText(tree, policy);
      if (tree === 'journal' || tree === 'raw') {
        const problem = (await exists(join(dataRoot.generationsDir(day), LOCK_FILE))) ? 'its day is being compacted' : await copyProblem(duck, dataRoot, tree, day);
        items.push(problem ? { tree, day, bytes, action: 'keep', reason: `${age}, but ${problem}` } : { tree, day, bytes, action: 'delete', reason: `${age}; its Parquet is complete` });
      } else if (tree === 'parquet' && day.date >= keep.windows) {
        items.push({ tree, day, bytes, action: 'delete', reason: `${age}; its event windows are kept until they are ${policy.windows_months} months old`, keepWindows: true });
      } else {
        items.push({ tree, day, bytes, action: 'delete', reason: age });
      }
    }
  }
  return { items, bytes: items.filter((i) => i.action === 'delete').reduce((sum, i) => sum + i.bytes, 0) };
}

function ageText(tree: Tree, policy: RetentionPolicy): string {
  switch (tree) {
    case 'journal':
      return `older than ${policy.journal_days} days`;
    case 'raw':
      return `older than ${policy.raw_days} days`;
    case 'parquet':
    case 'quarantine':
      return `older than ${policy.parquet_months} months`;
    case 'windows':
      return `older than ${Math.max(policy.windows_months, policy.parquet_months)} months`;
  }
}

/** What would go (and what is kept past its age, and why). Reads, never writes. */
export async function planRetention(options: RetentionOptions): Promise<RetentionPlan> {
  const duck = await openDuck();
  try {
    return await plan(options, duck);
  } finally {
    duck.close();
  }
}

/** Removes what a fresh plan says may go, checking each day again under its compaction lock. */
export async function applyRetention(options: RetentionOptions & { onItem?(item: AppliedItem): void }): Promise<RetentionReport> {
  const { dataRoot } = options;
  await removeLeftovers(dataRoot);
  const duck = await openDuck();
  const items: AppliedItem[] = [];
  let freed = 0;
  try {
    const { items: planned } = await plan(options, duck);
    for (const item of planned) {
      let applied: AppliedItem;
      if (item.action === 'keep') applied = { ...item, outcome: 'kept' };
      else {
        try {
          applied = await applyItem(dataRoot, item, duck);
        } catch (e) {
          applied = { ...item, outcome: e instanceof DayBusyError ? 'kept' : 'failed', detail: (e as Error).message };
        }
      }
      if (applied.outcome === 'deleted') freed += applied.bytes;
      items.push(applied);
      options.onItem?.(applied);
    }
  } finally {
    duck.close();
  }
  return { items, freed };
}

async function applyItem(dataRoot: DataRoot, item: RetentionItem, duck: Duck): Promise<AppliedItem> {
  const { day, tree } = item;
  if (tree === 'quarantine' || tree === 'windows') {
    await removeSafely(treeDir(dataRoot, tree, day));
    return { ...item, outcome: 'deleted' };
  }
  const parquetDir = dataRoot.parquetDayDir(day);
  if (!(await exists(parquetDir))) return { ...item, outcome: 'kept', detail: 'its Parquet is missing' };
  // No compaction of this day can start or be running from here until the lock is released.
  await mkdir(dataRoot.generationsDir(day), { recursive: true });
  const release = await acquireLock(dataRoot.generationsDir(day));
  if (tree === 'parquet') {
    let windowRows: number | undefined;
    try {
      if (item.keepWindows) {
        const verdict = await checkParquetDay(duck, dataRoot, day);
        if (!verdict.ok) {
          await release();
          return { ...item, outcome: 'kept', detail: `its event windows cannot be kept: ${verdict.reason}` };
        }
        windowRows = await extractWindows(duck, dataRoot, day);
      }
      await removeSafely(parquetDir);
      // the day's other generations, its compaction state and the lock go with it
      await rm(dataRoot.generationsDir(day), { recursive: true, force: true });
    } catch (e) {
      await release();
      throw e;
    }
    const windowBytes = windowRows === undefined ? 0 : await treeBytes(dataRoot.windowsDayDir(day));
    return { ...item, bytes: item.bytes - windowBytes, outcome: 'deleted', windowRows };
  }
  let hidden: string | null;
  try {
    const problem = await copyProblem(duck, dataRoot, tree, day);
    if (problem) return { ...item, action: 'keep', outcome: 'kept', detail: problem };
    hidden = await hide(treeDir(dataRoot, tree, day));
  } finally {
    await release();
  }
  if (hidden) await removeHidden(hidden);
  return { ...item, outcome: 'deleted' };
}

const LEFTOVER = /^\.retention-(\d+)-[0-9a-f]{8}-/;

/** Renames a day folder (or link) to a dot-name in the same folder: gone for every reader at once. */
async function hide(path: string): Promise<string | null> {
  const hidden = join(dirname(path), `.retention-${process.pid}-${randomBytes(4).toString('hex')}-${basename(path)}`);
  try {
    await rename(path, hidden);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return hidden;
}

/** Hides then deletes a day folder; a `date=D` link into `.gen/` takes its generation with it. */
async function removeSafely(path: string): Promise<void> {
  const hidden = await hide(path);
  if (hidden) await removeHidden(hidden);
}

async function removeHidden(hidden: string): Promise<void> {
  const info = await lstat(hidden).catch(() => null);
  if (info?.isSymbolicLink()) {
    const target = resolve(dirname(hidden), await readlink(hidden));
    // only a generation folder of the same station (`…/station=S/.gen/…`), never anything else
    const gen = join(dirname(hidden), '.gen') + sep;
    if (target.startsWith(gen)) await rm(target, { recursive: true, force: true });
  }
  await rm(hidden, { recursive: true, force: true });
}

/** Deletes `.retention-…` folders a killed run left behind (their process is gone). */
async function removeLeftovers(dataRoot: DataRoot): Promise<void> {
  for (const tree of TREES) {
    const treeRoot = join(dataRoot.root, tree);
    for (const station of await readdirOrEmpty(treeRoot)) {
      if (!station.startsWith('station=')) continue;
      for (const name of await readdirOrEmpty(join(treeRoot, station))) {
        const pid = LEFTOVER.exec(name)?.[1];
        if (pid && (Number(pid) === process.pid || !isAlive(Number(pid)))) await removeHidden(join(treeRoot, station, name));
      }
    }
  }
}

/**
 * Copies the rows of a day recorded inside event windows (`window_id` set) to
 * `windows/station=S/date=D/ch=<ch>/part-0000.parquet`, written in a dot-folder and renamed into
 * place when complete; returns the rows copied. A day already extracted (an earlier run stopped
 * before deleting the Parquet) is left as it is.
 */
async function extractWindows(duck: Duck, dataRoot: DataRoot, day: DayRef): Promise<number> {
  const target = dataRoot.windowsDayDir(day);
  if (await exists(target)) return 0;
  const manifest = await dataRoot.readManifest(day);
  const work = join(dirname(target), `.retention-${process.pid}-${randomBytes(4).toString('hex')}-${basename(target)}`);
  let total = 0;
  const rows: Record<string, number> = {};
  try {
    await mkdir(work, { recursive: true });
    for (const ch of CHANNELS) {
      const files = manifestChannelFiles(manifest, ch);
      if (files.length === 0) continue;
      const select = `SELECT * FROM read_parquet(${fileList(dataRoot.parquetDayDir(day), files)}, hive_partitioning = false) WHERE window_id IS NOT NULL`;
      const n = await countOf(duck, `SELECT count(*)::BIGINT AS n FROM (${select})`);
      if (n === 0) continue;
      await mkdir(join(work, `ch=${ch}`));
      const file = join(work, `ch=${ch}`, 'part-0000.parquet');
      await duck.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
      const written = await countOf(duck, `SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(file)})`);
      if (written !== n) throw new Error(`${relative(dataRoot.root, file)}: wrote ${written} of ${n} window rows`);
      rows[ch] = n;
      total += n;
    }
    await writeFile(
      join(work, '_windows.json'),
      JSON.stringify({ station_id: day.station_id, date: day.date, from_manifest_generated_at: manifest.generated_at, rows }, null, 2) + '\n',
    );
    await rename(work, target);
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw e;
  }
  return total;
}
