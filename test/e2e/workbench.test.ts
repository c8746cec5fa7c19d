/**
 * The analyst's workbench end to end (issue #11), as a user drives it in Chromium against
 * `npm run web` on a generated day, every figure checked against the day's Parquet read by native
 * DuckDB: the layout at 1280×720 and 1600×1000, a time-zone switch, the settlement view, market vs
 * nowcast, steps by event, a selected range (export, SQL), honest SQL over 500k rows and several
 * days, the correlation table, the moment in the URL, and damaged parts and manifests.
 */
import { cp, mkdtemp, readFile, readdir, rm, truncate, writeFile, open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OrderBook, bookMetrics } from '../../src/shared/book';
import type { Manifest } from '../../src/shared/manifest';
import { DataRoot } from '../../src/services/data-root';
import { ensureDemoData } from '../../src/services/demo';
import { ensureRendererBuilt } from '../../src/services/web/renderer-build';
import { bucketOfTemp } from '../../src/renderer/src/settlement';
import { attr, chromiumMissing, collectPageErrors, launchChromium, openParquet, startWeb, waitForAttr, type WebProcess } from './harness';

const DAY = { station_id: 'KLGA', date: '2026-01-29' };
const OTHER_DAY = { station_id: 'KLGA', date: '2026-01-28' };
// 12:30–13:15 New York: one METAR (12:51) with its window, shocks; 6 tokens.
const HOURS: [number, number] = [12.5, 13.25];
const missing = chromiumMissing();

let root: string;
let web: WebProcess;
let browser: Browser;
let manifest: Manifest;
let duck: Awaited<ReturnType<typeof openParquet>>;
const dayDir = (r: string, day = DAY) => join(r, 'parquet', `station=${day.station_id}`, `date=${day.date}`);
const files = (ch: string, r = root, day = DAY) => `'${join(dayDir(r, day), `ch=${ch}`, '*.parquet')}'`;
const every = (r = root) => `read_parquet([${Object.keys(manifest.channels).map((ch) => files(ch, r)).join(', ')}], union_by_name = true)`;
const clockMs = async (page: Page) => Number(await attr(page, 'clock', 'data-ms'));
const hhmm = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

async function openDay(page: Page, url: string, day = DAY): Promise<void> {
  await page.goto(url);
  await page.getByTestId(`open-day-${day.station_id}-${day.date}`).click();
  await page.getByTestId('day-picker').waitFor({ state: 'detached', timeout: 30_000 });
  await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' });
  await waitForAttr(page, 'history-progress', 'data-done', { eq: 'true' }, 60_000);
}

/** Every header control and the timeline inside the window and not covered by anything. */
async function expectReachable(page: Page): Promise<void> {
  const blocked = await page.evaluate(() => {
    const out: string[] = [];
    const check = (el: Element, name: string) => {
      const r = el.getBoundingClientRect();
      if (!el.checkVisibility() || r.width === 0 || r.height === 0) return; // e.g. inside a closed menu
      const inside = r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!inside || !hit || !el.contains(hit)) out.push(`${name} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`);
    };
    const controls = [...document.querySelectorAll('[data-testid="header"] :is(button, select, summary)')];
    controls.forEach((el, i) => check(el, (el as HTMLElement).dataset.testid ?? el.textContent ?? `control ${i}`));
    for (const id of ['timeline', 'timeline-overview', 'zoom-in', 'status-bar']) check(document.querySelector(`[data-testid="${id}"]`)!, id);
    if (document.documentElement.scrollWidth > innerWidth) out.push(`the page is ${document.documentElement.scrollWidth}px wide`);
    return { out, controls: controls.length };
  });
  expect(blocked.controls).toBeGreaterThanOrEqual(28);
  expect(blocked.out).toEqual([]);
  // the timeline's last pixel is the day's end: a click there lands on the last moment
  const { start, end } = { start: Number(await attr(page, 'timeline', 'data-from')), end: Number(await attr(page, 'timeline', 'data-to')) };
  const box = (await page.getByTestId('timeline').boundingBox())!;
  await page.getByTestId('timeline').click({ position: { x: box.width - 1, y: box.height / 2 } });
  await waitForAttr(page, 'clock', 'data-ms', { gt: end - (end - start) * 0.002 });
  await page.getByTestId('timeline').click({ position: { x: 1, y: box.height / 2 } });
  await waitForAttr(page, 'clock', 'data-ms', { lt: start + (end - start) * 0.002 });
  // every panel can be brought into view (the right column scrolls)
  for (const id of ['depth', 'price', 'probability', 'nowcast', 'world', 'inputs', 'health']) {
    const head = page.getByTestId(`panel-${id}`).locator('.panel-head');
    await head.scrollIntoViewIfNeeded();
    const r = (await head.boundingBox())!;
    expect(r.y, `panel ${id}`).toBeGreaterThanOrEqual(0);
    expect(r.y + r.height, `panel ${id}`).toBeLessThanOrEqual(page.viewportSize()!.height);
    expect(r.x + r.width, `panel ${id}`).toBeLessThanOrEqual(page.viewportSize()!.width + 1);
  }
}

