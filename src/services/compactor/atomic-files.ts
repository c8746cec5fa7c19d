/**
 * Crash safety of single files: a file is written under a temporary name that no reader pattern
 * matches (`.…<pid>-<nonce>.tmp`), fsynced, then renamed over the final name, so a reader sees the
 * old complete file or the new complete file, never a partial one. Temporaries left by a killed
 * run carry its pid and are removed by the next run. (A day's Parquet changes as a whole through
 * generations: generations.ts.)
 */
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readdirOrEmpty } from '../files';

const NONCE = () => randomBytes(4).toString('hex');

/** `<dir>/.<base>.<pid>-<nonce>.tmp` */
export function tempPath(dir: string, base: string): string {
  return join(dir, `.${base}.${process.pid}-${NONCE()}.tmp`);
}

const OWNED = /^\..+\.(\d+)-[0-9a-f]{8}\.tmp$/;

export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporaries in `dir` whose writing process is gone. */
export async function removeStaleTemporaries(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdirOrEmpty(dir)) {
    const m = OWNED.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
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
