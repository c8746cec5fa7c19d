/**
 * A day's Parquet changes as a whole (issue #13, item 3). A compaction pass, run in its child
 * process, is SIGKILLed at every step boundary (HELIOS_COMPACT_KILL_AT) — on a day's first
 * compaction, an incremental pass of a live day, the final merge of a closed day and the first pass
 * over a day compacted before generations — and after each kill the readers see one complete
 * generation: the manifest as the app reads it, every part file it lists (bytes, rows, row groups
 * as listed), and DuckDB's glob over the data root exactly those files. The next pass completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactDay } from '../../src/services/compactor';
import { COMPACTION_STEPS, type CompactionStep } from '../../src/services/compactor/checkpoints';
import { compactInChildProcess } from '../../src/services/compactor/child-compaction';
import { DataRoot } from '../../src/services/data-root';
import type { Manifest } from '../../src/shared/manifest';
import { duck, line, snapshot, TOKEN_A, tempRoot, type Duck } from './helpers';
import { writeSyntheticDay } from './synthetic-day';

const DAY = { station_id: 'KLGA', date: '2026-01-29' };
let base: string;
let db: Duck;

beforeAll(async () => {
  base = tempRoot('helios-atomic-');
  db = await duck();
});
afterAll(() => {
  db?.close();
  rmSync(base, { recursive: true, force: true });
});

const journalOf = (root: string) => join(root, 'journal', 'station=KLGA', `date=${DAY.date}`);

function writeJournal(root: string, name: string, startIso: string, minutes: number): void {
  writeSyntheticDay({ dir: join(journalOf(root), name), startMs: Date.parse(startIso), hours: minutes / 60, tokens: 2, levels: 5 });
}

/** The day as readers see it; throws if anything is inconsistent. Returns its generation. */
async function readersSee(root: string): Promise<number | null> {
  const data = new DataRoot(root);
  let manifest: Manifest;
  try {
    manifest = await data.readManifest(DAY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      expect(await data.listDays()).toEqual([]);
      return null;
    }
    throw e;
  }
  let rows = 0;
  for (const [ch, c] of Object.entries(manifest.channels)) {
    for (const p of c.parts) {
      const bytes = await data.readParquet(DAY, ch as never, { part: p.part, generation: manifest.generation });
      expect(bytes.length, `${ch} part ${p.part}`).toBe(p.bytes);
      const path = await data.partPath(DAY, manifest.generation, ch as never, p.part);
      const [meta] = await db.all(`SELECT count(*)::INTEGER AS groups, sum(row_group_num_rows)::INTEGER AS rows FROM (SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata('${path}'))`);
      expect(meta, `${ch} part ${p.part}`).toEqual({ groups: c.row_groups.filter((g) => g.part === p.part).length, rows: p.rows });
      rows += p.rows;
    }
  }
  expect(rows).toBe(manifest.totals.events_written);
  // DuckDB's glob over the whole root: the same files (the day missing for the instant a legacy folder is moved aside).
  const glob = `${root}/parquet/station=*/date=*/ch=*/*.parquet`;
  const dayLinked = existsSync(data.parquetDayDir(DAY));
  if (dayLinked) {
    const [all] = await db.all(`SELECT count(*)::INTEGER AS n FROM read_parquet('${glob}', hive_partitioning = true)`);
    expect(all).toEqual({ n: manifest.totals.events_written });
  } else {
    await expect(db.all(`SELECT count(*) FROM read_parquet('${glob}')`)).rejects.toThrow(/No files found/);
  }
  return manifest.generation;
}

/** Runs a pass in a compaction process told to SIGKILL itself at `step`; resolves when it died there. */
async function killAt(root: string, step: CompactionStep, tailMode: 'pending' | 'quarantine'): Promise<void> {
  process.env.HELIOS_COMPACT_KILL_AT = step;
  try {
    const outcome = await compactInChildProcess({ dataRoot: root, ...{ station: DAY.station_id, date: DAY.date }, tailMode, nowMs: Date.now(), threads: 0 }).then(
      () => 'finished',
      (e: Error) => e.message,
    );
    expect(outcome).toMatch(/ended \(SIGKILL\) before finishing/);
  } finally {
    delete process.env.HELIOS_COMPACT_KILL_AT;
  }
}

