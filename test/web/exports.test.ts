/**
 * Issue #13 items 6 and 7 (exports): a snapshot export never replaces a file — not even when ten
 * saves of one name race — and never writes through a link out of the data root, in the browser
 * bridge (`<data>/exports/`) and in Electron main (the folder the user picked).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataRoot } from '../../src/services/data-root';
import { createBridgeApi, type BridgeApi } from '../../src/services/web/bridge-api';
import { saveSnapshotFile } from '../../src/main/snapshot-files';

let dir: string;
let root: string;
let outside: string;
let api: BridgeApi;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helios-exports-'));
  root = join(dir, 'data');
  outside = join(dir, 'elsewhere');
  await mkdir(root);
  await mkdir(outside);
  api = createBridgeApi({ dataRoot: new DataRoot(root), info: () => ({ version: 't', live_available: false, live_station_id: null }) });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* bytesOf(text: string) {
  yield Buffer.from(text);
}
const save = (name: string, contents: string) => api.saveSnapshot(name, bytesOf(contents));

describe('browser bridge saveSnapshot', () => {
  it('10 concurrent saves of one name make 10 files, each with its own contents', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => save('KLGA-2026-01-29.json', `{"n":${i}}`)));
    const files = (await readdir(join(root, 'exports'))).sort();
    expect(files).toEqual(['KLGA-2026-01-29.json', ...Array.from({ length: 9 }, (_, i) => `KLGA-2026-01-29-${i + 1}.json`)].sort());
    expect(new Set(results.map((r) => r.path)).size).toBe(10);
    const contents = await Promise.all(results.map((r) => readFile(r.path, 'utf8')));
    expect(contents.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `{"n":${i}}`).sort());
  });

  it('keeps an existing file', async () => {
    await mkdir(join(root, 'exports'));
    await writeFile(join(root, 'exports', 'a.json'), 'older export');
    const r = await save('a.json', '{"newer":true}');
    expect(r.path).toBe(join(root, 'exports', 'a-1.json'));
    expect(await readFile(join(root, 'exports', 'a.json'), 'utf8')).toBe('older export');
    expect(await readFile(r.path, 'utf8')).toBe('{"newer":true}');
  });

  it('refuses an exports folder that is a link out of the data root, and writes nothing there', async () => {
    await symlink(outside, join(root, 'exports'));
    await expect(save('x.json', '{}')).rejects.toThrow(/exports is a link/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('writes nothing outside while another process keeps swapping exports/ for a link', async () => {
    // The attacker: rename the real folder away, put a link in its place, swap back, repeat.
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs');
         const [exp, real, out] = process.argv.slice(1);
         const attempt = (step) => { try { step(); } catch {} };
         fs.mkdirSync(exp, { recursive: true });
         process.stdout.write('swapping\\n');
         for (let n = 0; ; n++) {
           attempt(() => fs.renameSync(exp, real));
           attempt(() => fs.symlinkSync(out, exp));
           attempt(() => fs.unlinkSync(exp));
           // a folder the saver made meanwhile is moved aside (still inside the root)
           attempt(() => fs.renameSync(exp, exp + '.stray-' + n));
           attempt(() => fs.renameSync(real, exp));
         }`,
        join(root, 'exports'),
        join(root, 'exports.real'),
        outside,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => swapper.stdout!.once('data', () => resolve()));
    const exited = new Promise((resolve) => swapper.once('exit', resolve));
    let saved = 0;
    let refused = 0;
    let failedOtherwise = 0;
    // at least 200 saves, and until the swapper has caught a few mid-way (or 20 s)
    const until = Date.now() + 20_000;
    let i = 0;
    try {
      for (; (i < 200 || refused < 5) && Date.now() < until; i++) {
        try {
          await save(`race-${i}.json`, `{"i":${i}}`);
          saved++;
        } catch (e) {
          if (/link|data root|changed while|not in the exports folder|not a folder/.test((e as Error).message)) refused++;
          else failedOtherwise++; // e.g. ENOENT: the folder was renamed away at that instant
        }
      }
      expect(swapper.exitCode).toBeNull(); // it raced all along
    } finally {
      swapper.kill('SIGKILL');
      await exited;
    }
    console.log(`exports race: ${i} saves: ${saved} saved, ${refused} refused, ${failedOtherwise} failed on a vanished folder; files outside: ${(await readdir(outside)).length}`);
    expect(await readdir(outside)).toEqual([]);
    expect(refused).toBeGreaterThan(0);
    // every save that succeeded is a whole file inside the data root (in the real folder, whatever it is called now)
    const inside = (await readdir(root, { recursive: true })).filter((f) => /race-\d+(-\d+)?\.json$/.test(f));
    expect(inside).toHaveLength(saved);
    expect(saved + refused + failedOtherwise).toBe(i);
  }, 60_000);
});

describe('Electron main saveSnapshotFile', () => {
  it('writes text whole across its internal slices', async () => {
    const big = '"' + '🌡'.repeat(3 * 1024 * 1024) + '"'; // surrogate pairs across the 4 Mi-unit slices
    const target = join(dir, 'big.json');
    const dialogs = { showSave: async () => ({ canceled: false, filePath: target }), showOpen: async () => ({ canceled: true, filePaths: [] }) };
    expect(await saveSnapshotFile(dialogs, dir, { suggested_name: 'big.json', contents: big })).toEqual({ saved: true, path: target });
    expect(await readFile(target, 'utf8')).toBe(big);
  });

  it('10 concurrent saves to the path the dialog returned make 10 files, none replaced', async () => {
    const target = join(dir, 'chosen.json');
    await writeFile(target, 'already there');
    const dialogs = { showSave: async () => ({ canceled: false, filePath: target }), showOpen: async () => ({ canceled: true, filePaths: [] }) };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => saveSnapshotFile(dialogs, dir, { suggested_name: 'chosen.json', contents: `{"n":${i}}` })),
    );
    expect(await readFile(target, 'utf8')).toBe('already there');
    expect(new Set(results.map((r) => r.path)).size).toBe(10);
    expect(results.every((r) => r.saved && r.path !== target)).toBe(true);
    const contents = await Promise.all(results.map((r) => readFile(r.path!, 'utf8')));
    expect(contents.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `{"n":${i}}`).sort());
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
