/**
 * `--data DIR` as a user mistypes it: a file, a folder of other things, the parquet/ folder inside
 * a data root, a missing folder. One clear line and exit status 2, nothing created by a command
 * that only reads; a writing command creates the folder and says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFolderError, useDataFolder } from '../../src/services/data-folder';

const repo = resolve(__dirname, '../..');
let base: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'helios-data-folder-'));
  writeFileSync(join(base, 'a-file.txt'), 'not a folder');
  mkdirSync(join(base, 'documents'));
  writeFileSync(join(base, 'documents', 'notes.md'), '# notes');
  mkdirSync(join(base, 'root', 'parquet', 'station=KLGA'), { recursive: true });
  mkdirSync(join(base, 'root', 'journal'), { recursive: true });
  mkdirSync(join(base, 'empty'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const run = (script: string[], args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', ...script, ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
const helios = (...args: string[]) => run(['src/cli/main.ts'], args);

describe('useDataFolder', () => {
  it('accepts a data root and an empty folder as they are', async () => {
    expect(await useDataFolder(join(base, 'root'), { create: false })).toEqual({ root: join(base, 'root'), created: false });
    expect(await useDataFolder(join(base, 'empty'), { create: true })).toEqual({ root: join(base, 'empty'), created: false });
    // a recording server whose journal and Parquet retention already removed: its raw captures remain
    mkdirSync(join(base, 'raw-only', 'raw', 'station=KLGA'), { recursive: true });
    expect(await useDataFolder(join(base, 'raw-only'), { create: false })).toEqual({ root: join(base, 'raw-only'), created: false });
  });

  it('refuses a file, a folder of other things, and the parquet folder inside a data root, saying what to pass', async () => {
    await expect(useDataFolder(join(base, 'a-file.txt'), { create: true })).rejects.toThrow(/a-file\.txt is a file, not a data folder/);
    await expect(useDataFolder(join(base, 'documents'), { create: true })).rejects.toThrow(/holds other things \(notes\.md\) but no HELIOS data/);
    await expect(useDataFolder(join(base, 'root', 'parquet'), { create: true })).rejects.toThrow(`is inside a data folder (it holds station=KLGA): pass the data folder itself, probably ${join(base, 'root')}`);
    await expect(useDataFolder(join(base, 'a-file.txt'), { create: false })).rejects.toBeInstanceOf(DataFolderError);
  });

  it('creates a missing folder only when asked to', async () => {
    await expect(useDataFolder(join(base, 'missing-1'), { create: false })).rejects.toThrow(/does not exist/);
    expect(existsSync(join(base, 'missing-1'))).toBe(false);
    expect(await useDataFolder(join(base, 'missing-2', 'deeper'), { create: true })).toEqual({ root: join(base, 'missing-2', 'deeper'), created: true });
    expect(existsSync(join(base, 'missing-2', 'deeper'))).toBe(true);
  });
});

describe('the commands', () => {
  it('compact (reads a journal): one line and exit 2 for a file, other things or a missing folder; creates nothing', () => {
    for (const [dir, message] of [
      ['a-file.txt', 'is a file, not a data folder'],
      ['documents', 'holds other things'],
      ['typo', 'does not exist'],
    ] as const) {
      const r = helios('compact', '--data', join(base, dir));
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(existsSync(join(base, 'typo'))).toBe(false);
  });

  it('record (writes): refuses a file with one line and exit 2; creates a missing folder and says so', () => {
    const refused = helios('record', '--data', join(base, 'a-file.txt'), '--day', '2026-01-29', '--for', '2s');
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe(`helios: record: ${join(base, 'a-file.txt')} is a file, not a data folder: pass a folder (an empty one, or one that holds journal/ and parquet/)`);
    const fresh = join(base, 'new-root');
    const r = helios('record', '--data', fresh, '--day', '2026-01-29', '--for', '2s');
    expect(r.status).toBe(0);
    expect(r.stderr.trim()).toBe(`helios record: created the data folder ${fresh}`);
    expect(existsSync(join(fresh, 'journal'))).toBe(true);
  }, 60_000);

  it('npm run web: a file or the parquet folder is one line and exit 2; read-only (--no-live --no-demo) creates nothing', () => {
    const file = run(['scripts/web.ts'], ['--port', '0', '--data', join(base, 'a-file.txt')]);
    expect(file.status).toBe(2);
    expect(file.stderr.trim()).toMatch(/^helios web: .*a-file\.txt is a file, not a data folder/);
    expect(file.stderr.trim().split('\n')).toHaveLength(1);
    const inside = run(['scripts/web.ts'], ['--port', '0', '--no-live', '--no-demo', '--data', join(base, 'root', 'parquet')]);
    expect(inside.status).toBe(2);
    expect(inside.stderr).toContain(`pass the data folder itself, probably ${join(base, 'root')}`);
    const missing = run(['scripts/web.ts'], ['--port', '0', '--no-live', '--no-demo', '--data', join(base, 'web-typo')]);
    expect(missing.status).toBe(2);
    expect(existsSync(join(base, 'web-typo'))).toBe(false);
  }, 60_000);
});
