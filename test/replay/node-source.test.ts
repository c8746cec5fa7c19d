import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import { parseEvent } from '../../src/shared/registry';
import type { AnyEvent } from '../../src/shared/schemas';
import { DuckDBInstance } from '@duckdb/node-api';
import { DataRoot } from '../../src/services/data-root';
import { dayParquetFiles, NodeParquetBackend, openNodeEventSource, type NodeEventSource } from '../../src/services/replay/node-event-source';
import { sqlBackfill } from './fixtures/sql-backfill-oracle';
import { makeDayFixture, type DayFixture } from './fixtures/day-fixture';
import { stateByPlaying, visible } from './helpers';

let fx: DayFixture;
let source: NodeEventSource;

beforeAll(async () => {
  fx = await makeDayFixture();
  source = await openNodeEventSource(fx.root, fx.day);
  await source.initialize();
});

afterAll(async () => {
  await source?.close();
  await fx?.dispose();
});

const inRange = (events: AnyEvent[], t0: number, t1: number) =>
  events.filter((e) => {
    const t = Date.parse(e.ts_ingest_utc);
    return t >= t0 && t < t1;
  });

describe('Node Parquet event source', () => {
  it('describes the day from its manifest', async () => {
    const info = await source.initialize();
    expect(info.station_id).toBe('KLGA');
    expect(info.date).toBe('2026-01-29');
    expect(info.start_ms).toBe(Date.parse(fx.events[0]!.ts_ingest_utc));
    expect(info.end_ms).toBe(Date.parse(fx.events.at(-1)!.ts_ingest_utc));
    expect(info.channels).toHaveLength(11);
    expect(info.markers.filter((m) => m.kind === 'METAR')).toHaveLength(2);
  });

  it('returns a window across all channels in replay order, as valid events equal to what was recorded', async () => {
    const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
    const t0 = Date.parse(metar.ts_ingest_utc) - 10_000;
    const t1 = t0 + 60_000;
    const got = await source.fetchEvents(t0, t1);
    const want = inRange(fx.events, t0, t1);
    expect(new Set(want.map((e) => e.ch)).size).toBeGreaterThanOrEqual(6); // a busy minute: window, deltas, trades…
    expect(got.map((e) => e.event_id)).toEqual(want.map((e) => e.event_id));
    expect(got).toEqual(want);
    for (const e of got) expect(parseEvent(JSON.parse(JSON.stringify(e))).ok).toBe(true);
  });

  it('treats [t0, t1) as half-open: consecutive windows neither skip nor repeat', async () => {
    const start = (await source.initialize()).start_ms;
    const parts = await Promise.all([0, 1, 2].map((i) => source.fetchEvents(start + i * 7_000, start + (i + 1) * 7_000)));
    const whole = await source.fetchEvents(start, start + 21_000);
    expect(parts.flat().map((e) => e.event_id)).toEqual(whole.map((e) => e.event_id));
  });

  it('reconstructs at t exactly the state of playing the day from its start to t', async () => {
    const info = await source.initialize();
    const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
    const resync = fx.events.find((e) => e.ch === 'book_events' && e.kind === 'BOOK_RESYNC_START');
    const groupBoundary = Date.parse(fx.manifest.channels.l2_snap_1s!.row_groups[2]!.min_ts);
    const instants = [
      info.start_ms,
      Date.parse(metar.ts_ingest_utc), // exactly at a METAR
      Date.parse(metar.ts_ingest_utc) + 45_500, // inside its window, deltas on top of snapshots
      groupBoundary,
      groupBoundary - 1,
      info.end_ms,
    ];
    if (resync) instants.push(Date.parse(resync.ts_ingest_utc) + 1500);
    for (const t of instants) {
      const backfill = await source.backfill(t);
      const seeked = applyEvents(emptyChannelState(), backfill);
      const played = stateByPlaying(fx.events, t);
      expect(visible(seeked), `state at ${new Date(t).toISOString()}`).toEqual(visible(played));
    }
    // and the window case really exercised deltas
    const inWindow = applyEvents(emptyChannelState(), await source.backfill(Date.parse(metar.ts_ingest_utc) + 45_500));
    expect(Object.values(inWindow.books).some((b) => b.deltas_since_snapshot > 0)).toBe(true);
    expect(Object.keys(inWindow.open_windows)).toHaveLength(1);
  });

  it('backfills the same events as the rule written in SQL (the oracle), at every kind of instant', async () => {
    const info = await source.initialize();
    const instance = await DuckDBInstance.create(':memory:');
    const backend = new NodeParquetBackend(await instance.connect(), await dayParquetFiles(new DataRoot(fx.root), fx.day, fx.manifest), () => instance.closeSync());
    try {
      const resync = fx.events.find((e) => e.ch === 'book_events' && e.kind === 'BOOK_RESYNC_START');
      const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
      const instants = [info.start_ms, Date.parse(metar.ts_ingest_utc) + 45_500, info.end_ms, ...(resync ? [Date.parse(resync.ts_ingest_utc) + 1500] : [])];
      for (let k = 1; k < 8; k++) instants.push(Math.floor(info.start_ms + ((info.end_ms - info.start_ms) * k) / 8));
      for (const t of instants) {
        const want = await sqlBackfill(backend, fx.manifest, t);
        expect(want.length, `oracle at ${new Date(t).toISOString()}`).toBeGreaterThan(0);
        expect((await source.backfill(t)).map((e) => e.event_id), `backfill at ${new Date(t).toISOString()}`).toEqual(want.map((e) => e.event_id));
      }
    } finally {
      await backend.close();
    }
  });

  it('finds every event of a correlation across the day', async () => {
    const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
    const got = await source.eventsByCorrelation(metar.correlation_id);
    const want = fx.events.filter((e) => e.correlation_id === metar.correlation_id);
    expect(new Set(want.map((e) => e.ch))).toEqual(new Set(['metar_obs', 'event_windows', 'l2_deltas', 'tape_trades', 'features_1m', 'nowcast_1m']));
    expect(got.map((e) => e.event_id)).toEqual(want.map((e) => e.event_id));
  });

  it('answers ad-hoc SQL with one view per channel', async () => {
    const rows = await source.query('SELECT count(*)::INTEGER AS n FROM metar_obs');
    expect(rows).toEqual([{ n: 2 }]);
  });
});
