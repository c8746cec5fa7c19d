/**
 * Data roots for the storage tests: short simulated recordings compacted into real Parquet days,
 * and cheap copies of such a day under other dates (the manifest rewritten to match).
 */
import { cp, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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

/**
 * Copies a compacted day to another station/date (its generation's files as they are, the manifest
 * rewritten), linked as the compactor links a day.
 */
export async function copyParquetDay(
  root: string,
  from: Day,
  to: Day,
  { generatedAt, fromRoot = root }: { generatedAt?: string; fromRoot?: string } = {},
): Promise<void> {
  const source = new DataRoot(fromRoot);
  const target = new DataRoot(root);
  const { generation } = await source.readManifest(from);
  const copy = target.generationDir(to, generation);
  await cp(source.generationDir(from, generation), copy, { recursive: true });
  await symlink(relative(target.parquetStationDir(to.station_id), copy), target.parquetDayDir(to));
  const file = join(copy, '_manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  Object.assign(manifest, { station_id: to.station_id, date: to.date }, generatedAt ? { generated_at: generatedAt } : {});
  await writeFile(file, JSON.stringify(manifest));
}
