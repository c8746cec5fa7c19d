/**
 * The analyst UI end to end, as a user drives it: `npm run web` on a generated day (simulator →
 * recorder → compactor), Chromium via playwright-core. Every check compares what the page shows
 * with the day's Parquet read by native DuckDB.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OrderBook } from '../../src/shared/book';
import type { Manifest } from '../../src/shared/manifest';
import { loadSnapshot } from '../../src/shared/snapshot';
import { DataRoot } from '../../src/services/data-root';
import { ensureDemoData } from '../../src/services/demo';
import { ensureRendererBuilt } from '../../src/services/web/renderer-build';
import { attr, chromiumMissing, collectCspViolations, collectPageErrors, launchChromium, openParquet, startWeb, waitForAttr, type WebProcess } from './harness';

const DAY = { station_id: 'KLGA', date: '2026-01-29' };
// 11:45–13:15 New York: two METARs (11:51, 12:51), their windows, shocks; 6 tokens.
const HOURS: [number, number] = [11.75, 13.25];
const missing = chromiumMissing();

let root: string;
let web: WebProcess;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let cspViolations: () => Promise<string[]>;
let manifest: Manifest;
let parquet: Awaited<ReturnType<typeof openParquet>>;
const file = (ch: string) => `'${join(root, 'parquet', `station=${DAY.station_id}`, `date=${DAY.date}`, `ch=${ch}`, 'part-0000.parquet')}'`;
const clockMs = async () => Number(await attr(page, 'clock', 'data-ms'));

describe.skipIf(missing)('analyst UI in the browser (npm run web)', () => {
  beforeAll(async () => {
    console.log(await ensureRendererBuilt());
    // HELIOS_E2E_DATA keeps the generated day between runs (when iterating on the UI).
    root = process.env.HELIOS_E2E_DATA ?? (await mkdtemp(join(tmpdir(), 'helios-e2e-')));
    await ensureDemoData(root, { date: DAY.date, hours: HOURS, tokens: 6 });
    manifest = await new DataRoot(root).readManifest(DAY);
    parquet = await openParquet();
    web = await startWeb(root);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 960 } });
    pageErrors = collectPageErrors(page);
    cspViolations = await collectCspViolations(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    parquet?.close();
    if (root && !process.env.HELIOS_E2E_DATA) await rm(root, { recursive: true, force: true });
  });

  test('opens the day from the picker and shows its first moment', async () => {
    await page.goto(web.url);
    const row = page.getByTestId(`open-day-${DAY.station_id}-${DAY.date}`);
    await row.click();
    await page.getByTestId('day-picker').waitFor({ state: 'detached', timeout: 30_000 });
    await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' });
    expect(await page.getByTestId('open-day').textContent()).toContain(DAY.date);
    await page.getByTestId('depth-token-row').first().waitFor();
    expect(await page.getByTestId('depth-token-row').count()).toBe(6);
    expect(await page.getByTestId('marker').count()).toBe(manifest.markers.length);
  }, 60_000);

  test('tokens are named by their bucket, in the market’s bucket order, in every panel', async () => {
    const bucketOf = new Map(manifest.tokens.map((t) => [t.token_id, t.bucket]));
    expect(manifest.tokens).toHaveLength(6);
    expect(manifest.tokens.every((t) => t.bucket !== null)).toBe(true);
    // depth rows: the manifest's order, each labelled with its bucket
    const rows = await page.getByTestId('depth-token-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-token')!));
    expect(rows).toEqual(manifest.tokens.map((t) => t.token_id));
    expect(await page.getByTestId('depth-token-label').allTextContents()).toEqual(manifest.tokens.map((t) => t.bucket));
    // the ladder and the price chart name the selected token the same way
    const selected = (await attr(page, 'depth-ladder', 'data-token'))!;
    expect(await page.getByTestId('ladder-token-label').textContent()).toBe(bucketOf.get(selected));
    expect(await page.getByTestId('price-token-label').textContent()).toBe(bucketOf.get(selected));
    // picking another row renames both
    await page.getByTestId('depth-token-row').nth(1).click();
    await waitForAttr(page, 'depth-ladder', 'data-token', { eq: manifest.tokens[1]!.token_id });
    expect(await page.getByTestId('price-token-label').textContent()).toBe(manifest.tokens[1]!.bucket);
    // timeline markers about one token (shocks, gaps, resyncs) carry its bucket
    const tokenMarkers = await page.locator('[data-testid="marker"][data-token-label]').evaluateAll((els) =>
      els.map((e) => ({ kind: e.getAttribute('data-kind'), ts: e.getAttribute('data-ts'), label: e.getAttribute('data-token-label') })),
    );
    const expected = manifest.markers.filter((m) => m.token_id).map((m) => ({ kind: m.kind, ts: m.ts, label: bucketOf.get(m.token_id!) }));
    expect(expected.some((m) => m.kind === 'SHOCK')).toBe(true);
    expect(tokenMarkers).toEqual(expected);
  }, 30_000);

  test('after the first frame the whole day loads in the background: the charts span the day', async () => {
    const info = { start: Date.parse(manifest.channels.l2_snap_1s!.min_ts!), end: Date.parse(manifest.channels.l2_snap_1s!.max_ts!) };
    await waitForAttr(page, 'history-progress', 'data-done', { eq: 'true' }, 60_000);
    const step = Number(await waitForAttr(page, 'price-chart', 'data-step', { eq: '10' }));
    const first = Number(await attr(page, 'price-chart', 'data-first'));
    const last = Number(await attr(page, 'price-chart', 'data-last'));
    const points = Number(await attr(page, 'price-chart', 'data-points'));
    // the selected token's mid over the whole day, one point per 10 s bucket
    expect(first).toBeLessThanOrEqual(info.start);
    expect(last).toBeGreaterThan(info.end - step * 1000);
    const token = (await attr(page, 'price-chart', 'data-token'))!;
    const [{ buckets }] = (await parquet.rows(
      `SELECT count(DISTINCT epoch_ms(ts_ingest_utc) // ${step * 1000})::INTEGER AS buckets FROM read_parquet(${file('l2_snap_1s')}) WHERE token_id = '${token}'`,
    )) as [{ buckets: number }];
    expect(points).toBe(buckets);
    // and the nowcast's evolution has every nowcast of the day
    const [{ n }] = (await parquet.rows(`SELECT count(*)::INTEGER AS n FROM read_parquet(${file('nowcast_1m')})`)) as [{ n: number }];
    expect(Number(await attr(page, 'nowcast-evolution', 'data-points'))).toBe(n);
    expect(Number(await attr(page, 'nowcast-evolution', 'data-first'))).toBeLessThan(info.start + 60_000);
  }, 90_000);

  test('plays at 10×: the clock and the timeline cursor advance about ten times real time', async () => {
    await page.getByTestId('speed-10').click();
    const x0 = Number(await attr(page, 'timeline-cursor', 'data-x'));
    const t0 = await clockMs();
    const wall0 = Date.now();
    await page.getByTestId('play-toggle').click();
    await page.waitForTimeout(2000);
    const advanced = (await clockMs()) - t0;
    const wall = Date.now() - wall0;
    expect(advanced).toBeGreaterThan(wall * 10 * 0.3); // loose below: a loaded CI machine may buffer
    expect(advanced).toBeLessThan(wall * 10 * 1.5);
    expect(Number(await attr(page, 'timeline-cursor', 'data-x'))).toBeGreaterThan(x0);
    // the price chart follows: its cursor line is drawn inside the chart
    await expect.poll(() => page.getByTestId('price-cursor').isVisible()).toBe(true);
    const chart = (await page.getByTestId('panel-price').boundingBox())!;
    const line = (await page.getByTestId('price-cursor').boundingBox())!;
    expect(line.x).toBeGreaterThan(chart.x);
    expect(line.x).toBeLessThan(chart.x + chart.width);
  }, 30_000);

  let metar: { event_id: string; raw: string; correlation_id: string; ms: number };

  test('M jumps to the next METAR: the world panel shows it and the cursor is there', async () => {
    const before = await clockMs();
    const x0 = Number(await attr(page, 'timeline-cursor', 'data-x'));
    const next = manifest.markers.filter((m) => m.kind === 'METAR').find((m) => Date.parse(m.ts) > before + 2000)!;
    expect(next, 'a METAR after the cursor').toBeDefined();
    const [row] = await parquet.rows(
      `SELECT event_id, raw, correlation_id, epoch_ms(ts_ingest_utc) AS ms FROM read_parquet(${file('metar_obs')}) WHERE correlation_id = '${next.correlation_id}'`,
    );
    metar = { event_id: String(row!.event_id), raw: String(row!.raw), correlation_id: String(row!.correlation_id), ms: Number(row!.ms) };
    await page.keyboard.press('m');
    await waitForAttr(page, 'metar-raw', 'data-event-id', { eq: metar.event_id });
    expect(await page.getByTestId('metar-raw').textContent()).toBe(metar.raw);
    const cursor = Number(await waitForAttr(page, 'timeline-cursor', 'data-ms', { gt: metar.ms - 1 }));
    expect(cursor).toBeLessThan(metar.ms + 30_000); // still playing at 10×, a few seconds on at most
    expect(Number(await attr(page, 'timeline-cursor', 'data-x'))).toBeGreaterThan(x0);
    // the price chart follows: its cursor line is drawn inside the chart
    await expect.poll(() => page.getByTestId('price-cursor').isVisible()).toBe(true);
    const chart = (await page.getByTestId('panel-price').boundingBox())!;
    const line = (await page.getByTestId('price-cursor').boundingBox())!;
    expect(line.x).toBeGreaterThan(chart.x);
    expect(line.x).toBeLessThan(chart.x + chart.width);
    // the max so far reaches the cursor: while playing, its newest part is drawn over the chart
    await expect.poll(() => page.getByTestId('price-max-trail').isVisible(), { timeout: 10_000 }).toBe(true);
    const ends = await page.evaluate(() => ({
      trail: document.querySelector('[data-testid="price-max-trail"]')!.getBoundingClientRect().right,
      cursor: document.querySelector('[data-testid="price-cursor"]')!.getBoundingClientRect().left,
    }));
    expect(Math.abs(ends.trail - ends.cursor)).toBeLessThan(2);
  }, 30_000);

  let story: string;

  test('paused, the inputs panel names the story at the cursor (the open window’s, else the METAR’s)', async () => {
    await page.keyboard.press(' ');
    await waitForAttr(page, 'play-toggle', 'aria-label', { eq: 'Play' });
    // paused, the max so far is all the chart's own line
    await expect.poll(() => page.getByTestId('price-max-trail').isVisible()).toBe(false);
    const t = await clockMs();
    // Ground truth: the windows open at t, from the day's window records up to t.
    const records = await parquet.rows(
      `SELECT window_id, state, correlation_id, start_ts::VARCHAR AS start_ts FROM read_parquet(${file('event_windows')}) WHERE epoch_us(ts_ingest_utc) < ${(t + 1) * 1000} ORDER BY ts_ingest_utc, event_id`,
    );
    const open = new Map<string, { correlation_id: string; start_ts: string }>();
    for (const r of records) {
      if (r.state === 'open') open.set(String(r.window_id), { correlation_id: String(r.correlation_id), start_ts: String(r.start_ts) });
      else open.delete(String(r.window_id));
    }
    const latest = [...open.values()].sort((a, b) => a.start_ts.localeCompare(b.start_ts)).at(-1);
    story = latest?.correlation_id ?? metar.correlation_id;
    expect(latest, 'a METAR opens or extends a window, so one is open just after it').toBeDefined();
    expect((await page.getByTestId('cursor-correlation-id').textContent())!.trim()).toBe(story);
    expect(await attr(page, 'cursor-correlation-id', 'data-source')).toBe('window');
  }, 20_000);

  let exportedPath: string;

  test('Export writes a snapshot file with every event of that story and the state at the cursor', async () => {
    await page.getByTestId('export-snapshot').click();
    const notice = page.getByTestId('notice').filter({ hasText: 'Snapshot saved' });
    await notice.waitFor({ timeout: 15_000 });
    exportedPath = /Snapshot saved to (.+\.json)/.exec((await notice.textContent())!)![1]!;
    expect(exportedPath.startsWith(join(root, 'exports'))).toBe(true);
    const loaded = loadSnapshot(await readFile(exportedPath, 'utf8'));
    if (!loaded.ok) throw new Error(loaded.reason);
    const snap = loaded.snapshot.file;
    expect(snap.correlation_id).toBe(story);
    expect(snap.events.every((e) => e.correlation_id === story)).toBe(true);
    const [{ n }] = (await parquet.rows(
      `SELECT count(*)::INTEGER AS n FROM read_parquet([${Object.keys(manifest.channels).map(file).join(', ')}], union_by_name = true) WHERE correlation_id = '${story}'`,
    )) as [{ n: number }];
    expect(n).toBeGreaterThan(1);
    expect(snap.events).toHaveLength(n);
    expect(snap.state.metar?.event_id).toBe(metar.event_id);
    expect(snap.backfill.length).toBeGreaterThan(0);
    expect(Date.parse(snap.cursor_utc)).toBe(await clockMs());
  }, 30_000);

  test('the exported snapshot reopens and shows that moment again', async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('open-snapshot').click();
    await (await chooser).setFiles(exportedPath);
    await waitForAttr(page, 'presence', 'data-kind', { eq: 'snapshot' });
    await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' });
    expect(await page.getByTestId('presence').textContent()).toBe('SNAPSHOT');
    await waitForAttr(page, 'metar-raw', 'data-event-id', { eq: metar.event_id });
    expect((await page.getByTestId('cursor-correlation-id').textContent())!.trim()).toBe(story);
    // its story's events are listed, to step through one by one
    const loaded = loadSnapshot(await readFile(exportedPath, 'utf8'));
    if (!loaded.ok) throw new Error(loaded.reason);
    const events = loaded.snapshot.file.events;
    expect(Number(await waitForAttr(page, 'correlation-events', 'data-rows', { ne: null }))).toBe(events.length);
    expect(await page.getByTestId('correlation-event-json').textContent()).toContain(events[0]!.event_id);
    await page.getByTestId('correlation-next').click();
    expect(await page.getByTestId('correlation-event-json').textContent()).toContain(events[1]!.event_id);
    expect(await page.getByTestId('correlation-position').textContent()).toBe(`2/${events.length}`);
  }, 20_000);

  test('a seek on the timeline shows the book of that instant: best bid equals the Parquet’s', async () => {
    await page.getByTestId('mode-replay').click(); // back to the day
    await waitForAttr(page, 'presence', 'data-kind', { eq: 'replay' }, 30_000);
    await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' }, 30_000);
    await page.getByTestId('depth-best-bid').waitFor();
    const box = (await page.getByTestId('timeline').boundingBox())!;
    const before = await clockMs();
    await page.getByTestId('timeline').click({ position: { x: box.width * 0.72, y: box.height / 2 } });
    await waitForAttr(page, 'clock', 'data-ms', { ne: String(before) });
    await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' });
    await page.waitForTimeout(300); // let the backfill's frame land
    const t = await clockMs();
    const token = (await attr(page, 'depth-ladder', 'data-token'))!;
    const value = await attr(page, 'depth-best-bid', 'data-value');
    const shown = value === '' || value === null ? null : Number(value);
    expect(await clockMs()).toBe(t);

    // Ground truth: the token's latest snapshot at or before t, plus the window deltas up to t.
    const until = (t + 1) * 1000; // µs; "at or before t" = before t + 1 ms
    const [snap] = await parquet.rows(
      `SELECT bids, asks, epoch_us(ts_ingest_utc) AS us FROM read_parquet(${file('l2_snap_1s')}) WHERE token_id = '${token}' AND epoch_us(ts_ingest_utc) < ${until} ORDER BY ts_ingest_utc DESC, event_id DESC LIMIT 1`,
    );
    const mirror = new OrderBook();
    mirror.reset(snap!.bids as { p: number; s: number }[], snap!.asks as { p: number; s: number }[]);
    const deltas = manifest.channels.l2_deltas
      ? await parquet.rows(
          `SELECT side, p, s FROM read_parquet(${file('l2_deltas')}) WHERE token_id = '${token}' AND epoch_us(ts_ingest_utc) > ${snap!.us} AND epoch_us(ts_ingest_utc) < ${until} ORDER BY ts_ingest_utc, event_id`,
        )
      : [];
    for (const d of deltas) mirror.apply(d.side as 'bid' | 'ask', Number(d.p), Number(d.s));
    const expected = mirror.top(1).bids[0]?.p ?? null;
    expect({ t, token, best_bid: shown }).toEqual({ t, token, best_bid: expected });
  }, 60_000);

  test('the SQL console answers over the whole day (DuckDB-WASM) and names its tables', async () => {
    // the charts have the whole day already, without DuckDB-WASM: it starts when the console opens
    const duckdbWorkers = () => page.workers().filter((w) => w.url().includes('duckdb')).length;
    expect(duckdbWorkers()).toBe(0);
    await page.getByTestId('toggle-sql').click();
    await expect.poll(duckdbWorkers, { timeout: 10_000 }).toBe(1);
    const help = await page.getByTestId('sql-help').textContent();
    expect(help).toContain('l2_snap_1s (ts_ingest_utc, token_id, bucket, mid, microprice, best_bid, best_ask, book_ok; no level arrays)');
    for (const table of ['metar_obs', 'pws_cluster', 'features_1m', 'nowcast_1m', 'tape_trades', 'event_windows', 'book_events', 'health']) expect(help).toContain(table);
    const input = page.getByTestId('sql-input');
    await input.fill('SELECT token_id, bucket, count(*) AS n FROM l2_snap_1s GROUP BY ALL ORDER BY token_id');
    await page.getByTestId('sql-run').click();
    const rows = page.getByTestId('sql-result').locator('tbody tr');
    await rows.first().waitFor({ timeout: 20_000 });
    const got = (await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))) as string[][];
    // every snapshot of the day, not only the row groups around the cursor
    const truth = await parquet.rows(`SELECT token_id, bucket, count(*)::INTEGER AS n FROM read_parquet(${file('l2_snap_1s')}) GROUP BY ALL ORDER BY token_id`);
    expect(got).toEqual(truth.map((r) => [String(r.token_id), String(r.bucket), String(r.n)]));
    const shown = await page.getByTestId('depth-token-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-token')!).sort());
    expect(got.map((r) => r[0]).sort()).toEqual(shown);
    await page.getByTestId('toggle-sql').click();
  }, 30_000);

  test('Window sweep: the day through every trigger setting, sorted by captured share, with a scatter, a setting copied', async () => {
    await page.getByTestId('open-sweep').click();
    const rows = page.getByTestId('sweep-row');
    await rows.first().waitFor({ timeout: 60_000 });
    expect(await rows.count()).toBe(45);
    const shares = await page.getByTestId('sweep-table').locator('tbody tr td.strong.num').allTextContents();
    const values = shares.map((t) => Number(t.replace('%', '')));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(await page.locator('[data-testid="sweep-row"].current').count()).toBe(1);
    expect(await page.getByTestId('sweep-scatter').locator('circle').count()).toBe(45);
    expect(await page.getByTestId('sweep-summary').textContent()).toMatch(/finds \d+ of the \d+ recorded windows/);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await rows.first().getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/"triggers"|"windows"/);
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as { triggers?: Record<string, number>; windows?: Record<string, number> };
    expect(Object.keys({ ...copied.triggers, ...copied.windows }).length).toBeGreaterThan(0);
    await page.getByTestId('sweep-dialog').getByRole('button', { name: 'Close' }).click();
  }, 90_000);

  test('keys 1–5 set the speed; → and ← step one second', async () => {
    await page.keyboard.press('5');
    await waitForAttr(page, 'speed-600', 'aria-pressed', { eq: 'true' });
    await page.keyboard.press('1');
    await waitForAttr(page, 'speed-1', 'aria-pressed', { eq: 'true' });
    const t = await clockMs();
    await page.keyboard.press('ArrowRight');
    await waitForAttr(page, 'clock', 'data-ms', { eq: String(t + 1000) });
    await page.keyboard.press('ArrowLeft');
    await waitForAttr(page, 'clock', 'data-ms', { eq: String(t) });
  }, 20_000);

  test('600× playback reaches the store (and React) at most once per animation frame', async () => {
    await page.keyboard.press('5');
    const { updates, frames, advancedMs } = await page.evaluate(async () => {
      const h = (window as unknown as { __helios: { session: { subscribe(l: () => void): () => void; getState(): { clock: { current_ms: number } } }; controller: { play(): void; pause(): void } } }).__helios;
      let updates = 0;
      const unsubscribe = h.session.subscribe(() => updates++);
      let frames = 0;
      let running = true;
      const tick = () => {
        frames++;
        if (running) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const t0 = h.session.getState().clock.current_ms;
      h.controller.play();
      await new Promise((r) => setTimeout(r, 2000));
      running = false;
      h.controller.pause();
      unsubscribe();
      return { updates, frames, advancedMs: h.session.getState().clock.current_ms - t0 };
    });
    console.log(`600× for 2 s: ${(advancedMs / 60_000).toFixed(1)} min of the day, ${updates} store updates, ${frames} animation frames`);
    expect(advancedMs).toBeGreaterThan(5 * 60_000); // minutes of the day went by…
    expect(updates).toBeLessThanOrEqual(frames + 5); // …in at most one store update per frame
  }, 20_000);

  test('LIVE shows the simulator being recorded, through the same panels', async () => {
    await page.getByTestId('mode-live').click();
    await waitForAttr(page, 'presence', 'data-kind', { eq: 'live' });
    await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' }, 20_000);
    expect(await page.getByTestId('presence').textContent()).toBe('LIVE');
    await page.getByTestId('depth-token-row').first().waitFor({ timeout: 20_000 });
    const t0 = await clockMs();
    await waitForAttr(page, 'clock', 'data-ms', { gt: t0 + 1500 }, 15_000);
    expect(Math.abs((await clockMs()) - Date.now())).toBeLessThan(30_000);
  }, 60_000);

  test('no errors in the page, and no Content-Security-Policy violation', async () => {
    expect(pageErrors).toEqual([]);
    expect(await cspViolations()).toEqual([]);
  });
});
