/**
 * `npm run screenshots [-- --data DIR]`: regenerates docs/screenshots/*.png of the analyst UI —
 * the main screen replaying a day, paused on a METAR; the settlement view (max so far on the World
 * panel and on the price chart); the market-vs-nowcast panel with its readout; the SQL console;
 * and the same screen in LIVE mode. Runs the real `npm run web` stack in-process against a
 * generated day (or the given data root) and drives Debian's Chromium with playwright-core.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { DataRoot } from '../src/services/data-root';
import { ensureDemoData } from '../src/services/demo';
import { REPO_ROOT } from '../src/services/web/renderer-build';
import { runWeb } from '../src/services/web/run-web';

const OUT = join(REPO_ROOT, 'docs', 'screenshots');
const VIEWPORT = { width: 1600, height: 960 };

async function waitForPresence(page: Page, text: string): Promise<void> {
  await page.waitForFunction((t) => document.querySelector('[data-testid="presence"]')?.textContent === t, text, { timeout: 60_000 });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' } } });
  const temp = values.data ? null : await mkdtemp(join(tmpdir(), 'helios-screens-'));
  const root = values.data ?? temp!;
  const log = (m: string) => console.log(`screenshots: ${m}`);
  if (temp) {
    log('generating a day (KLGA 2026-01-29, 10:30–14:30 New York)…');
    await ensureDemoData(root, { date: '2026-01-29', hours: [10.5, 14.5], onProgress: log });
  }
  const [day] = await new DataRoot(root).listDays();
  if (!day) throw new Error(`no compacted day under ${root}`);

  const web = await runWeb({ port: 0, dataRoot: root, live: true, demo: false, log });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(web.server.url);
    await mkdir(OUT, { recursive: true });

    await page.getByTestId(`open-day-${day.station_id}-${day.date}`).click();
    await page.getByTestId('day-picker').waitFor({ state: 'detached', timeout: 60_000 });
    await waitForPresence(page, 'READY');
    // the whole day loads in the background (charts over the day, SQL console): wait for it
    await page.waitForFunction(() => document.querySelector('[data-testid="history-progress"]')?.getAttribute('data-done') === 'true', null, { timeout: 120_000 });
    // Play a little at 60× so the charts have history, jump to the second METAR, let the market
    // react for ~15 s of day time at 10×, and pause there.
    await page.keyboard.press('4');
    await page.keyboard.press(' ');
    await page.waitForTimeout(4000);
    await page.keyboard.press('m');
    await page.keyboard.press('m');
    await page.keyboard.press('3');
    await page.waitForTimeout(1500);
    await page.keyboard.press(' ');
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(OUT, 'replay.png') });
    log(`wrote ${join(OUT, 'replay.png')}`);

    // The settlement view: the price chart with the max-so-far steps, and the World panel.
    const price = (await page.getByTestId('panel-price').boundingBox())!;
    const world = (await page.getByTestId('panel-world').boundingBox())!;
    const settlement = (await page.getByTestId('settlement').boundingBox())!;
    const clip = { x: price.x, y: price.y, width: world.x + world.width - price.x, height: Math.max(price.height, settlement.y + settlement.height + 150 - price.y) };
    await page.screenshot({ path: join(OUT, 'settlement.png'), clip });
    log(`wrote ${join(OUT, 'settlement.png')}`);

    // Market vs nowcast, with the readout of the numbers under the pointer.
    const chart = (await page.getByTestId('probability-chart').boundingBox())!;
    await page.mouse.move(chart.x + chart.width * 0.62, chart.y + chart.height * 0.5);
    await page.getByTestId('probability-readout').waitFor();
    await page.getByTestId('panel-probability').screenshot({ path: join(OUT, 'probability.png') });
    log(`wrote ${join(OUT, 'probability.png')}`);
    await page.mouse.move(1, 1);

    await page.getByTestId('toggle-sql').click();
    await page.getByTestId('sql-run').click();
    await page.getByTestId('sql-result').locator('tbody tr').first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(OUT, 'replay-sql.png') });
    log(`wrote ${join(OUT, 'replay-sql.png')}`);
    await page.getByTestId('toggle-sql').click();

    await page.getByTestId('mode-live').click();
    await waitForPresence(page, 'LIVE');
    // The simulator starts now: wait for its first model output (each minute) to be on screen.
    await page.getByTestId('nowcast-tmax').waitFor({ timeout: 90_000 });
    await page.waitForTimeout(20_000);
    await page.screenshot({ path: join(OUT, 'live.png') });
    log(`wrote ${join(OUT, 'live.png')}`);
  } finally {
    await browser.close();
    await web.stop();
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
