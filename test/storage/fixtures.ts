/**
 * Data roots for the storage tests: short simulated recordings compacted into real Parquet days,
 * and cheap copies of such a day under other dates (the manifest rewritten to match).
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDay } from '../../src/services/compactor';
import { DataRoot } from '../../src/services/data-root';
import { recordDay } from '../../src/services/recorder';
import { SimulatorSource } from '../../src/services/sources/simulator';
import { getStation } from '../../src/shared/stations';
import { localDayBoundsUtc } from '../../src/shared/time';

export async function tempDir(prefix = 'helios-storage-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface RecordedDay {
  station_id: string;
  date: string;
  events: number;
}

/**
 * Records `minutes` of the simulator's day `date` from `fromMinute` after local midnight (the
 * :51 METAR of the first hour opens an event window) and compacts it.
 */
export async function recordAndCompact(
  root: string,
  { date, station = 'KLGA', fromMinute = 40, minutes = 15, seed = 1, tokens = 6 }: { date: string; station?: string; fromMinute?: number; minutes?: number; seed?: number; tokens?: number },
): Promise<RecordedDay> {
  const [midnight] = localDayBoundsUtc(date, getStation(station).timeZone);
  const start = midnight + fromMinute * 60_000;
  const stats = await recordDay({
    dataRoot: root,
    source: (scheduler) => new SimulatorSource({ station, seed, tokens, date, start, to: start + minutes * 60_000, speed: Infinity, scheduler }),
    startMs: start,
    endMs: start + minutes * 60_000,
  });
  await compactDay({ dataRoot: new DataRoot(root), station, date, threads: 0 });
  return { station_id: station, date, events: stats.journal.events_written };
}

type Day = { station_id: string; date: string };

/** Copies a compacted day to another station/date (files as they are, manifest rewritten). */
export async function copyParquetDay(
  root: string,
  from: Day,
  to: Day,
  { generatedAt, fromRoot = root }: { generatedAt?: string; fromRoot?: string } = {},
): Promise<void> {
  const target = new DataRoot(root).parquetDayDir(to);
  await cp(new DataRoot(fromRoot).parquetDayDir(from), target, { recursive: true });
  const file = join(target, '_manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  Object.assign(manifest, { station_id: to.station_id, date: to.date }, generatedAt ? { generated_at: generatedAt } : {});
  await writeFile(file, JSON.stringify(manifest));
}
