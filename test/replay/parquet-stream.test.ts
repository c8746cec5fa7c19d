import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyEvent } from '../../src/shared/schemas';
import { DataRoot } from '../../src/services/data-root';
import { dayParquetFiles } from '../../src/services/replay/node-event-source';
import { DayStream } from '../../src/services/replay/parquet-stream';
import { compareEvents } from '../../src/shared/players/event-source';
import { makeDayFixture, type DayFixture } from './fixtures/day-fixture';
import { writeDay } from './fixtures/write-day';

let fx: DayFixture;
let instance: DuckDBInstance;

beforeAll(async () => {
  fx = await makeDayFixture({}, 2048);
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
});

afterAll(async () => {
  instance?.closeSync();
  await fx?.dispose();
});

const micros = (e: AnyEvent) => Date.parse(e.ts_ingest_utc) * 1000 + Number((/\.\d{3}(\d{3})Z$/.exec(e.ts_ingest_utc) ?? [])[1] ?? 0);

/** Everything the stream hands out, as parsed events, taking at most `max` per call up to each bound. */
async function drain(stream: DayStream, bounds: number[], max = Infinity): Promise<AnyEvent[]> {
  const out: AnyEvent[] = [];
  for (const untilUs of [...bounds, Infinity]) {
    for (;;) {
      const n = await stream.take(untilUs, max, (cursor, row) => {
        const event = JSON.parse(cursor.json(row)) as AnyEvent;
        expect(micros(event)).toBe(cursor.times[row]);
        out.push(event);
      });
      if (n === 0) break;
    }
  }
  return out;
}

describe('DayStream: a compacted day from its Parquet files, merged in replay order', { timeout: 120_000 }, () => {
  it('writes every row as the JSON of exactly the event that was recorded, in replay order', async () => {
    const stream = await DayStream.open(instance, await dayParquetFiles(new DataRoot(fx.root), fx.day, fx.manifest), 0);
    const events = await drain(stream, []);
    await stream.close();
    expect(events.length).toBe(fx.events.length);
    expect(events).toEqual(fx.events);
  });

  it('reads a file written before a column existed: its events leave that column out', async () => {
    const files = await dayParquetFiles(new DataRoot(fx.root), fx.day, fx.manifest);
    const older = join(fx.root, 'health-before-write-errors.parquet');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT * EXCLUDE (write_errors, write_error_code, write_error) FROM read_parquet('${files.health![0]}', hive_partitioning = false)) TO '${older}' (FORMAT parquet)`,
    );
    connection.closeSync();
    const stream = await DayStream.open(instance, { health: [older] }, 0);
    const events = await drain(stream, []);
    await stream.close();
    const recorded = fx.events.filter((e) => e.ch === 'health');
    expect(events.length).toBe(recorded.length);
    expect(events).toEqual(recorded.map(({ write_errors: _a, write_error_code: _b, write_error: _c, ...e }) => e));
  });

  it('gives the same sequence however the reads are cut (time bounds, batch sizes, chunk edges)', async () => {
    const files = await dayParquetFiles(new DataRoot(fx.root), fx.day, fx.manifest);
    const start = micros(fx.events[0]!);
    const from = start + 1800 * 1_000_000; // half an hour in: the stream starts mid-file
    const bounds = Array.from({ length: 400 }, (_, i) => from + i * 137_000 + (i % 3) * 1000);
    const stream = await DayStream.open(instance, files, from);
    const events = await drain(stream, bounds, 7);
    await stream.close();
    expect(events.map((e) => e.event_id)).toEqual(fx.events.filter((e) => micros(e) >= from).map((e) => e.event_id));
  });

  it('orders events of different files at the same instant by event id, and keeps sub-millisecond times', async () => {
    // Move every health and PWS event onto the instant of the snapshot before it, and give some
    // deltas microsecond digits: ties across files that only the event id can order. Every
    // seventh id is not a lowercase UUID (the merge's numeric id keys don't apply to it: its text does).
    const snapshots = fx.events.filter((e) => e.ch === 'l2_snap_1s').map((e) => e.ts_ingest_utc);
    let k = 0;
    const moved = fx.events.map((e, i) => {
      const event = i % 7 === 0 ? { ...e, event_id: e.event_id.toUpperCase() } : e;
      if (e.ch === 'l2_deltas' && i % 2 === 0) return { ...event, ts_ingest_utc: e.ts_ingest_utc.replace('Z', '417Z') };
      if (e.ch !== 'health' && e.ch !== 'pws_cluster') return event;
      while (k + 1 < snapshots.length && snapshots[k + 1]! <= e.ts_ingest_utc) k++;
      return { ...event, ts_ingest_utc: snapshots[k]! };
    });
    const root = await mkdtemp(join(tmpdir(), 'helios-stream-ties-'));
    try {
      const manifest = await writeDay(root, moved);
      const day = { station_id: manifest.station_id, date: manifest.date };
      const stream = await DayStream.open(instance, await dayParquetFiles(new DataRoot(root), day, manifest), 0);
      const events = await drain(stream, []);
      await stream.close();
      const want = [...moved].sort(compareEvents);
      const ties = want.filter((e, i) => i > 0 && e.ts_ingest_utc === want[i - 1]!.ts_ingest_utc && e.ch !== want[i - 1]!.ch);
      expect(ties.length).toBeGreaterThan(100);
      expect(ties.filter((e) => e.event_id !== e.event_id.toLowerCase()).length).toBeGreaterThan(10);
      expect(events.map((e) => e.event_id)).toEqual(want.map((e) => e.event_id));
      expect(events.filter((e) => /\.\d{6}Z$/.test(e.ts_ingest_utc)).length).toBeGreaterThan(100);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('carries strings through whatever they contain (the packing separators, quotes, non-ASCII, empty)', async () => {
    const odd = ['a\x01Sb', '\x01N', '\x01E\x01', '"quoted" \\ back', '≤25°F ✓ 🌡', ''];
    let k = 0;
    const events = fx.events.map((e) => (e.ch === 'event_windows' || e.ch === 'book_events' ? { ...e, detail: odd[k++ % odd.length]! } : e));
    expect(k).toBeGreaterThan(odd.length);
    const root = await mkdtemp(join(tmpdir(), 'helios-stream-strings-'));
    try {
      const manifest = await writeDay(root, events);
      const day = { station_id: manifest.station_id, date: manifest.date };
      const stream = await DayStream.open(instance, await dayParquetFiles(new DataRoot(root), day, manifest), 0);
      expect(await drain(stream, [])).toEqual(events);
      await stream.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('starts at the first event at or after the start time', async () => {
    const files = await dayParquetFiles(new DataRoot(fx.root), fx.day, fx.manifest);
    const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
    const stream = await DayStream.open(instance, files, micros(metar));
    expect(await stream.peekUs()).toBe(micros(fx.events.find((e) => micros(e) >= micros(metar))!));
    await stream.close();
  });
});
