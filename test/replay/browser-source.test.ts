/**
 * The browser data source (parquet-wasm + DuckDB-WASM in Chromium, under the app's CSP, assets
 * bundled locally) answers exactly what the Node source answers for the same Parquet files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openNodeEventSource, type NodeEventSource } from '../../src/services/replay/node-event-source';
import { makeDayFixture, type DayFixture } from './fixtures/day-fixture';
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

describe('browser event source (DuckDB-WASM + parquet-wasm in Chromium)', () => {
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
    // somewhere nothing is decoded yet: the seek reads just the rows it needs
    const far = Date.parse(fx.events.at(-1)!.ts_ingest_utc) - 25 * 60_000 + 123;
    const before = await call(page, 'stats');
    const [bf, nf] = await Promise.all([call(page, 'backfill', far), node.backfill(far)]);
    expect(bf).toEqual(nf);
    expect((await call(page, 'stats')).decodedGroups).toBe(before.decodedGroups);
    const [bc, nc] = await Promise.all([call(page, 'correlation', metar.correlation_id), node.eventsByCorrelation(metar.correlation_id)]);
    expect(bc.length).toBeGreaterThan(10);
    expect(bc).toEqual(nc);
  });

  it('seeks and shows the book of the Parquet at that time; the SQL console sees the loaded data', async () => {
    const t = Date.parse(fx.events.at(-1)!.ts_ingest_utc) - 600_000;
    await call(page, 'seek', t);
    const summary = await call(page, 'channelSummary');
    const snaps = fx.events.filter((e) => e.ch === 'l2_snap_1s' && Date.parse(e.ts_ingest_utc) <= t);
    const last = snaps.at(-1)!;
    expect(last.ch === 'l2_snap_1s' && summary.books[last.token_id!]!.best_bid).toBe(last.ch === 'l2_snap_1s' ? last.best_bid : null);
    const ranges = (await call(page, 'stats')).loadedRanges;
    expect(ranges.some(([a, b]) => a <= t && t < b)).toBe(true);
    const result = await call(page, 'query', 'SELECT count(*) AS n, max(ts_ingest_utc) AS last FROM l2_snap_1s');
    // (the console boots DuckDB-WASM on its first query)
    expect(result.columns).toEqual(['n', 'last']);
    const [n, lastTs] = result.rows[0] as [number, string];
    // only the row groups around the cursor are loaded, not the day
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(fx.manifest.channels.l2_snap_1s!.rows);
    expect(Date.parse(lastTs)).toBeGreaterThanOrEqual(t);
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
