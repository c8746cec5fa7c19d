/**
 * Checking `--data DIR` before a command touches it. A data root is a folder holding `journal/`,
 * `parquet/`, `quarantine/` or `exports/` (or an empty folder about to become one). Anything else
 * — a file, a folder of other things, the `parquet/` folder inside a data root — is refused with
 * one line that says what was found and what to pass instead. Commands that only read never create
 * the folder; commands that write create it when missing, and say so.
 */
import { readdir, stat, mkdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

/** What a data root holds at its top (docs/spec.md §4); any one of them makes a folder a data root. */
export const DATA_ROOT_ENTRIES = ['journal', 'parquet', 'quarantine', 'exports', 'raw', 'windows', 'spool'] as const;

export class DataFolderError extends Error {
  override name = 'DataFolderError';
}

export interface DataFolder {
  root: string;
  /** The folder did not exist and was created (only when `create` was asked for). */
  created: boolean;
}

/**
 * `path` as a data root, or a DataFolderError saying why it is not one. With `create`, a missing
 * folder (and its missing parents) is created; without, a missing folder is an error.
 */
export async function useDataFolder(path: string, options: { create: boolean }): Promise<DataFolder> {
  const root = resolve(path);
  let info;
  try {
    info = await stat(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new DataFolderError(`cannot use ${root} as the data folder: ${(e as Error).message}`);
    if (!options.create) throw new DataFolderError(`${root} does not exist (this command only reads a data folder; it creates none)`);
    try {
      await mkdir(root, { recursive: true });
    } catch (err) {
      throw new DataFolderError(`cannot create the data folder ${root}: ${(err as Error).message}`);
    }
    return { root, created: true };
  }
  if (!info.isDirectory()) throw new DataFolderError(`${root} is a file, not a data folder: pass a folder (an empty one, or one that holds journal/ and parquet/)`);
  const entries = (await readdir(root)).filter((name) => !name.startsWith('.'));
  if (entries.length === 0 || entries.some((name) => (DATA_ROOT_ENTRIES as readonly string[]).includes(name))) return { root, created: false };
  if ((DATA_ROOT_ENTRIES as readonly string[]).includes(basename(root)) || entries.some((name) => /^(station|date|ch)=/.test(name))) {
    throw new DataFolderError(`${root} is inside a data folder (it holds ${describe(entries)}): pass the data folder itself, probably ${dirname(root)}`);
  }
  throw new DataFolderError(`${root} holds other things (${describe(entries)}) but no HELIOS data (journal/, parquet/): pass an empty folder or an existing data folder`);
}

function describe(entries: readonly string[]): string {
  const shown = entries.slice(0, 3).join(', ');
  return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
}
