/**
 * Reading a data root through its day layout (issue #13, item 7, data-root reads): a read opens
 * the file once and proves where the opened file is, so a link swapped in a tight loop while
 * `readParquet` runs never yields bytes from outside the root; `listDays` follows no link out of
 * the root and lists a day it cannot use as damaged, with the reason. Readers holding a manifest
 * read its generation, and are told to reopen the day once that generation is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactDay } from '../../src/services/compactor';
import { createDataApi } from '../../src/services/api-data';
import { localDataAccess } from '../../src/services/data-access';
import { DataRoot, DayRecompactedError } from '../../src/services/data-root';
import { journalDir, line, snapshot, TOKEN_A, TOKEN_B, tempRoot, writeJournalFile } from './helpers';

const DAY = { station_id: 'KLGA', date: '2026-01-29' };
let base: string;
let root: string;
let data: DataRoot;

beforeAll(async () => {
  base = tempRoot('helios-data-root-');
  root = join(base, 'data');
  writeJournalFile(journalDir(root, 'KLGA', DAY.date), 'a.ndjson', [line(snapshot(TOKEN_A, '2026-01-29T15:00:00Z', 0.5)), line(snapshot(TOKEN_B, '2026-01-29T15:00:01Z', 0.4))]);
  await compactDay({ dataRoot: root, ...{ station: 'KLGA', date: DAY.date }, threads: 0 });
  data = new DataRoot(root);
  writeFileSync(join(base, 'secret.txt'), 'SECRET OUTSIDE THE ROOT '.repeat(100));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A process renaming a fresh link at `link` to `a`, then to `b`, as fast as it can. */
function swapLinks(link: string, a: string, b: string): ChildProcess {
  const script = `
    const { symlinkSync, renameSync, rmSync } = require('node:fs');
    const [link, a, b] = process.argv.slice(1);
    for (let i = 0; ; i++) {
      const temp = link + '.swap';
      rmSync(temp, { force: true });
      symlinkSync(i % 2 ? a : b, temp);
      renameSync(temp, link);
    }`;
  return spawn(process.execPath, ['-e', script, link, a, b], { stdio: 'ignore' });
}

describe('reads while a link inside the root is swapped to a file outside it', () => {
  it.each([
    ['a part file', 'file'],
    ['a day folder', 'folder'],
  ])('never return outside bytes — %s swapped', async (_label, what) => {
    const api = createDataApi(() => localDataAccess(data));
    const m = await data.readManifest(DAY);
    const inside = await data.partPath(DAY, m.generation, 'l2_snap_1s', 0);
    const expected = readFileSync(inside);
    // The swapped link: day 2026-01-30 of the same station, pointing in turn at real data and outside.
    const other = { station_id: 'KLGA', date: '2026-01-30' };
    const outsideDir = join(base, `outside-${what}`);
    mkdirSync(join(outsideDir, 'ch=l2_snap_1s'), { recursive: true });
    writeFileSync(join(outsideDir, 'ch=l2_snap_1s', 'part-0000.parquet'), readFileSync(join(base, 'secret.txt')));
    let link: string;
    let swapper: ChildProcess;
    if (what === 'file') {
      mkdirSync(join(data.parquetDayDir(other), 'ch=l2_snap_1s'), { recursive: true });
      link = join(data.parquetDayDir(other), 'ch=l2_snap_1s', 'part-0000.parquet');
      symlinkSync(inside, link);
      swapper = swapLinks(link, inside, join(outsideDir, 'ch=l2_snap_1s', 'part-0000.parquet'));
    } else {
      link = data.parquetDayDir(other);
      symlinkSync(data.generationDir(DAY, m.generation), link);
      swapper = swapLinks(link, data.generationDir(DAY, m.generation), outsideDir);
    }
    const seen = { inside: 0, refused: 0, missing: 0, outside: 0 };
    try {
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 4000; i++) {
        try {
          const bytes = await api.readParquet({ ...other, ch: 'l2_snap_1s', offset: 0, length: 64 });
          if (Buffer.from(bytes).toString('latin1').includes('SECRET')) seen.outside++;
          else {
            expect(Buffer.from(bytes)).toEqual(expected.subarray(0, 64));
            seen.inside++;
          }
        } catch (e) {
          const message = (e as Error).message;
          if (/escapes the data root|changed while being opened/.test(message)) seen.refused++;
          else if (/no l2_snap_1s data|ENOENT/.test(message)) seen.missing++;
          else throw e;
        }
      }
    } finally {
      swapper.kill('SIGKILL');
      rmSync(what === 'file' ? data.parquetDayDir(other) : link, { recursive: true, force: true });
    }
    console.log(`swapped ${what}: ${JSON.stringify(seen)}`);
    expect(seen.outside).toBe(0);
    expect(seen.inside).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 120_000);
});

