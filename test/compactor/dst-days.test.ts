/**
 * Partition dates on New York's DST switch days: 2026-03-08 has 23 hours, 2026-11-01 has 25 (01:30
 * happens twice). The folder's day is the station-local date of ts_ingest_utc; an event of another
 * local date is quarantined with the date it belongs to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { compactDay, type CompactDayResult } from '../../src/services/compactor';
import { duck, event, journalDir, line, parquetPath, tempRoot, writeJournalFile, type Duck } from './helpers';

const pwsAt = (iso: string) =>
  event('pws_cluster', { station_id: 'KLGA', obs_time_utc: iso, median: 40, mad: 0.5, support: 10, qc_state: 'OK', pws_ids: null }, iso);

const SPRING = {
  date: '2026-03-08',
  inside: [
    '2026-03-08T05:00:00.000Z', // 00:00 EST, first instant of the day
    '2026-03-08T06:59:59.999Z', // 01:59:59.999 EST
    '2026-03-08T07:00:00.000Z', // 03:00 EDT: 02:xx never happens
    '2026-03-09T03:59:59.999Z', // 23:59:59.999 EDT, last instant
  ],
  outside: [
    ['2026-03-08T04:59:59.999Z', '2026-03-07'],
    ['2026-03-09T04:00:00.000Z', '2026-03-09'],
  ],
};
const FALL = {
  date: '2026-11-01',
  inside: [
    '2026-11-01T04:00:00.000Z', // 00:00 EDT
    '2026-11-01T05:30:00.000Z', // 01:30 EDT
    '2026-11-01T06:30:00.000Z', // 01:30 EST, the second one
    '2026-11-02T04:59:59.999Z', // 23:59:59.999 EST
  ],
  outside: [
    ['2026-11-01T03:59:59.999Z', '2026-10-31'],
    ['2026-11-02T05:00:00.000Z', '2026-11-02'],
  ],
};

let root: string;
let db: Duck;
const results: Record<string, CompactDayResult> = {};

beforeAll(async () => {
  root = tempRoot();
  for (const day of [SPRING, FALL]) {
    const dir = journalDir(root, 'KLGA', day.date);
    // Written newest first, split over two files, so sorting is exercised too.
    const lines = [...day.outside.map(([iso]) => line(pwsAt(iso!))), ...[...day.inside].reverse().map((iso) => line(pwsAt(iso)))];
    writeJournalFile(dir, '1.ndjson', lines.slice(0, 3));
    writeJournalFile(dir, '2.ndjson', lines.slice(3));
  }
  for (const day of [SPRING, FALL]) results[day.date] = await compactDay({ dataRoot: root, station: 'KLGA', date: day.date, threads: 0 });
  db = await duck();
});

afterAll(() => {
  db?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('DST switch days', () => {
  it('spring forward: a 23-hour day keeps its first and last instants and nothing else', async () => {
    const m = results[SPRING.date]!.manifest;
    expect([m.day_start_utc, m.day_end_utc]).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(Date.parse(m.day_end_utc) - Date.parse(m.day_start_utc)).toBe(23 * 3_600_000);
    const rows = await db.all(`SELECT epoch_ms(ts_ingest_utc) AS t, ts_nyc FROM read_parquet('${parquetPath(root, 'KLGA', SPRING.date, 'pws_cluster')}')`);
    expect(rows.map((r) => new Date(Number(r.t)).toISOString())).toEqual(SPRING.inside);
    expect(rows.map((r) => r.ts_nyc)).toEqual([
      '2026-03-08T00:00:00.000-05:00',
      '2026-03-08T01:59:59.999-05:00',
      '2026-03-08T03:00:00.000-04:00',
      '2026-03-08T23:59:59.999-04:00',
    ]);
    expect(m.channels.pws_cluster).toMatchObject({ min_ts: SPRING.inside[0], max_ts: SPRING.inside[3] });
  });

  it('fall back: a 25-hour day holds both 01:30s, in UTC order', async () => {
    const m = results[FALL.date]!.manifest;
    expect(Date.parse(m.day_end_utc) - Date.parse(m.day_start_utc)).toBe(25 * 3_600_000);
    const rows = await db.all(`SELECT ts_nyc FROM read_parquet('${parquetPath(root, 'KLGA', FALL.date, 'pws_cluster')}')`);
    expect(rows.map((r) => r.ts_nyc)).toEqual([
      '2026-11-01T00:00:00.000-04:00',
      '2026-11-01T01:30:00.000-04:00',
      '2026-11-01T01:30:00.000-05:00',
      '2026-11-01T23:59:59.999-05:00',
    ]);
  });

  it('quarantines events of the neighbouring local days, naming the day they belong to', () => {
    for (const day of [SPRING, FALL]) {
      const r = results[day.date]!;
      expect(r.manifest.totals).toMatchObject({ lines_read: 6, events_written: 4, quarantined: 2 });
      const records = readFileSync(r.quarantinePath!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(records.map((q) => [q.file.split('/').pop(), q.line, q.code])).toEqual([
        ['1.ndjson', 1, 'wrong_day'],
        ['1.ndjson', 2, 'wrong_day'],
      ]);
      expect(records.map((q) => /belongs in date=(\S+)\)/.exec(q.reason)?.[1])).toEqual(day.outside.map(([, belongs]) => belongs));
    }
  });
});
