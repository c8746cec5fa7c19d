/**
 * File ▸ Connect to Server… end to end: `npm run web` on an empty data root with no live recording,
 * a `helios serve` recording the simulator and holding a compacted day, and Chromium. After
 * connecting, the day picker lists the server's day, the day replays in the same panels (its
 * Parquet read by byte ranges from the server), LIVE is the server's, and the status bar says so.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runServe, type RunningServe } from '../../src/services/server/run-serve';
import { ensureRendererBuilt } from '../../src/services/web/renderer-build';
import { ensureDemoData } from '../../src/services/demo';
import { chromiumMissing, collectCspViolations, collectPageErrors, launchChromium, startWeb, waitForAttr, type WebProcess } from './harness';

const TOKEN = 'e2e-remote-token-0123456789';
const missing = chromiumMissing();

const DAY = { station_id: 'KLGA', date: '2026-01-29' };
let serverRoot: string;
let localRoot: string;
let serve: RunningServe;
let web: WebProcess;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let cspViolations: () => Promise<string[]>;

describe.skipIf(missing)('Connect to Server (npm run web → helios serve)', () => {
  beforeAll(async () => {
    console.log(await ensureRendererBuilt());
    serverRoot = await mkdtemp(join(tmpdir(), 'helios-e2e-server-'));
    await ensureDemoData(serverRoot, { date: DAY.date, hours: [12, 12.5], tokens: 6 });
    localRoot = await mkdtemp(join(tmpdir(), 'helios-e2e-local-'));
    serve = await runServe({ dataRoot: serverRoot, host: '127.0.0.1', port: 0, token: TOKEN, record: { kind: 'simulator' }, log: () => {} });
    web = await startWeb(localRoot, ['--no-live']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 960 } });
    pageErrors = collectPageErrors(page);
    cspViolations = await collectCspViolations(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await serve?.stop();
    for (const dir of [serverRoot, localRoot]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a wrong token is refused in the dialog, with the reason', async () => {
    await page.goto(web.url);
    await page.getByTestId('day-picker').getByRole('button', { name: 'Close' }).click();
    expect(await page.getByTestId('data-source').textContent()).toContain(localRoot);
    await page.getByTestId('data-source').click();
    await page.getByTestId('server-url').fill(serve.server.url);
    await page.getByTestId('server-token').fill('not-the-token');
    await page.getByTestId('connect-submit').click();
    expect(await page.getByTestId('connect-error').textContent()).toMatch(/refused the token/);
    pageErrors.length = 0; // the refused call's failed request, logged by Chromium: expected
  }, 60_000);

  test('connected, the day picker lists the server’s day and it replays in the same panels', async () => {
    await page.getByTestId('server-token').fill(TOKEN);
    await Promise.all([page.waitForEvent('load'), page.getByTestId('connect-submit').click()]);
    await page.getByTestId(`open-day-${DAY.station_id}-${DAY.date}`).click();
    await page.getByTestId('day-picker').waitFor({ state: 'detached', timeout: 30_000 });
    await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' });
    await page.getByTestId('depth-token-row').first().waitFor();
    expect(await page.getByTestId('depth-token-row').count()).toBe(6);
    expect(await page.getByTestId('data-source').textContent()).toBe(`server ${serve.server.url}`);
  }, 60_000);

  test('LIVE is the server’s recording', async () => {
    await page.getByTestId('mode-live').click();
    await waitForAttr(page, 'presence', 'data-kind', { eq: 'live' });
    await waitForAttr(page, 'presence', 'data-presence', { eq: 'PRESENT' }, 20_000);
    await page.getByTestId('depth-token-row').first().waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('depth-token-row').count()).toBe(8); // the server's simulator, not the fixture day
  }, 60_000);

  test('no errors in the page, and no Content-Security-Policy violation', async () => {
    expect(pageErrors).toEqual([]);
    expect(await cspViolations()).toEqual([]);
  });
});
