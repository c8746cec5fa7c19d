/**
 * Crash safety of the compactor's outputs: every file is written under a temporary name that no
 * reader pattern matches (`.…<pid>-<nonce>.tmp`), fsynced, then renamed over the final name, so a
 * reader sees the old complete file or the new complete file, never a partial one. Temporaries
 * and work folders left by a killed run carry its pid and are removed by the next run.
 */
import { open, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readdirOrEmpty } from '../files';
import { DayBusyError } from './errors';

const NONCE = () => randomBytes(4).toString('hex');

/** `<dir>/.<base>.<pid>-<nonce>.tmp` */
export function tempPath(dir: string, base: string): string {
  return join(dir, `.${base}.${process.pid}-${NONCE()}.tmp`);
}

/** `<dir>/.work-<pid>-<nonce>` */
export function workDirPath(dir: string): string {
  return join(dir, `.work-${process.pid}-${NONCE()}`);
}

const OWNED = /^\.(?:.+\.(\d+)-[0-9a-f]{8}\.tmp|work-(\d+)-[0-9a-f]{8})$/;

export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporaries and work folders in `dir` whose writing process is gone. */
export async function removeStaleTemporaries(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdirOrEmpty(dir)) {
    const m = OWNED.exec(name);
    if (!m) continue;
    const pid = Number(m[1] ?? m[2]);
    if (isAlive(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}


export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write `contents` to `path` atomically (temp file, fsync, rename). */
export async function writeFileAtomic(path: string, dir: string, base: string, contents: string): Promise<void> {
  const temp = tempPath(dir, base);
  try {
    await writeFile(temp, contents);
    await fsyncFile(temp);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}


/**
 * An exclusive lock on one day's compaction (`<dir>/.compact.lock` holding the owner's pid). A lock
 * left by a process that no longer exists is taken over.
 */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, '.compact.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(path).catch(() => undefined);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (!(owner > 0) && attempt < 2) {
        // Just created by someone who has not written its pid yet.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new DayBusyError(`already being compacted by process ${owner} (lock ${path})`);
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new DayBusyError(`could not take the lock ${path}`);
}
