import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_SNAPSHOT_BYTES } from '../../src/shared/api';
import { openSnapshotFile, saveSnapshotFile, type SnapshotDialogs } from '../../src/main/snapshot-files';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helios-snap-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CONTENTS = JSON.stringify({ snapshot_version: 1, correlation_id: '0190f2c4-7a55-7c11-9f20-5a1b2c3d4e5f', events: [] });

function dialogs(save: { canceled: boolean; filePath?: string }, open: { canceled: boolean; filePaths: string[] }) {
  return { showSave: vi.fn(async () => save), showOpen: vi.fn(async () => open) } satisfies SnapshotDialogs;
}

describe('snapshot export and reopen through dialogs', () => {
  it('suggests the name in the documents folder and writes where the user chose', async () => {
    const target = join(dir, 'chosen.json');
    const d = dialogs({ canceled: false, filePath: target }, { canceled: true, filePaths: [] });
    const r = await saveSnapshotFile(d, '/home/analyst/Documents', { suggested_name: 'KLGA-2026-01-29.json', contents: CONTENTS });
    expect(r).toEqual({ saved: true, path: target });
    expect(d.showSave).toHaveBeenCalledWith(expect.objectContaining({ defaultPath: '/home/analyst/Documents/KLGA-2026-01-29.json' }));
    expect(await readFile(target, 'utf8')).toBe(CONTENTS);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes nothing when the save dialog is cancelled', async () => {
    const before = await readdir(dir);
    const r = await saveSnapshotFile(dialogs({ canceled: true }, { canceled: true, filePaths: [] }), dir, { suggested_name: 'x.json', contents: '{}' });
    expect(r).toEqual({ saved: false, path: null });
    expect(await readdir(dir)).toEqual(before);
  });

  it('reopens the file the user picks, and returns null when cancelled', async () => {
    const file = join(dir, 'shared-by-colleague.json');
    await writeFile(file, CONTENTS);
    expect(await openSnapshotFile(dialogs({ canceled: true }, { canceled: false, filePaths: [file] }))).toEqual({
      name: 'shared-by-colleague.json',
      contents: CONTENTS,
    });
    expect(await openSnapshotFile(dialogs({ canceled: true }, { canceled: true, filePaths: [] }))).toBeNull();
  });

  it('refuses a file larger than a snapshot can be, without reading it', async () => {
    const file = join(dir, 'huge.json');
    await writeFile(file, '');
    await truncate(file, MAX_SNAPSHOT_BYTES + 1); // sparse
    await expect(openSnapshotFile(dialogs({ canceled: true }, { canceled: false, filePaths: [file] }))).rejects.toThrow(/snapshots are at most/);
  });
});
