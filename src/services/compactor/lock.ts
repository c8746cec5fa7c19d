/**
 * One compaction of a day at a time: `parquet/station=S/.gen/date=D/compact.lock`, holding the
 * owner's pid, its process start time and host. The lock is created complete — written to a
 * temporary file, then hard-linked to its name (link(2) fails when the lock exists) — so a full
 * disk fails before any lock exists and never leaves an empty one behind.
 *
 * A lock whose owner is gone is taken over, with a warning: no such process, or the pid now
 * belongs to a process started at another time (the pid was reused after a crash or reboot). The
 * start time comes from /proc on Linux; elsewhere only the pid is checked.
 */
import { link, lstat, open, readFile, rename, rm, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive, tempPath } from './atomic-files';
import { DayBusyError } from './errors';

export const LOCK_FILE = 'compact.lock';

interface LockOwner {
  pid: number;
  /** Process start time (clock ticks since boot, from /proc/<pid>/stat), or null where unknown. */
  started: string | null;
  host: string;
}

/** A process's start time on Linux (field 22 of /proc/<pid>/stat), or null. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function parseOwner(text: string): LockOwner | null {
  const trimmed = text.trim();
  // Locks written before this format held the pid alone.
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), started: null, host: hostname() };
  try {
    const o = JSON.parse(trimmed) as Partial<LockOwner>;
    if (Number.isInteger(o.pid) && o.pid! > 0) return { pid: o.pid!, started: typeof o.started === 'string' ? o.started : null, host: String(o.host ?? hostname()) };
  } catch {
    // unreadable: handled as a lock without an owner
  }
  return null;
}

/** Why the owner no longer holds the lock, or null while it may still. */
function gone(owner: LockOwner): string | null {
  if (owner.host !== hostname()) return null; // another machine's process: cannot be checked
  if (!isAlive(owner.pid)) return `process ${owner.pid} is gone`;
  if (owner.started !== null && owner.pid !== process.pid) {
    const started = processStartTime(owner.pid);
    if (started !== null && started !== owner.started) return `pid ${owner.pid} now belongs to another process`;
  }
  return null;
}

/** A lock file without an owner older than this was left by a writer that died (older versions wrote the pid after creating the file). */
const OWNERLESS_STALE_MS = 10_000;

/**
 * Takes the lock in `dir` (which must exist) or throws DayBusyError. Returns the release function.
 * `onTakeover` hears when a stale lock was taken over, and why.
 */
export async function acquireLock(dir: string, onTakeover?: (message: string) => void): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, started: processStartTime(process.pid), host: hostname() };
  const temp = tempPath(dir, LOCK_FILE);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(JSON.stringify(me));
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(temp, path);
        return () => unlink(path).catch(() => undefined);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const text = await readFile(path, 'utf8').catch(() => null);
      if (text === null) continue; // released meanwhile
      const owner = parseOwner(text);
      let why: string | null;
      if (owner) {
        why = gone(owner);
        if (why === null) throw new DayBusyError(`already being compacted by process ${owner.pid}${owner.host === me.host ? '' : ` on ${owner.host}`} (lock ${path})`);
      } else {
        const age = Date.now() - ((await lstat(path).catch(() => null))?.mtimeMs ?? Date.now());
        if (age < OWNERLESS_STALE_MS) throw new DayBusyError(`a lock without an owner was just created (lock ${path}); try again`);
        why = 'it names no owner';
      }
      // Moved aside rather than deleted: if another process took the lock over between our read
      // and here, what we moved is its fresh lock, which goes back.
      const aside = tempPath(dir, `${LOCK_FILE}.stale`);
      if (!(await rename(path, aside).then(() => true, () => false))) continue;
      const moved = await readFile(aside, 'utf8').catch(() => null);
      if (moved !== text) {
        await link(aside, path).catch(() => undefined);
        await rm(aside, { force: true });
        throw new DayBusyError(`the lock ${path} was taken over by another process meanwhile`);
      }
      await rm(aside, { force: true });
      onTakeover?.(`took over the lock ${path}: ${why}`);
    }
    throw new DayBusyError(`could not take the lock ${path}: other processes keep taking it`);
  } finally {
    await rm(temp, { force: true });
  }
}
