import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CHANNELS, type Channel } from '../../src/shared/channels';
import type { AnyEvent } from '../../src/shared/schemas';
import { DataRoot } from '../../src/services/data-root';
import { dayParquetFiles } from '../../src/services/replay/node-event-source';
import type { OrderedEvents } from '../../src/services/replay/ordered-events';
import { buildReplayCopy, REPLAY_COPY_FILE, ReplayCopy } from '../../src/services/replay/replay-copy';
import { ReplayCopies } from '../../src/services/replay/replay-copies';
import { makeDayFixture, type DayFixture } from './fixtures/day-fixture';

let fx: DayFixture;
let instance: DuckDBInstance;
let root: DataRoot;
let copyPath: string;
let copy: ReplayCopy;

beforeAll(async () => {
  fx = await makeDayFixture({ durationMs: 20 * 60_000 });
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  root = new DataRoot(fx.root);
  copyPath = join(fx.root, 'copy-7.parquet');
  // 7 events a block: many blocks, and block edges inside runs of events of one instant
  await buildReplayCopy(instance, await dayParquetFiles(root, fx.day, fx.manifest), copyPath, { blockEvents: 7 });
  copy = await ReplayCopy.open(copyPath);
});

afterAll(async () => {
  copy?.close();
  instance?.closeSync();
  await fx?.dispose();
});

const micros = (e: AnyEvent) => Date.parse(e.ts_ingest_utc) * 1000 + Number((/\.\d{3}(\d{3})Z$/.exec(e.ts_ingest_utc) ?? [])[1] ?? 0);

/** Everything read, batch by batch up to each bound, checking each batch keeps its limits. */
async function drain(events: OrderedEvents, bounds: number[], maxEvents: number, maxBytes: number): Promise<AnyEvent[]> {
  const out: AnyEvent[] = [];
  for (const untilUs of [...bounds, Infinity]) {
    for (;;) {
      const batch = await events.next(untilUs, { maxEvents, maxBytes });
      if (batch.count === 0) {
        expect(batch.full).toBe(false);
        break;
      }
      const got = JSON.parse(`[${batch.json.toString('utf8')}]`) as AnyEvent[];
      expect(got.length).toBe(batch.count);
      expect(batch.count).toBeLessThanOrEqual(maxEvents);
      expect(got.every((e) => micros(e) < untilUs)).toBe(true);
      expect(batch.lastUs).toBe(micros(got.at(-1)!));
      out.push(...got);
      if (!batch.full) {
        // not full: everything before the bound was handed out
        expect((await events.next(untilUs, { maxEvents, maxBytes })).count).toBe(0);
        break;
      }
    }
  }
  await events.close();
  return out;
}

describe('replay copy: a closed day merged and serialized once', { timeout: 120_000 }, () => {
  it('holds every event of the day, as recorded, in replay order', async () => {
    expect(copy.blockCount).toBe(Math.ceil(fx.events.length / 7));
    const all = await drain(copy.events(0, new Set(CHANNELS)), [], 5000, 1 << 20);
    expect(all.length).toBe(fx.events.length);
    expect(all).toEqual(fx.events);
  });

  it('gives the same events however the reads are cut: from any instant, by any bounds and batch limits, for any channels', async () => {
    const span = micros(fx.events.at(-1)!) - micros(fx.events[0]!);
    const at = (f: number) => micros(fx.events[0]!) + Math.floor(span * f);
    const cases: { from: number; channels: Channel[]; bounds: number[]; maxEvents: number; maxBytes: number }[] = [
      { from: 0, channels: [...CHANNELS], bounds: [at(0.1), at(0.1) + 1, at(0.5)], maxEvents: 3, maxBytes: 1 << 20 },
      { from: at(0.37) + 123, channels: ['l2_snap_1s', 'metar_obs'], bounds: [at(0.6)], maxEvents: 50, maxBytes: 4000 },
      { from: micros(fx.events.find((e, i) => i > 100 && e.ch === 'health')!), channels: ['health', 'tape_trades', 'pws_cluster'], bounds: [], maxEvents: 1, maxBytes: 1 << 20 },
      { from: at(0.9), channels: ['event_windows', 'nowcast_1m', 'features_1m'], bounds: [at(0.95)], maxEvents: 5000, maxBytes: 1 },
    ];
    for (const c of cases) {
      const wanted = new Set(c.channels);
      const got = await drain(copy.events(c.from, wanted), c.bounds, c.maxEvents, c.maxBytes);
      const expected = fx.events.filter((e) => wanted.has(e.ch) && micros(e) >= c.from);
      expect(expected.length).toBeGreaterThan(0);
      expect(got.map((e) => e.event_id)).toEqual(expected.map((e) => e.event_id));
      expect(got).toEqual(expected);
    }
  });

  it('is empty after the last event', async () => {
    const events = copy.events(micros(fx.events.at(-1)!) + 1, new Set(CHANNELS));
    expect((await events.next(Infinity, { maxEvents: 10, maxBytes: 1 << 20 })).count).toBe(0);
    await events.close();
  });

  it('leaves nothing behind when its build is abandoned', async () => {
    const stop = new AbortController();
    stop.abort();
    const path = join(fx.root, 'abandoned.parquet');
    await expect(buildReplayCopy(instance, await dayParquetFiles(root, fx.day, fx.manifest), path, { signal: stop.signal })).rejects.toThrow();
    expect((await readdir(fx.root)).filter((f) => f.startsWith('abandoned'))).toEqual([]);
  });
});

describe('ReplayCopies: the server builds a closed day’s copy on its first replay', { timeout: 120_000 }, () => {
  it('has none at first, builds it in the background, then opens it; an unreadable copy is built again', async () => {
    const logs: string[] = [];
    const copies = new ReplayCopies(root, instance, (m) => logs.push(m));
    const path = await copies.path(fx.day, fx.manifest);
    expect(dirname(path)).toBe(await root.generationFolder(fx.day, fx.manifest.generation));
    expect(path.endsWith(REPLAY_COPY_FILE)).toBe(true);
    await rm(path, { force: true });

    expect(await copies.open(fx.day, fx.manifest)).toBeNull();
    await copies.ensure(fx.day, fx.manifest);
    expect(existsSync(path)).toBe(true);
    const opened = await copies.open(fx.day, fx.manifest);
    expect(opened?.blockCount).toBe(Math.ceil(fx.events.length / 1000));
    opened?.close();

    await writeFile(path, 'not parquet');
    expect(await copies.open(fx.day, fx.manifest)).toBeNull();
    await copies.ensure(fx.day, fx.manifest);
    expect((await copies.open(fx.day, fx.manifest))?.blockCount).toBe(Math.ceil(fx.events.length / 1000));
    expect(logs.some((m) => /unreadable/.test(m))).toBe(true);
    await copies.close();
  });

  it('makes none for a day that is still open: its Parquet changes with every compaction pass', async () => {
    const copies = new ReplayCopies(root, instance);
    const path = await copies.path(fx.day, fx.manifest);
    await rm(path, { force: true });
    expect(await copies.open(fx.day, { ...fx.manifest, closed: false })).toBeNull();
    await copies.close();
    expect(existsSync(path)).toBe(false);
  });
});
