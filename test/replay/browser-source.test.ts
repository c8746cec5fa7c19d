/**
 * The browser data source (parquet-wasm + DuckDB-WASM in Chromium, under the app's CSP, assets
 * bundled locally) answers exactly what the Node source answers for the same Parquet files — a
 * closed day's one file per channel, or a live day's overlapping parts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { compactDay } from '../../src/services/compactor';
import type { Manifest } from '../../src/shared/manifest';
import { openNodeEventSource, type NodeEventSource } from '../../src/services/replay/node-event-source';
import { makeDayFixture, type DayFixture } from './fixtures/day-fixture';
import { replayOrder } from './helpers';
import { buildTestPage, call, launchChromium, openTestPage, servePage, type ServedPage } from './browser/harness';

let fx: DayFixture;
let node: NodeEventSource;
let served: ServedPage;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  fx = await makeDayFixture();
  node = await openNodeEventSource(fx.root, fx.day);
  await node.initialize();
  await buildTestPage();
  served = await servePage(fx.root);
  browser = await launchChromium();
  page = await openTestPage(browser, served.url);
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await node?.close();
  await fx?.dispose();
});

describe('browser event source (parquet-wasm row groups in Chromium)', () => {
  it('opens a day reading only row groups near the start, not whole files', async () => {
    const { info } = await call(page, 'open', fx.day, {});
    expect(info.start_ms).toBe((await node.initialize()).start_ms);
    const stats = await call(page, 'stats');
    const totalRows = Object.values(fx.manifest.channels).reduce((n, c) => n + c!.rows, 0);
    const totalBytes = Object.values(fx.manifest.channels).reduce((n, c) => n + c!.bytes, 0);
    expect(stats.decodedRows).toBeLessThan(totalRows / 2);
    expect(served.stats.bytes).toBeLessThan(totalBytes);
  });

  it('returns the same events as the Node source for a time window', async () => {
    const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
    const t0 = Date.parse(metar.ts_ingest_utc) - 20_000;
    const t1 = t0 + 90_000;
    const [browserEvents, nodeEvents] = await Promise.all([call(page, 'fetch', t0, t1), node.fetchEvents(t0, t1)]);
    expect(nodeEvents.length).toBeGreaterThan(300);
    expect(browserEvents).toEqual(nodeEvents);
  });

  it('reconstructs the same state at a seek and finds the same correlation events', async () => {
    const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
    const t = Date.parse(metar.ts_ingest_utc) + 61_234;
    const [b, n] = await Promise.all([call(page, 'backfill', t), node.backfill(t)]);
    expect(b).toEqual(n);
    // somewhere nothing is decoded yet: the seek reads just the rows it needs (once the source's
    // background preparation — small channels, time indexes — is done, no whole row group)
    await call(page, 'warm');
    const far = Date.parse(fx.events.at(-1)!.ts_ingest_utc) - 25 * 60_000 + 123;
    const before = await call(page, 'stats');
    const [bf, nf] = await Promise.all([call(page, 'backfill', far), node.backfill(far)]);
    expect(bf).toEqual(nf);
    expect((await call(page, 'stats')).decodedGroups).toBe(before.decodedGroups);
    const [bc, nc] = await Promise.all([call(page, 'correlation', metar.correlation_id), node.eventsByCorrelation(metar.correlation_id)]);
    expect(bc.length).toBeGreaterThan(10);
    expect(bc).toEqual(nc);
  });

  it('seeks and shows the book of the Parquet at that time; the block cache holds only what is near', async () => {
    const t = Date.parse(fx.events.at(-1)!.ts_ingest_utc) - 600_000;
    await call(page, 'seek', t);
    const summary = await call(page, 'channelSummary');
    const snaps = fx.events.filter((e) => e.ch === 'l2_snap_1s' && Date.parse(e.ts_ingest_utc) <= t);
    const last = snaps.at(-1)!;
    expect(last.ch === 'l2_snap_1s' && summary.books[last.token_id!]!.best_bid).toBe(last.ch === 'l2_snap_1s' ? last.best_bid : null);
    const stats = await call(page, 'stats');
    expect(stats.loadedRanges.some(([a, b]) => a <= t && t < b)).toBe(true);
    expect(stats.decodedRows).toBeLessThan(Object.values(fx.manifest.channels).reduce((n, c) => n + c!.rows, 0));
  });
});

describe('whole-day history (DuckDB-WASM)', () => {
  it('loads every table of the day in the background; the console sees the whole day', async () => {
    const { progress, tables } = await call(page, 'loadHistory');
    expect(progress).toMatchObject({ done: true, chartsReady: true, error: null });
    expect(progress.loadedRows).toBe(progress.totalRows);
    expect(tables).not.toContain('l2_deltas'); // loaded when a query first names it; level arrays stay in the row-group cache
    const result = await call(page, 'query', 'SELECT count(*) AS n, min(ts_ingest_utc) AS first, max(ts_ingest_utc) AS last, count(DISTINCT bucket) AS buckets FROM l2_snap_1s');
    const [n, first, last, buckets] = result.rows[0] as [number, string, string, number];
    const l2 = fx.manifest.channels.l2_snap_1s!;
    expect(n).toBe(l2.rows);
    expect(Date.parse(first)).toBe(Math.floor(Date.parse(l2.min_ts!)));
    expect(Date.parse(last)).toBe(Math.floor(Date.parse(l2.max_ts!)));
    expect(buckets).toBe(fx.manifest.tokens.length);
    const columns = await call(page, 'query', `SELECT column_name FROM information_schema.columns WHERE table_name = 'l2_snap_1s' AND table_schema = current_schema() ORDER BY ordinal_position`);
    expect(columns.rows.flat().sort()).toEqual(['best_ask', 'best_bid', 'book_ok', 'bucket', 'microprice', 'mid', 'token_id', 'ts_ingest_utc']);
    for (const ch of ['metar_obs', 'nowcast_1m', 'health', 'event_windows'] as const) {
      const r = await call(page, 'query', `SELECT count(*) AS n FROM ${ch}`);
      expect([ch, r.rows[0]![0]]).toEqual([ch, fx.manifest.channels[ch]!.rows]);
    }
  });

  it('gives the charts each token’s whole day, one point per 10 s (the first snapshot of each bucket)', async () => {
    const charts = await call(page, 'historyCharts');
    expect(charts.step_s).toBe(10);
    for (const token of fx.manifest.tokens) {
      const expected = new Map<number, { mid: number | null; ok: boolean }>();
      for (const e of fx.events) {
        if (e.ch !== 'l2_snap_1s' || e.token_id !== token.token_id) continue;
        const t = Math.floor(Date.parse(e.ts_ingest_utc) / 10_000) * 10;
        if (!expected.has(t)) expected.set(t, { mid: e.mid, ok: e.book_ok });
      }
      const got = charts.price[token.token_id]!;
      expect(got.t).toEqual([...expected.keys()]);
      expect(got.mid).toEqual([...expected.values()].map((v) => v.mid));
      expect(got.ok).toEqual([...expected.values()].map((v) => v.ok));
    }
    expect(charts.nowcast).toEqual(fx.events.filter((e) => e.ch === 'nowcast_1m').map((e) => Date.parse(e.ts_ingest_utc)));
    expect(charts.metars).toEqual(fx.events.filter((e) => e.ch === 'metar_obs').map((e) => e.event_id));
    expect(charts.trades).toBe(fx.events.filter((e) => e.ch === 'tape_trades').length);
  });
});

describe('seeks while loading', () => {
  it('leaves no unhandled promise rejection: an aborted load is expected control flow', async () => {
    await call(page, 'close');
    const { info } = await call(page, 'open', fx.day, {});
    // a timeline drag over the day while playing at 60× (read-ahead loading): most seeks
    // interrupt another's backfill or a read-ahead decode
    const span = info.end_ms - info.start_ms;
    const times = Array.from({ length: 24 }, (_, i) => Math.floor(info.start_ms + (((i * 7919) % 24) / 24) * span));
    for (const gap of [0, 4, 20]) {
      const { current_ms } = await call(page, 'seekStorm', times, gap, 60);
      expect(current_ms).toBe(times.at(-1));
    }
    expect(await call(page, 'unhandled')).toEqual([]);
    // and the state after the storm is the state at that instant
    const t = times.at(-1)!;
    const summary = await call(page, 'channelSummary');
    const snaps = fx.events.filter((e) => e.ch === 'l2_snap_1s' && Date.parse(e.ts_ingest_utc) <= t);
    for (const token of new Set(snaps.map((e) => e.token_id!))) {
      const last = snaps.filter((e) => e.token_id === token).at(-1)!;
      if (last.ch === 'l2_snap_1s' && !fx.events.some((e) => e.ch === 'l2_deltas' && e.token_id === token && Date.parse(e.ts_ingest_utc) > Date.parse(last.ts_ingest_utc) && Date.parse(e.ts_ingest_utc) <= t)) {
        expect(summary.books[token]!.best_bid).toBe(last.best_bid);
      }
    }
  });
});

describe('browser block cache', () => {
  it('stays within its byte budget over a whole day, evicting what is furthest behind', async () => {
    await call(page, 'close');
    const budget = 6 * 1024 * 1024;
    const { info } = await call(page, 'open', fx.day, { maxCachedBytes: budget });
    let biggest = 0;
    for (let t = info.start_ms; t < info.end_ms; t += 10 * 60_000) {
      const { count } = await call(page, 'fetchTimed', t, t + 10 * 60_000);
      expect(count).toBeGreaterThan(0);
      const s = await call(page, 'stats');
      biggest = Math.max(biggest, s.cachedBytes);
    }
    const stats = await call(page, 'stats');
    expect(stats.evictedGroups).toBeGreaterThan(0);
    // never more than the budget plus the row groups one request holds
    expect(biggest).toBeLessThan(budget + 4 * 1024 * 1024);
    // what is kept is the latest part of the day
    const last = stats.loadedRanges.at(-1)!;
    expect(last[1]).toBeGreaterThan(info.end_ms - 10 * 60_000);
    expect(stats.loadedRanges[0]![0]).toBeGreaterThan(info.start_ms);
  });
});

describe('browser decode workers', () => {
  it('survive a day closed while they decode it: the next day opened seeks normally', async () => {
    // an analyst switching days while the whole-day history still loads in the background
    for (let i = 0; i < 6; i++) {
      await call(page, 'close');
      await call(page, 'open', fx.day, {});
      await call(page, 'startHistory');
      await page.waitForTimeout(i * 15);
    }
    await call(page, 'close');
    const { info } = await call(page, 'open', fx.day, {});
    for (const f of [0.25, 0.5, 0.75]) {
      const t = Math.floor(info.start_ms + f * (info.end_ms - info.start_ms));
      await call(page, 'seek', t);
      expect(Object.keys((await call(page, 'channelSummary')).books).length).toBeGreaterThan(0);
    }
    expect((await call(page, 'stats')).io.workerCrashes).toBe(0);
  });
});

describe('a live day in overlapping parts', () => {
  // The journal grows in two files; the second pass's part overlaps the first's in time (a second
  // writer appending events of the same minutes), so readers must merge parts, not append them.
  let root: string;
  let parts: NodeEventSource;
  let partsServed: ServedPage;
  let partsPage: Page;
  let manifest: Manifest;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'helios-replay-parts-'));
    const dir = join(root, 'journal', `station=${fx.day.station_id}`, `date=${fx.day.date}`);
    await mkdir(dir, { recursive: true });
    const split = Date.parse(fx.events[0]!.ts_ingest_utc) + 70 * 60_000;
    const first = fx.events.filter((e, i) => Date.parse(e.ts_ingest_utc) < split && i % 7 !== 3);
    const second = fx.events.filter((e) => !first.includes(e));
    await writeFile(join(dir, 'a.ndjson'), first.map((e) => JSON.stringify(e) + '\n').join(''));
    await compactDay({ dataRoot: root, station: fx.day.station_id, date: fx.day.date, tailMode: 'pending', threads: 0 });
    await writeFile(join(dir, 'b.ndjson'), second.map((e) => JSON.stringify(e) + '\n').join(''));
    manifest = (await compactDay({ dataRoot: root, station: fx.day.station_id, date: fx.day.date, tailMode: 'pending', threads: 0 })).manifest;
    parts = await openNodeEventSource(root, fx.day);
    partsServed = await servePage(root);
    partsPage = await openTestPage(browser, partsServed.url);
  }, 120_000);

  afterAll(async () => {
    await partsPage?.close();
    await partsServed?.close();
    await parts?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reads every part of the manifest’s generation: the same events and seeks as the Node source and the journal', { timeout: 120_000 }, async () => {
    expect(manifest.channels.l2_snap_1s!.parts.map((p) => p.part)).toEqual([0, 1]);
    const l2 = manifest.channels.l2_snap_1s!;
    expect(l2.row_groups.filter((g) => g.part === 1)[0]!.min_ts < l2.row_groups.filter((g) => g.part === 0).at(-1)!.max_ts).toBe(true);
    const { info } = await call(partsPage, 'open', fx.day, {});
    expect(info).toEqual(await parts.initialize());
    const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
    for (const t0 of [Date.parse(metar.ts_ingest_utc) - 20_000, info.start_ms + 65 * 60_000]) {
      const t1 = t0 + 10 * 60_000;
      const [b, n] = await Promise.all([call(partsPage, 'fetch', t0, t1), parts.fetchEvents(t0, t1)]);
      expect(b).toEqual(n);
      expect(n).toEqual(replayOrder(fx.events.filter((e) => Date.parse(e.ts_ingest_utc) >= t0 && Date.parse(e.ts_ingest_utc) < t1)));
    }
    for (const t of [info.start_ms + 30 * 60_000 + 321, info.start_ms + 69 * 60_000, info.end_ms - 1000]) {
      const [b, n] = await Promise.all([call(partsPage, 'backfill', t), parts.backfill(t)]);
      expect(b).toEqual(n);
    }
    const [bc, nc] = await Promise.all([call(partsPage, 'correlation', metar.correlation_id), parts.eventsByCorrelation(metar.correlation_id)]);
    expect(bc).toEqual(nc);
    const { progress } = await call(partsPage, 'loadHistory');
    expect(progress.loadedRows).toBe(progress.totalRows);
  });
});
