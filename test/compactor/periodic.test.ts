/**
 * Periodic passes (each in a compaction child process): the current local day gets a pass on each
 * tick (a torn tail is left for the next tick, not quarantined; a tick with nothing new changes
 * nothing); after local midnight + grace the previous day gets one final pass (where a torn tail
 * is quarantined); a restart owes yesterday its final pass if the last one happened while the
 * day was still live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startPeriodicCompaction, type CompactDayResult } from '../../src/services/compactor';
import { DataRoot } from '../../src/services/data-root';
import { journalDir, line, snapshot, TOKEN_A, tempRoot, writeJournalFile } from './helpers';

let root: string;
let clock: number;
const runs: [string, string, number, number][] = [];
const errors: string[] = [];
const record = (r: CompactDayResult, kind: string) => runs.push([r.date, kind, r.manifest.totals.events_written, r.manifest.totals.quarantined]);

const at = (iso: string) => line(snapshot(TOKEN_A, iso, 0.5));

beforeAll(() => {
  root = tempRoot();
  const jan29 = journalDir(root, 'KLGA', '2026-01-29');
  // The recorder is mid-line on its last event.
  writeJournalFile(jan29, 'live.ndjson', [at('2026-01-29T19:59:58.000Z'), at('2026-01-29T19:59:59.000Z'), at('2026-01-29T20:00:00.000Z').slice(0, 50)], true);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('startPeriodicCompaction', () => {
  it('compacts the current day, then the previous one once after local midnight + grace', async () => {
    clock = Date.parse('2026-01-29T20:00:00.100Z'); // 15:00 in New York
    const periodic = startPeriodicCompaction({
      dataRoot: root,
      station: 'KLGA',
      everyMs: 3_600_000,
      now: () => clock,
      graceMs: 60_000,
      runImmediately: false,
      threads: 0,
      onCompacted: record,
      onError: (e) => errors.push(e.message),
    });
    try {
      await periodic.runNow();
      expect(runs).toEqual([['2026-01-29', 'current', 2, 0]]);

      // The torn line gets finished, one more event lands, and another is being written at midnight.
      const live = join(root, 'journal', 'station=KLGA', 'date=2026-01-29', 'live.ndjson');
      appendFileSync(live, at('2026-01-29T20:00:00.000Z').slice(50) + '\n' + at('2026-01-30T04:59:59.000Z') + '\n' + at('2026-01-30T04:59:59.500Z').slice(0, 40));
      writeJournalFile(journalDir(root, 'KLGA', '2026-01-30'), 'live.ndjson', [at('2026-01-30T05:00:10.000Z')]);

      clock = Date.parse('2026-01-30T05:00:30.000Z'); // 00:00:30 local: within the grace period
      await periodic.runNow();
      expect(runs.slice(1)).toEqual([['2026-01-30', 'current', 1, 0]]);

      clock = Date.parse('2026-01-30T05:01:30.000Z');
      await periodic.runNow();
      expect(runs.slice(2)).toEqual([
        ['2026-01-29', 'final', 4, 1],
        ['2026-01-30', 'current', 1, 0],
      ]);

      clock = Date.parse('2026-01-30T05:11:30.000Z');
      await periodic.runNow();
      expect(runs.slice(4)).toEqual([['2026-01-30', 'current', 1, 0]]);
    } finally {
      await periodic.stop();
    }
    expect(errors).toEqual([]);
  });

  it('after a restart, gives yesterday its final compaction if it was last compacted while live', async () => {
    runs.length = 0;
    clock = Date.parse('2026-01-31T06:00:00.000Z'); // 01:00 on Jan 31; Jan 30 was last compacted while live
    const manifestBefore = await new DataRoot(root).readManifest({ station_id: 'KLGA', date: '2026-01-30' });
    expect(manifestBefore).toMatchObject({ closed: false, generated_at: '2026-01-30T05:00:30.000Z' });
    const periodic = startPeriodicCompaction({ dataRoot: root, station: 'KLGA', everyMs: 3_600_000, now: () => clock, threads: 0, onCompacted: record, onError: (e) => errors.push(e.message) });
    await periodic.stop(); // waits for the immediate first tick
    // Jan 31 has no journal yet: nothing to do for it, and no error.
    expect(runs).toEqual([['2026-01-30', 'final', 1, 0]]);
    expect(existsSync(join(root, 'parquet', 'station=KLGA', 'date=2026-01-31'))).toBe(false);
    expect(errors).toEqual([]);
  });
});
