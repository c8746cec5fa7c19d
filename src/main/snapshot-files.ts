/**
 * Snapshot export and reopen through the system dialogs: the renderer never names a path; the user
 * picks it. The dialog functions are injected so this is tested without Electron.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { MAX_SNAPSHOT_BYTES } from '../shared/api';
import { writeNewFile, writeNewFolder } from '../services/export-file';

export interface SnapshotDialogs {
  showSave(options: { defaultPath: string; filters: { name: string; extensions: string[] }[] }): Promise<{ canceled: boolean; filePath?: string }>;
  showOpen(options: {
    filters: { name: string; extensions: string[] }[];
    properties: Array<'openFile'>;
  }): Promise<{ canceled: boolean; filePaths: string[] }>;
}

const JSON_FILTER = [{ name: 'HELIOS snapshot', extensions: ['json'] }];

export async function saveSnapshotFile(
  dialogs: SnapshotDialogs,
  defaultDir: string,
  args: { suggested_name: string; contents: string },
): Promise<{ saved: boolean; path: string | null }> {
  const result = await dialogs.showSave({ defaultPath: join(defaultDir, args.suggested_name), filters: JSON_FILTER });
  if (result.canceled || !result.filePath) return { saved: false, path: null };
  // Never replaces a file: a name that is taken (or gets taken meanwhile) becomes name-1.json, …
  const path = await writeNewFile(dirname(result.filePath), basename(result.filePath), args.contents);
  return { saved: true, path };
}

/**
 * Exported files (a range of the day, a query result): one file is saved where the user says; several
 * go into a new folder named in the same save dialog.
 */
export async function saveExportFiles(
  dialogs: SnapshotDialogs,
  defaultDir: string,
  args: { name: string; files: ReadonlyArray<{ name: string; bytes: Uint8Array }> },
): Promise<{ saved: boolean; path: string | null }> {
  const single = args.files.length === 1 ? args.files[0]! : null;
  const extension = single ? extname(single.name).slice(1) : null;
  const result = await dialogs.showSave({
    defaultPath: join(defaultDir, single ? single.name : args.name),
    filters: extension ? [{ name: extension.toUpperCase(), extensions: [extension] }] : [{ name: 'Folder', extensions: ['*'] }],
  });
  if (result.canceled || !result.filePath) return { saved: false, path: null };
  // Never replaces a file or folder: a taken name becomes name-1, …
  const dir = dirname(result.filePath);
  const name = basename(result.filePath);
  const path = single ? await writeNewFile(dir, name, single.bytes) : await writeNewFolder(dir, name, args.files.map((f) => ({ name: f.name, contents: f.bytes })));
  return { saved: true, path };
}

export async function openSnapshotFile(dialogs: SnapshotDialogs): Promise<{ name: string; contents: string } | null> {
  const result = await dialogs.showOpen({ filters: JSON_FILTER, properties: ['openFile'] });
  const file = result.filePaths[0];
  if (result.canceled || !file) return null;
  const { size } = await stat(file);
  if (size > MAX_SNAPSHOT_BYTES) throw new Error(`${basename(file)} is ${size} bytes; snapshots are at most ${MAX_SNAPSHOT_BYTES}`);
  return { name: basename(file), contents: await readFile(file, 'utf8') };
}