describe.skipIf(missing)('the analyst’s workbench (npm run web)', () => {
  beforeAll(async () => {
    console.log(await ensureRendererBuilt());
    root = await mkdtemp(join(tmpdir(), 'helios-workbench-'));
    await ensureDemoData(root, { date: DAY.date, hours: HOURS, tokens: 6 });
    await ensureDemoData(root, { date: OTHER_DAY.date, hours: [12.9, 13], tokens: 6, force: true });
    manifest = await new DataRoot(root).readManifest(DAY);
    duck = await openParquet();
    web = await startWeb(root, ['--no-live']);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    duck?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  describe('at 1280×720, then 1600×1000', () => {
    let page: Page;
    let errors: string[];
    beforeAll(async () => {
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      errors = collectPageErrors(page);
      await openDay(page, web.url);
    }, 90_000);
    afterAll(() => page?.close());

    test('every header control, the whole timeline and every panel are within reach', async () => {
      await expectReachable(page);
    }, 30_000);

    test('a time-zone switch changes every axis at once', async () => {
      await page.keyboard.press('m'); // a moment with data on every chart
      await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' });
      await page.waitForTimeout(500);
      const ticks = async (id: string) => page.getByTestId(id).evaluateAll((els) => els.map((e) => ({ ms: Number(e.getAttribute('data-ms')), label: e.textContent })));
      const priceAxis = async () => page.getByTestId('price-chart').screenshot().then((png) => png.toString('base64'));
      const before = { timeline: await ticks('timeline-tick'), probability: await ticks('probability-tick'), nowcast: await ticks('nowcast-tick'), price: await priceAxis() };
      for (const list of [before.timeline, before.probability, before.nowcast]) {
        expect(list.length).toBeGreaterThan(2);
        for (const t of list) expect(t.label).toBe(hhmm(t.ms, 'America/New_York'));
      }
      await page.getByTestId('zone-utc').click();
      await page.waitForTimeout(300);
      for (const id of ['timeline-tick', 'probability-tick', 'nowcast-tick']) {
        const after = await ticks(id);
        expect(after.length, id).toBeGreaterThan(2);
        for (const t of after) expect(t.label, id).toBe(hhmm(t.ms, 'UTC'));
      }
      expect(await page.getByTestId('clock').textContent()).toContain('UTC+00:00');
      expect(await attr(page, 'price-chart', 'data-zone')).toBe('utc');
      expect(await priceAxis()).not.toBe(before.price); // the price chart's time axis was redrawn
      const chart = (await page.getByTestId('price-chart').boundingBox())!;
      await page.mouse.move(chart.x + chart.width * 0.5, chart.y + chart.height * 0.5);
      await expect.poll(() => page.getByTestId('price-readout').textContent()).toContain('UTC');
      expect(await page.getByTestId('peak-time-title').textContent()).toBe('Peak time (UTC)');
      await page.getByTestId('zone-madrid').click();
      await page.waitForTimeout(300);
      for (const t of await ticks('timeline-tick')) expect(t.label).toBe(hhmm(t.ms, 'Europe/Madrid'));
      await page.getByTestId('zone-nyc').click();
      await page.mouse.move(1, 1);
    }, 30_000);

    test('the price chart: "whole day" frames the day, prices print the tick’s precision, other buckets overlay, one legend name per marker kind', async () => {
      // the cursor line stands on the cursor's bar: the readout there says that bar's time
      const step = Number(await attr(page, 'price-chart', 'data-step')) * 1000;
      const bar = Math.floor((await clockMs(page)) / step) * step;
      const line = (await page.getByTestId('price-cursor').boundingBox())!;
      await page.mouse.move(line.x + line.width / 2, line.y + 40);
      const hms = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(bar);
      await expect.poll(() => page.getByTestId('price-readout').locator('.strong').textContent()).toBe(`${hms} NYC`);
      await page.mouse.move(1, 1);
      const start = Number(await attr(page, 'timeline', 'data-from'));
      const end = Number(await attr(page, 'timeline', 'data-to'));
      await page.getByTestId('price-fit').click();
      await expect.poll(async () => Number(await attr(page, 'price-chart', 'data-visible-from'))).toBeLessThanOrEqual(start + 10_000);
      expect(Number(await attr(page, 'price-chart', 'data-visible-to'))).toBeGreaterThanOrEqual(end - 10_000);
      expect(await attr(page, 'price-chart', 'data-precision')).toBe('3'); // the simulator's books tick by 0.01
      const selected = (await attr(page, 'price-chart', 'data-token'))!;
      const overlay = manifest.tokens.find((tk) => tk.token_id !== selected)!.token_id;
      await page.getByTestId('price-overlays').locator('summary').click();
      await page.getByTestId(`overlay-${overlay}`).check();
      await page.getByTestId('price-overlays').locator('summary').click();
      expect(await attr(page, 'price-chart', 'data-overlays')).toBe(overlay);
      const names = await page.getByTestId('timeline-legend').locator('span').allTextContents();
      expect(new Set(names.map((n) => n.trim().toLowerCase())).size).toBe(names.length);
      expect(names.map((n) => n.trim())).toEqual(['METAR window', 'QC window', 'shock window', 'spread window', 'depth window', 'METAR', 'shock', 'gap', 'resync', 'loaded']);
    }, 20_000);

    test('the settlement view: max so far and its bucket as of the cursor; rules not recorded, the manifest’s buckets instead', async () => {
      const t = await clockMs(page);
      const [{ max }] = (await duck.rows(`SELECT max(judge_aligned_temp)::INTEGER AS max FROM read_parquet(${files('metar_obs')}) WHERE epoch_us(ts_ingest_utc) < ${(t + 1) * 1000}`)) as [{ max: number }];
      expect(Number(await attr(page, 'max-so-far', 'data-temp'))).toBe(max);
      const labels = manifest.tokens.map((tk) => tk.bucket!);
      expect(await page.getByTestId('max-bucket').textContent()).toBe(bucketOfTemp(max, labels));
      await page.getByTestId('open-rules').click();
      await page.getByTestId('rules-not-recorded').waitFor();
      const text = await page.getByTestId('rules-dialog').textContent();
      for (const label of labels) expect(text).toContain(label);
      await page.getByTestId('rules-dialog').getByText('Close').click();
    }, 20_000);

    test('market vs nowcast: the normalized mids and the nowcast of the same instant, as DuckDB reads the day', async () => {
      await page.keyboard.press('Shift+ArrowRight'); // 10 s into the METAR's window: deltas applied
      await page.waitForTimeout(600);
      const t = await clockMs(page);
      const shown = await page.getByTestId('probability-row').evaluateAll((els) =>
        els.map((e) => ({ token: e.getAttribute('data-token')!, bucket: e.getAttribute('data-bucket')!, mid: e.getAttribute('data-mid'), market: e.getAttribute('data-market'), nowcast: e.getAttribute('data-nowcast') })),
      );
      expect(shown.map((r) => r.token)).toEqual(manifest.tokens.map((tk) => tk.token_id));
      // ground truth: each token's latest snapshot ≤ t with the window's deltas up to t applied
      const until = (t + 1) * 1000;
      const mids: number[] = [];
      for (const { token_id } of manifest.tokens) {
        const [snap] = await duck.rows(
          `SELECT bids, asks, epoch_us(ts_ingest_utc) AS us FROM read_parquet(${files('l2_snap_1s')}) WHERE token_id = '${token_id}' AND epoch_us(ts_ingest_utc) < ${until} ORDER BY ts_ingest_utc DESC, event_id DESC LIMIT 1`,
        );
        const mirror = new OrderBook();
        mirror.reset(snap!.bids as { p: number; s: number }[], snap!.asks as { p: number; s: number }[]);
        for (const d of await duck.rows(
          `SELECT side, p, s FROM read_parquet(${files('l2_deltas')}) WHERE token_id = '${token_id}' AND epoch_us(ts_ingest_utc) > ${snap!.us} AND epoch_us(ts_ingest_utc) < ${until} ORDER BY ts_ingest_utc, event_id`,
        ))
          mirror.apply(d.side as 'bid' | 'ask', Number(d.p), Number(d.s));
        const top = mirror.top(20);
        mids.push(bookMetrics(top.bids, top.asks).mid!);
      }
      const sum = mids.reduce((a, b) => a + b, 0);
      const [latest] = await duck.rows(`SELECT p_bucket FROM read_parquet(${files('nowcast_1m')}) WHERE epoch_us(ts_ingest_utc) < ${until} ORDER BY ts_ingest_utc DESC LIMIT 1`);
      const model = new Map((latest!.p_bucket as { bucket: string; p: number }[]).map((b) => [b.bucket, b.p]));
      expect(Number(await attr(page, 'probability-raw-sum', 'data-value'))).toBeCloseTo(sum, 12);
      shown.forEach((row, i) => {
        expect(Number(row.mid), row.bucket).toBeCloseTo(mids[i]!, 12);
        expect(Number(row.market), row.bucket).toBeCloseTo(mids[i]! / sum, 12);
        expect(Number(row.nowcast), row.bucket).toBe(model.get(row.bucket));
      });
      expect(shown.reduce((n, r) => n + Number(r.market), 0)).toBeCloseTo(1, 12);
      // and the chart has the day: one sample per 10 s bucket at most, every nowcast in view
      const [{ n }] = (await duck.rows(`SELECT count(*)::INTEGER AS n FROM read_parquet(${files('nowcast_1m')})`)) as [{ n: number }];
      expect(Number(await attr(page, 'probability-chart', 'data-nowcasts'))).toBe(n);
      expect(Number(await attr(page, 'probability-chart', 'data-points'))).toBeGreaterThan(100);
    }, 30_000);

    test('steps by event: the next and previous event of any channel, the next delta of the selected token', async () => {
      const t = await clockMs(page);
      const [next] = await duck.rows(`SELECT min(epoch_us(ts_ingest_utc)) AS us FROM ${every()} WHERE epoch_us(ts_ingest_utc) >= ${(t + 1) * 1000}`);
      await page.keyboard.press('.');
      const t1 = Number(await waitForAttr(page, 'clock', 'data-ms', { ne: String(t) }));
      expect(t1).toBe(Math.floor(Number(next!.us) / 1000));
      const [previous] = await duck.rows(`SELECT max(epoch_us(ts_ingest_utc)) AS us FROM ${every()} WHERE epoch_us(ts_ingest_utc) < ${t1 * 1000}`);
      await page.keyboard.press(',');
      const t2 = Number(await waitForAttr(page, 'clock', 'data-ms', { ne: String(t1) }));
      expect(t2).toBe(Math.floor(Number(previous!.us) / 1000));
      const token = (await attr(page, 'depth-ladder', 'data-token'))!;
      const [delta] = await duck.rows(`SELECT min(epoch_us(ts_ingest_utc)) AS us FROM read_parquet(${files('l2_deltas')}) WHERE token_id = '${token}' AND epoch_us(ts_ingest_utc) >= ${(t2 + 1) * 1000}`);
      await page.getByTestId('next-delta').click();
      if (delta!.us === null) return expect(await page.getByTestId('notice').textContent()).toContain('No next l2_deltas event');
      expect(Number(await waitForAttr(page, 'clock', 'data-ms', { ne: String(t2) }))).toBe(Math.floor(Number(delta!.us) / 1000));
    }, 20_000);

    test('a selected range exports every channel as Parquet and its snapshots as CSV, and opens in SQL', async () => {
      await page.keyboard.press('i');
      for (let i = 0; i < 6; i++) await page.keyboard.press('Shift+ArrowRight');
      await page.waitForTimeout(800);
      await page.keyboard.press('o');
      const from = Number(await attr(page, 'selection', 'data-from'));
      const to = Number(await attr(page, 'selection', 'data-to'));
      expect(to - from).toBeGreaterThan(50_000);
      await page.getByTestId('selection-export').click();
      const notice = page.getByTestId('notice').filter({ hasText: 'Range saved to' });
      await notice.waitFor({ timeout: 30_000 });
      const folder = /Range saved to (\S+)/.exec((await notice.textContent())!)![1]!;
      expect(folder.startsWith(join(root, 'exports'))).toBe(true);
      const written = await readdir(folder);
      const range = `epoch_us(ts_ingest_utc) >= ${from * 1000} AND epoch_us(ts_ingest_utc) < ${to * 1000}`;
      let channelsWithRows = 0;
      for (const ch of Object.keys(manifest.channels)) {
        const [{ n }] = (await duck.rows(`SELECT count(*)::INTEGER AS n FROM read_parquet(${files(ch)}) WHERE ${range}`)) as [{ n: number }];
        if (n === 0) {
          expect(written, ch).not.toContain(`${ch}.parquet`);
          continue;
        }
        channelsWithRows++;
        const [{ m }] = (await duck.rows(`SELECT count(*)::INTEGER AS m FROM read_parquet('${join(folder, `${ch}.parquet`)}') WHERE ${range}`)) as [{ m: number }];
        expect([ch, m]).toEqual([ch, n]);
      }
      expect(channelsWithRows).toBeGreaterThanOrEqual(6);
      const csv = (await readFile(join(folder, 'l2_snap_1s.csv'), 'utf8')).trimEnd().split('\n');
      const [{ snaps }] = (await duck.rows(`SELECT count(*)::INTEGER AS snaps FROM read_parquet(${files('l2_snap_1s')}) WHERE ${range}`)) as [{ snaps: number }];
      expect(csv[0]!.split(',').slice(0, 3)).toEqual(['ts_ingest_utc', 'token_id', 'bucket']);
      expect(csv).toHaveLength(snaps + 1);
      // played in a loop (at 60×: the range goes by in about a second)
      await page.keyboard.press('4');
      await page.getByTestId('selection-loop').click();
      const seen: number[] = [];
      for (let i = 0; i < 25; i++) {
        seen.push(await clockMs(page));
        await page.waitForTimeout(120);
      }
      await page.keyboard.press(' ');
      await page.getByTestId('selection-loop').click();
      await page.keyboard.press('1');
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(from);
      // one frame may pass the end before the jump back: at 60×, up to 6 s of the day (100 ms frames)
      expect(Math.max(...seen)).toBeLessThan(to + 6500);
      expect(seen.some((t, i) => i > 0 && t < seen[i - 1]!)).toBe(true); // it went round
      // the same range in the SQL console
      await page.getByTestId('selection-sql').click();
      await page.getByTestId('sql-run').click();
      expect(Number(await waitForAttr(page, 'sql-row-count', 'data-rows', { ne: null }, 30_000))).toBe(snaps);
      await page.getByTestId('selection-clear').click();
    }, 60_000);

    test('SQL: exact counts, paging through all of a 500,000-row result, l2_deltas on first use, several days, a result saved', async () => {
      const run = async (sql: string) => {
        const before = await attr(page, 'sql-row-count', 'data-rows').catch(() => null);
        await page.getByTestId('sql-input').fill(sql);
        await page.getByTestId('sql-run').click();
        await page.waitForFunction(
          ({ previous }) => {
            const el = document.querySelector('[data-testid="sql-row-count"]');
            const button = document.querySelector('[data-testid="sql-run"]') as HTMLButtonElement | null;
            return !!el && !button?.disabled && (el.getAttribute('data-rows') !== previous || el.closest('section')?.querySelector('[role="alert"]'));
          },
          { previous: before },
          { timeout: 60_000, polling: 100 },
        );
      };
      const firstCell = () => page.getByTestId('sql-result').locator('tbody tr').first().locator('td').first().textContent();
      const lastCell = () => page.getByTestId('sql-result').locator('tbody tr').last().locator('td').first().textContent();
      await run('SELECT i, i * 2 AS twice FROM range(500000) t(i) ORDER BY i');
      expect(await attr(page, 'sql-row-count', 'data-rows')).toBe('500000');
      expect(await page.getByTestId('sql-row-count').textContent()).toContain('500,000 rows');
      expect(await page.getByTestId('sql-page').textContent()).toBe('rows 1–200');
      await page.getByTestId('sql-next').click();
      expect(await firstCell()).toBe('200');
      await page.getByTestId('sql-last').click();
      expect(await page.getByTestId('sql-page').textContent()).toBe('rows 499,801–500,000');
      expect(await lastCell()).toBe('499999');
      expect(await page.getByTestId('sql-next').isDisabled()).toBe(true);
      await page.getByTestId('sql-page-input').fill('1250');
      expect(await firstCell()).toBe('249800');
      // save the whole result
      await page.getByTestId('sql-save-csv').click();
      const saved = page.getByTestId('notice').filter({ hasText: 'Query result saved to' });
      await saved.waitFor({ timeout: 30_000 });
      const csv = await readFile(/saved to (\S+)/.exec((await saved.textContent())!)![1]!, 'utf8');
      const lines = csv.trimEnd().split('\n');
      expect(lines).toHaveLength(500_001);
      expect(lines.at(-1)).toBe('499999,999998');
      // l2_deltas, loaded the first time a query names it
      await run('SELECT count(*) AS n FROM l2_deltas');
      const [{ n }] = (await duck.rows(`SELECT count(*)::INTEGER AS n FROM read_parquet(${files('l2_deltas')})`)) as [{ n: number }];
      expect(Number(await firstCell())).toBe(n);
      // two days at once, each row saying which
      await page.getByTestId('sql-days').locator('summary').click();
      await page.getByTestId(`sql-day-${OTHER_DAY.station_id}-${OTHER_DAY.date}`).check();
      await page.getByTestId('sql-days').locator('summary').click();
      await run(`SELECT date::VARCHAR AS d, count(*) AS n FROM nowcast_1m GROUP BY ALL ORDER BY d`);
      const got = await page.getByTestId('sql-result').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      const truth = [];
      for (const day of [OTHER_DAY, DAY]) {
        const [{ c }] = (await duck.rows(`SELECT count(*)::INTEGER AS c FROM read_parquet(${files('nowcast_1m', root, day)})`)) as [{ c: number }];
        truth.push([day.date, String(c)]);
      }
      expect(got).toEqual(truth);
      await page.getByTestId('toggle-sql').click();
    }, 120_000);

    test('the correlation table lists every event with the id; each row is a jump', async () => {
      await page.keyboard.press('m');
      await page.keyboard.press('m'); // back to a METAR: the inputs panel names its story
      await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' });
      const link = page.getByTestId('cursor-correlation-id');
      const id = (await link.getAttribute('data-correlation'))!;
      await link.click();
      await page.getByTestId('correlation-row').first().waitFor({ timeout: 20_000 });
      const [truth] = await duck.rows(`SELECT count(*)::INTEGER AS n, min(epoch_us(ts_ingest_utc)) AS first, max(epoch_us(ts_ingest_utc)) AS last FROM ${every()} WHERE correlation_id = '${id}'`);
      expect(Number(truth!.n)).toBeGreaterThan(3);
      expect(Number(await attr(page, 'correlation-events', 'data-rows'))).toBe(truth!.n);
      const ms = (us: unknown) => Math.floor(Number(us) / 1000);
      expect(Math.floor(Date.parse((await page.getByTestId('correlation-row').first().getAttribute('data-ts'))!))).toBe(ms(truth!.first));
      // the last row: scrolled to, clicked, the cursor goes there; ◀ steps back to the one before
      await page.getByTestId('correlation-events').evaluate((table) => table.parentElement!.scrollTo({ top: table.scrollHeight }));
      const lastRow = page.locator(`[data-testid="correlation-row"][data-index="${Number(truth!.n) - 1}"]`);
      const lastTs = Math.floor(Date.parse((await lastRow.getAttribute('data-ts'))!));
      expect(lastTs).toBe(ms(truth!.last));
      await lastRow.click();
      await waitForAttr(page, 'clock', 'data-ms', { eq: String(lastTs) });
      expect(await page.getByTestId('correlation-position').textContent()).toBe(`${truth!.n}/${truth!.n}`);
      const previousTs = Math.floor(Date.parse((await page.locator(`[data-testid="correlation-row"][data-index="${Number(truth!.n) - 2}"]`).getAttribute('data-ts'))!));
      await page.getByTestId('correlation-prev').click();
      await waitForAttr(page, 'clock', 'data-ms', { eq: String(previousTs) });
      await page.getByTestId('correlation-close').click();
    }, 30_000);

    test('the day and the cursor live in the URL: a reload comes back to the same moment, and a copied link opens there', async () => {
      const t = await clockMs(page);
      await expect.poll(() => page.url()).toContain(`?day=${DAY.station_id}/${DAY.date}&t=${new Date(t).toISOString()}`);
      await page.getByTestId('copy-link').click();
      const link = /(http:\S+)/.exec((await page.getByTestId('notice').filter({ hasText: 'http' }).textContent())!)![1]!;
      expect(link).toBe(`${web.url}?day=${DAY.station_id}/${DAY.date}&t=${new Date(t).toISOString()}`);
      await page.reload();
      await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' }, 30_000);
      expect(await clockMs(page)).toBe(t);
      const other = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await other.goto(link);
      await waitForAttr(other, 'presence', 'data-presence', { eq: 'PRESENT' }, 30_000);
      expect(await clockMs(other)).toBe(t);
      await other.close();
      // pasted into the day picker (what the desktop app, whose address is its own, offers)
      await page.getByTestId('step-back').click();
      await waitForAttr(page, 'clock', 'data-ms', { ne: String(t) });
      await page.getByTestId('open-day').click();
      await page.getByTestId('link-input').fill('not a link');
      await page.getByTestId('go-to-link').getByRole('button', { name: 'Go' }).click();
      await page.getByTestId('link-error').waitFor();
      await page.getByTestId('link-input').fill(link.replace(web.url, 'app://helios/index.html'));
      await page.getByTestId('go-to-link').getByRole('button', { name: 'Go' }).click();
      await waitForAttr(page, 'clock', 'data-ms', { eq: String(t) }, 30_000);
    }, 60_000);

    test('panels hide and resize, and the layout is remembered', async () => {
      const depth = async () => (await page.getByTestId('panel-depth').boundingBox())!.width;
      const before = await depth();
      const splitter = (await page.getByTestId('splitter-resize-the-depth-column').boundingBox())!;
      await page.mouse.move(splitter.x + 3, splitter.y + 200);
      await page.mouse.down();
      await page.mouse.move(splitter.x + 63, splitter.y + 200, { steps: 4 });
      await page.mouse.up();
      expect(await depth()).toBeCloseTo(before + 60, -1);
      await page.getByTestId('panels-menu').locator('summary').click();
      await page.getByTestId('panel-toggle-nowcast').uncheck();
      await page.getByTestId('panels-menu').locator('summary').click();
      expect(await page.getByTestId('panel-nowcast').count()).toBe(0);
      await page.reload();
      await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' }, 30_000);
      expect(await page.getByTestId('panel-nowcast').count()).toBe(0);
      expect(await depth()).toBeCloseTo(before + 60, -1);
      await page.getByTestId('panels-menu').locator('summary').click();
      await page.getByTestId('reset-layout').click();
      await page.getByTestId('panels-menu').locator('summary').click();
      await page.getByTestId('panel-nowcast').waitFor();
    }, 60_000);

    test('at 1600×1000 too: every header control, the whole timeline and every panel are within reach', async () => {
      await page.setViewportSize({ width: 1600, height: 1000 });
      await page.waitForTimeout(300);
      await expectReachable(page);
    }, 30_000);

    test('no errors in the page', () => {
      expect(errors).toEqual([]);
    });
  });

  describe('damaged data', () => {
    let damagedRoot: string;
    let damagedWeb: WebProcess;
    let page: Page;
    beforeAll(async () => {
      damagedRoot = await mkdtemp(join(tmpdir(), 'helios-damaged-'));
      // verbatimSymlinks: a day is a relative link to its generation, and must stay one inside the copy
      await cp(join(root, 'parquet'), join(damagedRoot, 'parquet'), { recursive: true, verbatimSymlinks: true });
      await cp(join(root, 'journal'), join(damagedRoot, 'journal'), { recursive: true });
      damagedWeb = await startWeb(damagedRoot, ['--no-live']);
      page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    }, 60_000);
    afterAll(async () => {
      await page?.close();
      await damagedWeb?.stop();
      if (damagedRoot) await rm(damagedRoot, { recursive: true, force: true });
    });

    test('a truncated part and an overwritten one cost only their channels, named with file and reason; Re-compact fixes them', async () => {
      const part = (ch: string) => join(dayDir(damagedRoot), manifest.channels[ch as 'l2_snap_1s']!.parts[0]!.file);
      await truncate(part('features_1m'), 4000);
      const pws = await openFile(part('pws_cluster'), 'r+');
      const size = (await pws.stat()).size;
      await pws.write(Buffer.alloc(2048, 0x5a), 0, 2048, Math.floor(size / 3));
      await pws.close();
      await page.goto(damagedWeb.url);
      await page.getByTestId(`open-day-${DAY.station_id}-${DAY.date}`).click();
      await page.getByTestId('day-picker').waitFor({ state: 'detached', timeout: 30_000 });
      await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' });
      await page.getByTestId('damaged-channel').first().waitFor();
      await page.keyboard.press('m'); // a seek: reaches the PWS rows, whose pages no longer decode
      await expect.poll(() => page.getByTestId('damaged-channel').count(), { timeout: 20_000 }).toBe(2);
      const damaged = await page.getByTestId('damaged-channel').evaluateAll((els) => els.map((e) => ({ ch: e.getAttribute('data-ch'), file: e.getAttribute('data-file'), text: e.textContent })));
      expect(damaged.map((d) => [d.ch, d.file])).toEqual([
        ['features_1m', 'ch=features_1m/part-0000.parquet'],
        ['pws_cluster', 'ch=pws_cluster/part-0000.parquet'],
      ]);
      expect(damaged[0]!.text).toContain('shorter than');
      // the day plays on: books, METAR and nowcast are there
      await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' });
      expect(await page.getByTestId('depth-token-row').count()).toBe(6);
      await page.getByTestId('metar-raw').waitFor();
      await page.getByTestId('recompact-day').click();
      await page.getByTestId('damage-banner').waitFor({ state: 'detached', timeout: 60_000 });
      await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' }, 30_000);
      await page.getByTestId('pws-median').waitFor();
    }, 120_000);

    test('a damaged manifest: the day is listed as damaged with its file and reason, and re-compacting it opens it again', async () => {
      await writeFile(join(dayDir(damagedRoot), '_manifest.json'), '{"manifest_version": 1, "station_id": "KL');
      await page.getByTestId('open-day').click();
      const row = page.locator(`[data-testid="day-row"][data-day="${DAY.station_id}/${DAY.date}"]`);
      await expect.poll(() => row.getAttribute('data-damaged'), { timeout: 20_000 }).toBe('true');
      expect(await row.getByTestId('day-damage').textContent()).toMatch(/^damaged: parquet\/station=KLGA\/date=2026-01-29\/_manifest\.json: .*JSON/);
      // it is the day on screen: once compacted again it reopens at the same moment
      await page.getByTestId(`recompact-${DAY.station_id}-${DAY.date}`).click();
      await page.getByTestId('day-picker').waitFor({ state: 'detached', timeout: 60_000 });
      await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' }, 30_000);
      expect(await page.getByTestId('depth-token-row').count()).toBe(6);
    }, 120_000);
  });
});
