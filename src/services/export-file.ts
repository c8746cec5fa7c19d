/**
 * Writing an export without ever replacing a file: the contents go to a temporary file created
 * exclusively in the target folder, which is then hard-linked to the first free name (`name.json`,
 * `name-1.json`, …). `link` fails instead of replacing, so concurrent saves of one name each get
 * their own file, and nobody sees half a file. Used by Electron main (the folder the user picked)
 * and the browser bridge (`<data>/exports/`).
 *
 * With `within` (the data root), nothing is written through a link out of it: the folder must be a
 * real directory inside the root, and the new temporary file's descriptor is checked to be where it
 * was meant to be before the first byte is written (so swapping the folder for a link mid-way
 * writes nothing outside; it fails the save).
 */
import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readlink, realpath, stat, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, extname, join, sep } from 'node:path';

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** Text is encoded and written in slices of this many UTF-16 units. */
const SLICE = 4 * 1024 * 1024;
const MAX_NAME_TRIES = 1000;

/** Refused because a link or a swapped folder would have taken the file out of `within`. */
export class UnsafeExportPathError extends Error {
  override name = 'UnsafeExportPathError';
}

/**
 * Write `contents` (text, or bytes as they arrive, e.g. a request body) as a new file named `name`
 * (or `stem-N.ext` when taken) in `dir`; returns its path. `within`: a folder `dir` must really be
 * inside (it is created there if missing). If `contents` throws, nothing is left behind.
 */
export async function writeNewFile(
  dir: string,
  name: string,
  contents: string | AsyncIterable<Uint8Array>,
  { within }: { within?: string } = {},
): Promise<string> {
  const realDir = within ? await confinedDir(dir, within) : dir;
  const tmpName = `.${basename(name)}.${randomBytes(6).toString('hex')}.tmp`;
  const tmp = join(realDir, tmpName);
  let handle: FileHandle | null = await open(tmp, CREATE_NEW, 0o644);
  try {
    if (within) await assertDescriptorAt(handle, tmp);
    for await (const bytes of typeof contents === 'string' ? utf8Slices(contents) : contents) {
      for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
    }
    await handle.close();
    handle = null;
    // Linking needs the temporary file's (unguessable) name to resolve, so the new name lands in
    // the folder that holds it: the one checked above.
    return await linkToFreeName(tmp, realDir, name);
  } finally {
    await handle?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
  }
}

/** `dir` created if missing (not through a link), checked to be a real directory inside `within`. */
async function confinedDir(dir: string, within: string): Promise<string> {
  const realRoot = await realpath(within);
  await mkdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  const info = await lstat(dir);
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new UnsafeExportPathError(`${dir} is ${info.isSymbolicLink() ? 'a link' : 'not a folder'}; exports are only written into a real folder of the data root`);
  }
  const real = await realpath(dir);
  if (!real.startsWith(realRoot + sep)) throw new UnsafeExportPathError(`${dir} leads out of the data root (${real})`);
  return real;
}

/** The open file must be `path` (no folder on the way was swapped for a link since it was checked). */
async function assertDescriptorAt(handle: FileHandle, path: string): Promise<void> {
  // Linux names an open descriptor's real path; elsewhere compare the entry at `path` instead.
  const actual = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
  if (actual !== null) {
    if (actual === path) return;
    await unlink(actual).catch(() => {}); // the empty file this call created where it must not be
    throw new UnsafeExportPathError(`refusing to write: the new file is at ${actual}, not in the exports folder`);
  }
  const [opened, entry] = await Promise.all([handle.stat(), stat(path).catch(() => null)]);
  if (!entry || entry.ino !== opened.ino || entry.dev !== opened.dev) {
    throw new UnsafeExportPathError(`refusing to write: the exports folder changed while the file was created`);
  }
}

/** Link `tmp` under the first free name; a file system without hard links gets an exclusive copy. */
async function linkToFreeName(tmp: string, dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; i < MAX_NAME_TRIES; i++) {
    const candidate = join(dir, i === 0 ? name : `${stem}-${i}${ext}`);
    try {
      await link(tmp, candidate);
      return candidate;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
    }
    try {
      await copyFile(tmp, candidate, constants.COPYFILE_EXCL);
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`too many files named like ${name} in ${dir}`);
}

/** A string as UTF-8 in slices (never one copy of it all), no surrogate pair split between two. */
function* utf8Slices(text: string): Generator<Uint8Array> {
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + SLICE);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield Buffer.from(text.slice(at, end), 'utf8');
    at = end;
  }
}
