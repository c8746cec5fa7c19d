/**
 * The Sources dialog in the browser (`npm run web`'s runWeb + Debian's Chromium): LIVE switched from
 * the simulator to the real sources (a fake venue), the badge naming what runs and each upstream's
 * state, the config checked as it is typed, and where keys are kept said plainly.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../src/services/web/renderer-build';
import { runWeb, type RunningWeb } from '../../src/services/web/run-web';
import { stationDate } from '../../src/shared/time';
import { chromiumMissing, launchChromium } from '../../scripts/chromium';
import { FakeVenue } from './fake-upstreams';

const missing = chromiumMissing();
let dirs: string[] = [];
let venue: FakeVenue;
let web: RunningWeb;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

describe.skipIf(missing)('Sources dialog (browser)', () => {
  beforeAll(async () => {
    await ensureRendererBuilt();
    venue = await FakeVenue.start();
    venue.listEvent(stationDate(Date.now(), 'KLGA'));
    dirs = [mkdtempSync(join(tmpdir(), 'helios-dialog-data-')), mkdtempSync(join(tmpdir(), 'helios-dialog-conf-'))];
    web = await runWeb({ port: 0, dataRoot: dirs[0]!, live: true, demo: false, sourcesDir: dirs[1]!, log: () => {} });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await venue?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('switches LIVE to the real sources; the badge names them and each upstream’s state', async () => {
    await page.goto(web.server.url);
    const button = page.getByTestId('sources-button');
    await expect.poll(() => button.getAttribute('data-kind'), { timeout: 15_000 }).toBe('simulator');
    expect(await button.textContent()).toMatch(/^SIM/);
    // an empty data root opens the day picker first
    const picker = page.getByTestId('day-picker');
    if (await picker.isVisible()) await picker.getByRole('button', { name: 'Close' }).click();
    await button.click();
    const dialog = page.getByTestId('sources-dialog');
    await dialog.getByTestId('sources-real').click();
    const secretFile = join(dirs[1]!, 'sources-secrets.web.json');
    expect(await dialog.getByTestId('sources-secret-storage').textContent()).toBe(`Keys are kept in plain text in ${secretFile} (readable only by your user account).`);

    const textarea = dialog.getByTestId('sources-config');
    await textarea.fill('{"station": "KLGA", "polymarket": {"days_ahead": 9}}');
    await expect.poll(() => dialog.getByTestId('sources-config-error').textContent()).toMatch(/polymarket\.days_ahead: Too big/);
    expect(await dialog.getByTestId('sources-apply').isDisabled()).toBe(true);

    const config = {
      station: 'KLGA',
      polymarket: { gamma_url: venue.httpUrl, clob_url: venue.httpUrl, ws_url: venue.wsUrl, days_ahead: 0 },
      metar: null,
      pws: { provider: 'wunderground', key_env: 'HELIOS_DIALOG_WU_KEY', stations: ['KNYTEST1'], url: venue.httpUrl },
      ingest: null,
    };
    await textarea.fill(JSON.stringify(config, null, 2));
    await dialog.getByTestId('sources-key-HELIOS_DIALOG_WU_KEY').fill('typed-key');
    await dialog.getByTestId('sources-apply').click();
    await expect.poll(() => dialog.getByTestId('sources-result').textContent()).toBe('Saved: LIVE switches now.');

    await expect.poll(() => button.getAttribute('data-kind'), { timeout: 15_000 }).toBe('real');
    await expect.poll(() => page.getByTestId('source-state-clob').getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    expect(await page.getByTestId('source-state-metar').getAttribute('data-state')).toBe('not_configured');
    // the fake venue is no PWS provider: the poll fails, and the badge says so
    await expect.poll(() => page.getByTestId('source-state-pws').getAttribute('data-state'), { timeout: 15_000 }).toBe('failing');
    expect(await page.getByTestId('source-state-pws').getAttribute('title')).toMatch(/^pws: failing — wunderground: HTTP 404; retry in/);

    // remembered: the choice without the key, the key apart
    expect(JSON.parse(readFileSync(join(dirs[1]!, 'sources.json'), 'utf8'))).toMatchObject({ kind: 'real', config: { polymarket: { ws_url: venue.wsUrl } } });
    expect(readFileSync(join(dirs[1]!, 'sources.json'), 'utf8')).not.toContain('typed-key');
    expect(JSON.parse(readFileSync(secretFile, 'utf8'))).toEqual({ HELIOS_DIALOG_WU_KEY: 'typed-key' });
    expect(await dialog.getByTestId('sources-key-HELIOS_DIALOG_WU_KEY').getAttribute('placeholder')).toBe('stored (type to replace)');

    await dialog.getByTestId('sources-simulator').click();
    await dialog.getByTestId('sources-apply').click();
    await expect.poll(() => button.getAttribute('data-kind'), { timeout: 15_000 }).toBe('simulator');
    expect(venue.openSockets).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
