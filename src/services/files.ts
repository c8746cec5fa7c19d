/** Small file-system questions several services ask. */
import { readSync } from 'node:fs';
import { access, mkdir, readdir, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** `length` bytes of an open file from `offset` (fewer when the file ends first), however many reads that takes. */
export async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/**
 * `readAt` without leaving the thread, for hot paths reading a few hundred kilobytes at a time from
 * the page cache: there a thread-pool round trip per read costs more than the read itself.
 */
export function readAtSync(fd: number, offset: number, length: number): Uint8Array<ArrayBuffer> {
  const buffer = new Uint8Array(new ArrayBuffer(length));
  let done = 0;
  while (done < length) {
    const bytesRead = readSync(fd, buffer, done, length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** A folder's entry names, sorted; none when the folder does not exist. */
export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * `mkdir -p` that fails with the real reason. A recursive mkdir reports ENOENT when it cannot create
 * a missing parent, whatever the cause (read-only file system, no permission, a file in the way);
 * the first missing folder is then created on its own to surface EROFS, EACCES, ENOTDIR, ….
 */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    let missing = dir;
    while (dirname(missing) !== missing && !(await exists(dirname(missing)))) missing = dirname(missing);
    await mkdir(missing); // throws the real error
    await mkdir(dir, { recursive: true });
  }
}