/** A day compacted before generations: a plain folder with a version 1 manifest. */
function makeLegacy(root: string): void {
  const station = join(root, 'parquet', 'station=KLGA');
  const day = join(station, `date=${DAY.date}`);
  const gen = readFileSync(join(station, '.gen', `date=${DAY.date}`, 'g1', '_manifest.json'), 'utf8');
  unlinkSync(day);
  renameSync(join(station, '.gen', `date=${DAY.date}`, 'g1'), day);
  rmSync(join(station, '.gen'), { recursive: true });
  rmSync(join(day, '.state'), { recursive: true });
  const m = JSON.parse(gen) as Manifest;
  const v1 = {
    ...m,
    manifest_version: 1,
    generation: undefined,
    closed: undefined,
    channels: Object.fromEntries(
      Object.entries(m.channels).map(([ch, c]) => [ch, { file: c.parts[0]!.file, rows: c.rows, min_ts: c.min_ts, max_ts: c.max_ts, bytes: c.bytes, schema_versions: c.schema_versions, row_groups: c.row_groups.map(({ part: _p, ...g }) => g) }]),
    ),
  };
  writeFileSync(join(day, '_manifest.json'), JSON.stringify(v1));
}

/** A live day compacted once, and what the recorder appended since. */
async function liveDay(root: string): Promise<void> {
  writeJournal(root, 'a', '2026-01-29T15:00:00Z', 3);
  await compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date, tailMode: 'pending', threads: 0 });
  writeJournal(root, 'b', '2026-01-29T15:03:00Z', 2);
}

const SCENARIOS = {
  /** No Parquet yet. */
  first: { mode: 'quarantine' as const, setup: async (root: string) => writeJournal(root, 'a', '2026-01-29T15:00:00Z', 3) },
  /** A live day compacted once; the recorder appended since. */
  live: {
    mode: 'pending' as const,
    setup: async (root: string) => {
      await liveDay(root);
      appendFileSync(join(journalOf(root), 'b', 'late.ndjson'), line(snapshot(TOKEN_A, '2026-01-29T15:10:00.000Z', 0.5)) + '\n');
    },
  },
  /** A live day in two parts, now closed: the pass merges them. */
  final: {
    mode: 'quarantine' as const,
    setup: async (root: string) => {
      await liveDay(root);
      await compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date, tailMode: 'pending', threads: 0 });
    },
  },
  /** Compacted before generations. */
  legacy: {
    mode: 'quarantine' as const,
    setup: async (root: string) => {
      writeJournal(root, 'a', '2026-01-29T15:00:00Z', 3);
      await compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date, threads: 0 });
      makeLegacy(root);
      writeJournal(root, 'b', '2026-01-29T15:03:00Z', 1);
    },
  },
};

describe('killing a compaction pass at every step boundary', () => {
  let kills = 0;
  afterAll(() => console.log(`atomicity: ${kills} compaction passes SIGKILLed at step boundaries, readers consistent after each`));

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const steps = COMPACTION_STEPS.filter((s) => s !== 'legacy-moved' || name === 'legacy');
    const template = () => join(base, name);
    beforeAll(() => scenario.setup(template()), 60_000);
    it.each(steps)(`${name}: killed at "%s", readers see one whole generation; the next pass completes`, async (step) => {
      const root = join(base, `${name}-${step}`);
      cpSync(template(), root, { recursive: true, verbatimSymlinks: true });
      const before = await readersSee(root);
      await killAt(root, step, scenario.mode);
      kills++;
      const during = await readersSee(root);
      const switched = COMPACTION_STEPS.indexOf(step) >= COMPACTION_STEPS.indexOf('legacy-moved') && (step !== 'legacy-moved' || name === 'legacy');
      if (switched) expect(during).not.toBe(before);
      else expect(during).toBe(before);

      const after = await compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date, tailMode: scenario.mode, threads: 0 });
      expect(await readersSee(root)).toBe(after.generation);
      const total = after.manifest.totals;
      expect(total.lines_read).toBe(total.events_written + total.duplicates_dropped + total.quarantined);
      const oneShot = await compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date, tailMode: scenario.mode, threads: 0, rebuild: true });
      expect(oneShot.manifest.totals).toEqual(total);
      if (scenario.mode === 'quarantine') for (const c of Object.values(after.manifest.channels)) expect(c.parts.map((p) => p.part)).toEqual([0]);
      // Nothing of the killed pass is left: no build folders, temporaries or lock.
      const gens = join(root, 'parquet', 'station=KLGA', '.gen', `date=${DAY.date}`);
      expect(readdirSync(gens).filter((n) => n.startsWith('.') || n.endsWith('.lock'))).toEqual([]);
      expect(readdirSync(join(root, 'parquet', 'station=KLGA')).filter((n) => n.startsWith('.') && n !== '.gen')).toEqual([]);
    }, 60_000);
  }
});
