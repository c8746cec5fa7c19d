import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DataRoot } from '../../src/services/data-root';
import { ensureDemoData } from '../../src/services/demo';

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});
const tempRoot = async () => {
  const r = await mkdtemp(join(tmpdir(), 'helios-demo-'));
  roots.push(r);
  return new DataRoot(r);
};
const exists = (p: string) => access(p).then(() => true, () => false);
// A few minutes of a day keep the test fast; the full path (simulator → recorder → compactor) runs.
const SLICE = { hours: [12, 12.05] as const, tokens: 6 };

describe('ensureDemoData', () => {
  test('synthesizes and compacts a day the picker lists, then leaves a root with days alone', async () => {
    const root = await tempRoot();
    const first = await ensureDemoData(root, { ...SLICE, nowMs: Date.parse('2026-01-31T15:00:00Z') });
    expect(first).toMatchObject({ created: true, station_id: 'KLGA', date: '2026-01-29' }); // two local days back
    expect(first.events_written).toBeGreaterThan(1000);
    const days = await root.listDays();
    expect(days.map((d) => `${d.station_id}/${d.date}`)).toEqual(['KLGA/2026-01-29']);
    expect(days[0]!.rows.l2_snap_1s).toBeGreaterThan(0);
    expect(await exists(join(root.journalDir(first), '.demo-in-progress'))).toBe(false);
    const again = await ensureDemoData(root, SLICE);
    expect(again).toMatchObject({ created: false, date: '2026-01-29', events_written: 0 });
  }, 60_000);

  test('an interrupted synthesis is thrown away and redone; one still running elsewhere is left alone', async () => {
    const root = await tempRoot();
    const day = { station_id: 'KLGA', date: '2026-01-29' };
    // What a crash mid-synthesis leaves, plus what a compactor made of the partial journal.
    await mkdir(root.journalDir(day), { recursive: true });
    await writeFile(join(root.journalDir(day), '.demo-in-progress'), 'HELIOS Tape demo day being synthesized by pid 999999999; deleted when done\n');
    await writeFile(join(root.journalDir(day), 'part.ndjson'), '{"torn');
    await mkdir(root.parquetDayDir(day), { recursive: true });
    await writeFile(join(root.parquetDayDir(day), 'stale.txt'), 'x');
    const redone = await ensureDemoData(root, { ...SLICE, date: day.date });
    expect(redone.created).toBe(true);
    expect(await exists(join(root.journalDir(day), 'part.ndjson'))).toBe(false);
    expect(await exists(join(root.parquetDayDir(day), 'stale.txt'))).toBe(false);

    const busy = await tempRoot();
    await mkdir(busy.journalDir(day), { recursive: true });
    await writeFile(join(busy.journalDir(day), '.demo-in-progress'), `… by pid ${process.ppid}; deleted when done\n`);
    expect(await ensureDemoData(busy, SLICE)).toMatchObject({ created: false, date: day.date });
    expect(await exists(join(busy.journalDir(day), '.demo-in-progress'))).toBe(true);
  }, 60_000);

  test('refuses to mix a demo into a real journal of that day', async () => {
    const root = await tempRoot();
    const day = { station_id: 'KLGA', date: '2026-01-29' };
    await mkdir(root.journalDir(day), { recursive: true });
    await writeFile(join(root.journalDir(day), 'live.ndjson'), '');
    await expect(ensureDemoData(root, { ...SLICE, date: day.date })).rejects.toThrow(/already holds a journal/);
  });
});
