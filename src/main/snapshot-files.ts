/**
 * Snapshot export and reopen through the system dialogs: the renderer never names a path; the user
 * picks it. The dialog functions are injected so this is tested without Electron.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MAX_SNAPSHOT_BYTES } from '../shared/api';
import { writeNewFile } from '../services/export-file';

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

export async function openSnapshotFile(dialogs: SnapshotDialogs): Promise<{ name: string; contents: string } | null> {
  const result = await dialogs.showOpen({ filters: JSON_FILTER, properties: ['openFile'] });
  const file = result.filePaths[0];
  if (result.canceled || !file) return null;
  const { size } = await stat(file);
  if (size > MAX_SNAPSHOT_BYTES) throw new Error(`${basename(file)} is ${size} bytes; snapshots are at most ${MAX_SNAPSHOT_BYTES}`);
  return { name: basename(file), contents: await readFile(file, 'utf8') };
}
