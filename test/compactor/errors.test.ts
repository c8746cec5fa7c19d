/** When the compactor cannot do its job it throws one clear CompactionError and leaves no litter. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactDay, CompactionError, DayBusyError, NoJournalError } from '../../src/services/compactor';
import { journalDir, line, snapshot, TOKEN_A, tempRoot, writeJournalFile } from './helpers';

let root: string;
beforeAll(() => {
  root = tempRoot();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('compaction failures', () => {
  it('names a missing journal', async () => {
    const error = await compactDay({ dataRoot: root, station: 'KLGA', date: '2026-01-01', threads: 0 }).catch((e) => e);
    expect(error).toBeInstanceOf(NoJournalError);
    expect(error.message).toBe(`KLGA 2026-01-01: no journal (expected ${join(root, 'journal', 'station=KLGA', 'date=2026-01-01')})`);
  });

  it('reports an unreadable journal folder', async () => {
    mkdirSync(join(root, 'journal', 'station=KLGA'), { recursive: true });
    writeFileSync(join(root, 'journal', 'station=KLGA', 'date=2026-01-02'), 'not a folder');
    const error = await compactDay({ dataRoot: root, station: 'KLGA', date: '2026-01-02', threads: 0 }).catch((e) => e);
    expect(error).toBeInstanceOf(CompactionError);
    expect(error.message).toMatch(/^KLGA 2026-01-02: cannot read the journal folder .*date=2026-01-02: ENOTDIR/);
  });

  it('reports a disk error writing the output, and removes its work folder and lock', async () => {
    writeJournalFile(journalDir(root, 'KLGA', '2026-01-03'), 'a.ndjson', [line(snapshot(TOKEN_A, '2026-01-03T15:00:00Z', 0.5))]);
    const dayDir = join(root, 'parquet', 'station=KLGA', 'date=2026-01-03');
    mkdirSync(dayDir, { recursive: true });
    writeFileSync(join(dayDir, 'ch=l2_snap_1s'), 'a file where the channel folder should be');
    const error = await compactDay({ dataRoot: root, station: 'KLGA', date: '2026-01-03', threads: 0 }).catch((e) => e);
    expect(error).toBeInstanceOf(CompactionError);
    expect(error.message).toMatch(/^KLGA 2026-01-03: (EEXIST|ENOTDIR): /);
    expect(readdirSync(dayDir)).toEqual(['ch=l2_snap_1s']);
  });

  it('refuses a day another live process is compacting', async () => {
    writeJournalFile(journalDir(root, 'KLGA', '2026-01-04'), 'a.ndjson', [line(snapshot(TOKEN_A, '2026-01-04T15:00:00Z', 0.5))]);
    const dayDir = join(root, 'parquet', 'station=KLGA', 'date=2026-01-04');
    mkdirSync(dayDir, { recursive: true });
    writeFileSync(join(dayDir, '.compact.lock'), String(process.ppid));
    const error = await compactDay({ dataRoot: root, station: 'KLGA', date: '2026-01-04', threads: 0 }).catch((e) => e);
    expect(error).toBeInstanceOf(DayBusyError);
    expect(error.message).toMatch(new RegExp(`^KLGA 2026-01-04: already being compacted by process ${process.ppid}`));
    // A lock left by a process that is gone is taken over.
    writeFileSync(join(dayDir, '.compact.lock'), '999999999');
    const result = await compactDay({ dataRoot: root, station: 'KLGA', date: '2026-01-04', threads: 0 });
    expect(result.manifest.totals.events_written).toBe(1);
  });
});