describe('listDays', () => {
  it('lists a day linked out of the root as damaged without reading it, and a damaged manifest with its reason', async () => {
    const outside = join(base, 'elsewhere');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, '_manifest.json'), JSON.stringify({ station_id: 'EVIL', date: '2026-01-01' }));
    const linked = { station_id: 'KLGA', date: '2026-02-01' };
    symlinkSync(outside, data.parquetDayDir(linked));
    const broken = { station_id: 'KLGA', date: '2026-02-02' };
    mkdirSync(data.parquetDayDir(broken), { recursive: true });
    writeFileSync(join(data.parquetDayDir(broken), '_manifest.json'), '{"manifest_version": 2, "stat');
    const invalid = { station_id: 'KLGA', date: '2026-02-03' };
    mkdirSync(data.parquetDayDir(invalid), { recursive: true });
    writeFileSync(join(data.parquetDayDir(invalid), '_manifest.json'), '{"manifest_version": 2}');
    try {
      const days = await data.listDays();
      expect(days.map((d) => [d.date, d.damaged === null ? null : d.damaged.replace(root, '<root>')])).toEqual([
        ['2026-02-03', expect.stringMatching(/^parquet\/station=KLGA\/date=2026-02-03\/_manifest\.json: invalid manifest: /)],
        ['2026-02-02', expect.stringMatching(/^parquet\/station=KLGA\/date=2026-02-02\/_manifest\.json: not JSON/)],
        ['2026-02-01', '<root>/parquet/station=KLGA/date=2026-02-01 leads outside the data root'],
        ['2026-01-29', null],
      ]);
      expect(JSON.stringify(days)).not.toContain('EVIL');
      expect(days.at(-1)).toMatchObject({ station_id: 'KLGA', date: DAY.date, rows: { l2_snap_1s: 2 }, damaged: null });
    } finally {
      for (const d of [linked, broken, invalid]) rmSync(data.parquetDayDir(d), { recursive: true, force: true });
    }
  });
});

describe('a reader of a generation that was replaced', () => {
  it('keeps reading it for a while, then is told to reopen the day', async () => {
    const m = await data.readManifest(DAY);
    const read = () => data.readParquet(DAY, 'l2_snap_1s', { part: 0, generation: m.generation, offset: 0, length: 4 });
    expect(Buffer.from(await read()).toString()).toBe('PAR1');
    // a new pass (from scratch) replaces the generation; the replaced one stays
    await compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date, threads: 0, rebuild: true });
    expect((await data.readManifest(DAY)).generation).toBe(m.generation + 1);
    expect(Buffer.from(await read()).toString()).toBe('PAR1');
    // … until a pass finds it older than the grace period
    await compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date, threads: 0, keepGenerationsMs: 0 });
    const error = await read().catch((e) => e);
    expect(error).toBeInstanceOf(DayRecompactedError);
    expect(error.message).toBe(`KLGA ${DAY.date} was compacted again since it was opened (its generation ${m.generation} is gone): reopen the day`);
  });
});
