/**
 * A day's Parquet changes as a whole: every compaction pass builds a new generation folder
 * (`parquet/station=S/.gen/date=D/.build-…`, renamed to `g<N>` once complete — parts carried over
 * from the previous generation are hard links), then switches the day's one relative link
 * `parquet/station=S/date=D → .gen/date=D/g<N>` by renaming a new link over it. Readers going
 * through `date=D` see the old generation or the new one, never a mix; readers holding a manifest
 * read its generation's folder directly, which stays for `keepMs` after it was replaced.
 *
 * A day compacted before generations is a plain folder at `date=D`; its first pass moves it to
 * `.gen/date=D/g0` just before linking the new generation (rename cannot replace a folder by a
 * link in one step: for that instant `date=D` is missing, and DataRoot reads the newest complete
 * generation instead).
 *
 * Windows: the link is a junction (no privilege needed) replaced by unlink + rename, which is not
 * atomic there; untested.
 */
import { link, lstat, mkdir, open, readlink, rename, rm, stat, symlink, unlink, copyFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import type { DayRef } from '../../shared/api';
import { generationNumber, type DataRoot } from '../data-root';
import { readdirOrEmpty } from '../files';
import { isAlive, tempPath } from './atomic-files';
import { checkpoint } from './checkpoints';

/** Where a pass builds its generation until it is complete. */
export interface Build {
  generation: number;
  dir: string;
}

const BUILD = /^\.build-(\d+)-[0-9a-f]{8}$/;

/**
 * The generation readers see: the one the day's link points at (0 for a legacy folder), or — while
 * the link is missing after a legacy folder was moved aside — the newest complete one (`linked`
 * false: the next pass links it). Null when the day has none.
 */
export async function currentGeneration(root: DataRoot, day: DayRef): Promise<{ generation: number; legacy: boolean; linked: boolean } | null> {
  const dayDir = root.parquetDayDir(day);
  const info = await lstat(dayDir).catch(() => null);
  if (info?.isDirectory()) return { generation: 0, legacy: true, linked: true };
  if (info?.isSymbolicLink()) {
    const target = await readlink(dayDir);
    const n = generationNumber(target.split(/[\\/]/).pop() ?? '');
    if (n === null) throw new Error(`${dayDir} links to ${target}, not to one of its generations`);
    return { generation: n, legacy: false, linked: true };
  }
  if (info) throw new Error(`${dayDir} is neither a folder nor a link`);
  const unlinked = await root.unlinkedGeneration(day);
  return unlinked === null ? null : { generation: unlinked, legacy: false, linked: false };
}

/** Starts building the day's next generation (numbered after every generation that exists). */
export async function beginBuild(root: DataRoot, day: DayRef, current: number | null): Promise<Build> {
  const gens = root.generationsDir(day);
  const existing = (await readdirOrEmpty(gens)).map(generationNumber).filter((n): n is number => n !== null);
  const generation = Math.max(current ?? 0, ...existing) + 1;
  const dir = join(gens, `.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return { generation, dir };
}

/** Removes builds left by processes that are gone, and link temporaries of the station's days. */
export async function removeDeadBuilds(root: DataRoot, day: DayRef): Promise<void> {
  const gens = root.generationsDir(day);
  for (const name of await readdirOrEmpty(gens)) {
    const m = BUILD.exec(name);
    if (m && !isAlive(Number(m[1]))) await rm(join(gens, name), { recursive: true, force: true });
  }
}

/** A hard link of `from` at `to` (a copy where the file system has no hard links). */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw e;
    await copyFile(from, to);
  }
}

/** fsync a folder (its entries); a no-op where folders cannot be opened (Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}

/** The build becomes generation `g<N>`: complete on disk, not yet what readers see. */
export async function publishBuild(root: DataRoot, day: DayRef, build: Build): Promise<string> {
  const dir = root.generationDir(day, build.generation);
  await rm(dir, { recursive: true, force: true }); // a complete generation that was never switched to
  await rename(build.dir, dir);
  await fsyncDir(root.generationsDir(day));
  return dir;
}

/** Points the day at `generation` (moving a legacy folder out of the way first). */
export async function switchDay(root: DataRoot, day: DayRef, generation: number): Promise<void> {
  const station = root.parquetStationDir(day.station_id);
  const dayDir = root.parquetDayDir(day);
  const target = root.generationDir(day, generation);
  const temp = tempPath(station, `date=${day.date}.link`);
  if (process.platform === 'win32') await symlink(target, temp, 'junction');
  else await symlink(relative(station, target), temp);
  try {
    const info = await lstat(dayDir).catch(() => null);
    if (info?.isDirectory()) {
      const legacy = root.generationDir(day, 0);
      await rm(legacy, { recursive: true, force: true });
      await rename(dayDir, legacy);
      checkpoint('legacy-moved');
    }
    if (process.platform === 'win32' && info?.isSymbolicLink()) await unlink(dayDir);
    await rename(temp, dayDir);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  await fsyncDir(station);
}

/**
 * Removes what no reader can still be using: generations after the current one (built but never
 * linked), and older ones replaced more than `keepMs` ago (by file age: the next generation's
 * manifest was written just before it replaced them). Returns the generations removed.
 */
export async function removeOldGenerations(root: DataRoot, day: DayRef, current: number, keepMs: number): Promise<number[]> {
  const gens = root.generationsDir(day);
  const numbers = (await readdirOrEmpty(gens))
    .map(generationNumber)
    .filter((n): n is number => n !== null)
    .sort((a, b) => a - b);
  const removed: number[] = [];
  for (const n of numbers) {
    if (n === current) continue;
    let remove = n > current;
    if (!remove) {
      const next = numbers.find((m) => m > n)!;
      const replacedAt = (await stat(join(root.generationDir(day, next), '_manifest.json')).catch(() => null))?.mtimeMs ?? 0;
      remove = Date.now() - replacedAt > keepMs;
    }
    if (remove) {
      await rm(root.generationDir(day, n), { recursive: true, force: true });
      removed.push(n);
    }
  }
  return removed;
}
