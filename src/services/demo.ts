/**
 * `ensureDemoData(dataRoot)`: make sure a data root has at least one recorded day to open. When it
 * has no compacted day, synthesize a past KLGA day with the simulator, record it through the real
 * recorder (journal) and compact it (Parquet + manifest) — the same path a live day takes, only
 * faster than real time. Used by `npm run web`, the desktop app's first start and the tests.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from './compactor/atomic-files';
import { compactDay } from './compactor/compact-day';
import { DataRoot } from './data-root';
import { exists } from './files';
import { recordDay } from './recorder';
import { SimulatorSource } from './sources/simulator/simulator-source';
import { DEFAULT_STATION, getStation } from '../shared/stations';
import { localDate, localDayBoundsUtc } from '../shared/time';
import type { DayRef } from '../shared/api';

export interface DemoOptions {
  station?: string;
  /**
   * Station-local date; default the day before yesterday: a finished day that the live recorder's
   * periodic compactor (which finalizes yesterday on start) never touches while it is synthesized.
   */
  date?: string;
  seed?: string | number;
  /** Bucket tokens, 6–12 (default 6: a first start should not wait for a bigger market). */
  tokens?: number;
  /** Only this slice of the local day, in local hours [from, to) (default the whole day). */
  hours?: readonly [number, number];
  /** Synthesize even when the root already has a compacted day (the date must be new). */
  force?: boolean;
  onProgress?: (message: string) => void;
  /** Defaults to now; the default date is two station-local days before it. */
  nowMs?: number;
}

export interface DemoResult {
  created: boolean;
  station_id: string;
  date: string;
  elapsed_ms: number;
  events_written: number;
}

const DEMO_TOKENS = 6;

/** Present in a demo day's journal folder while it is being synthesized. */
const IN_PROGRESS = '.demo-in-progress';

export async function ensureDemoData(dataRoot: string | DataRoot, options: DemoOptions = {}): Promise<DemoResult> {
  const t0 = performance.now();
  const root = typeof dataRoot === 'string' ? new DataRoot(dataRoot) : dataRoot;
  const station = getStation(options.station ?? DEFAULT_STATION);
  // A demo day whose synthesis was interrupted is not a day: drop it (journal, and whatever a
  // compactor made of its partial journal) and synthesize again.
  // One still being synthesized by a live process (another app on the same root) is left alone.
  for (const day of await root.journalDays()) {
    const owner = await readFile(join(root.journalDir(day), IN_PROGRESS), 'utf8').catch(() => null);
    if (owner === null) continue;
    const pid = Number(/pid (\d+)/.exec(owner)?.[1]);
    if (pid && pid !== process.pid && isAlive(pid)) {
      return { created: false, station_id: day.station_id, date: day.date, elapsed_ms: performance.now() - t0, events_written: 0 };
    }
    await removeDay(root, day);
  }
  const existing = await root.listDays();
  if (existing.length > 0 && !options.force) {
    const newest = existing[0]!;
    return { created: false, station_id: newest.station_id, date: newest.date, elapsed_ms: performance.now() - t0, events_written: 0 };
  }
  const date = options.date ?? localDate((options.nowMs ?? Date.now()) - 2 * 86_400_000, station.timeZone);
  const day = { station_id: station.id, date };
  const [dayStart, dayEnd] = localDayBoundsUtc(date, station.timeZone);
  const [fromMs, toMs] = options.hours ? [dayStart + options.hours[0] * 3_600_000, dayStart + options.hours[1] * 3_600_000] : [dayStart, dayEnd];
  if (!(fromMs < toMs) || fromMs < dayStart || toMs > dayEnd) throw new Error(`demo hours ${options.hours?.join('–')} are not within the local day ${date}`);

  // A journal left by an interrupted synthesis would duplicate events (ids are not deterministic):
  // start that day over. Any other journal for the day is real data and is never touched.
  const journal = root.journalDir(day);
  const marker = join(journal, IN_PROGRESS);
  if (await exists(journal)) throw new Error(`${journal} already holds a journal; refusing to mix a demo day into it`);
  await mkdir(journal, { recursive: true });
  await writeFile(marker, `HELIOS Tape demo day being synthesized by pid ${process.pid}; deleted when done\n`);

  const sim = { station: station.id, date, seed: options.seed ?? 1, tokens: options.tokens ?? DEMO_TOKENS };
  const progress = options.onProgress ?? (() => {});
  progress(`synthesizing ${station.id} ${date} (${sim.tokens} tokens)…`);
  const stats = await recordDay({
    dataRoot: root,
    // A source rather than a message list: it answers the recorder's book requests, so a gap
    // resyncs within a fraction of a second as it would live instead of leaving the book untrusted.
    source: (scheduler) => new SimulatorSource({ ...sim, start: fromMs, to: toMs, speed: Infinity, scheduler }),
    startMs: fromMs,
    endMs: toMs,
    onProgress: (s) => progress(`recorded up to ${new Date(s.now_ms).toISOString().slice(11, 16)}Z`),
  });
  progress(`compacting ${stats.journal.events_written ?? ''} events…`.replace('  ', ' '));
  const compacted = await compactDay({ dataRoot: root, station: station.id, date, onWarning: (m) => progress(`compactor warning: ${m}`) });
  progress(`compacted in ${(compacted.elapsedMs / 1000).toFixed(1)} s, validated ${compacted.threads > 0 ? `on ${compacted.threads} worker thread(s)` : 'inline'}`);
  await rm(marker, { force: true });
  return { created: true, station_id: station.id, date, elapsed_ms: performance.now() - t0, events_written: stats.journal.events_written };
}

async function removeDay(root: DataRoot, day: DayRef): Promise<void> {
  for (const dir of [root.parquetDayDir(day), root.generationsDir(day), root.quarantineDir(day), root.journalDir(day)]) await rm(dir, { recursive: true, force: true });
}
