/**
 * Issue #13 item 2, as the analyst sees it: `npm run web` recording live into a data root on a
 * read-only file system — the LIVE badge turns red and names the errno, with the message in its
 * tooltip. Needs Chromium and the right to mount a tmpfs (skipped otherwise).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureRendererBuilt } from '../../src/services/web/renderer-build';
import { chromiumMissing, launchChromium, startWeb, waitForAttr, type WebProcess } from './harness';

/** A tmpfs holding an empty data root, then made read-only; null where mounting is not allowed. */
function readOnlyRoot(): { root: string; dispose(): void } | null {
  const dir = mkdtempSync(join(tmpdir(), 'helios-ro-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  mkdirSync(join(dir, 'data'));
  execFileSync('mount', ['-o', 'remount,ro', dir]);
  return {
    root: join(dir, 'data'),
    dispose: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ro = chromiumMissing() ? null : readOnlyRoot();

describe.skipIf(!ro)('LIVE badge on a read-only data root', () => {
  let web: WebProcess;
  let browser: Browser;

  beforeAll(async () => {
    await ensureRendererBuilt();
    web = await startWeb(ro!.root);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    ro?.dispose();
  });

  test('turns red and names the errno, with the message in its tooltip', async () => {
    const page = await browser.newPage();
    await page.goto(web.url);
    // an empty root opens the day picker first
    await page.getByTestId('day-picker').getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('mode-live').click();
    await waitForAttr(page, 'presence', 'data-write-error', { eq: 'EROFS' }, 20_000);
    const badge = page.getByTestId('presence');
    expect(await badge.textContent()).toBe('LIVE · EROFS');
    expect(await badge.getAttribute('class')).toBe('badge bad');
    expect(await badge.getAttribute('title')).toMatch(/^Not recording to disk: EROFS: read-only file system, mkdir '.*journal/);
    expect(web.output.join('')).toMatch(/journal writes failing \(EROFS\)/);
  }, 60_000);
});
