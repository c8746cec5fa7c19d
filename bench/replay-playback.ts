/**
 * The analyst UI playing a recorded day at 600× in headless Chromium at
 * 1600×1000, against the same UI in LIVE mode (the simulator recording) as the baseline: frame
 * times from requestAnimationFrame deltas, and the memory of every process of that browser as PSS
 * (/proc/<pid>/smaps_rollup; shared pages counted once, where summed RSS counts them per process).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../scripts/chromium';
import { runWeb } from '../src/services/web/run-web';

export const VIEWPORT = { width: 1600, height: 1000 };

export interface FrameTimes {
  frames: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** requestAnimationFrame deltas for `spanMs` of real time. */
async function frameTimes(page: Page, spanMs: number): Promise<FrameTimes> {
  // A string, not a function: tsx's keep-names helper (`__name`) does not exist in the page.
  const deltas = (await page.evaluate(`new Promise((resolve) => {
    const out = [];
    let last = null;
    const tick = (t) => {
      if (last !== null) out.push(t - last);
      last = t;
      if (out.reduce((a, b) => a + b, 0) < ${spanMs}) requestAnimationFrame(tick);
      else resolve(out);
    };
    requestAnimationFrame(tick);
  })`)) as number[];
  const sorted = [...deltas].sort((a, b) => a - b);
  return { frames: deltas.length, p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

/** Proportional set size of `pid` and all its descendants (bytes). */
export function treePss(pid: number): { bytes: number; processes: number } {
  const children = new Map<number, number[]>();
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(p)]);
    } catch {
      // process gone
    }
  }
  let bytes = 0;
  let processes = 0;
  const walk = (p: number) => {
    try {
      const kb = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1];
      bytes += Number(kb ?? 0) * 1024;
      processes++;
    } catch {
      // process gone
    }
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return { bytes, processes };
}

/** The Chromium this process launched (playwright's Browser does not say its pid): its only Chromium child. */
export function launchedChromium(): number {
  const ours = readdirSync('/proc').filter((p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('chromium');
    } catch {
      return false;
    }
  });
  if (ours.length !== 1) throw new Error(`expected one Chromium launched by this process, found ${ours.length}`);
  return Number(ours[0]);
}

export interface PlaybackFigures {
  replay: FrameTimes;
  live: FrameTimes;
  virtualMinutes: number;
  pssBytes: number;
  processes: number;
}

async function waitForPresence(page: Page, text: string): Promise<void> {
  await page.waitForFunction((t) => document.querySelector('[data-testid="presence"]')?.textContent === t, text, { timeout: 120_000 });
}

/**
 * Opens `day` of `dataDir` in the app (its whole-day history loaded), plays it at 600× (the fastest speed) from its
 * start for `spanMs` of real time, then switches to LIVE for the same span. The station's
 * days are copied into a temporary data root (with their generation links), so the live recording does not write
 * into `dataDir`.
 */
export async function measurePlayback(dataDir: string, day: { station_id: string; date: string }, spanMs: number): Promise<PlaybackFigures> {
  const root = await mkdtemp(join(tmpdir(), 'helios-replay-play-'));
  const station = join('parquet', `station=${day.station_id}`);
  await cp(join(dataDir, station), join(root, station), { recursive: true, verbatimSymlinks: true });
  const web = await runWeb({ port: 0, dataRoot: root, live: true, demo: false, sourcesDir: join(root, 'app'), log: () => {} });
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(web.server.url);
    await page.getByTestId(`open-day-${day.station_id}-${day.date}`).click();
    await page.getByTestId('day-picker').waitFor({ state: 'detached', timeout: 120_000 });
    await waitForPresence(page, 'READY');
    await page.waitForFunction(() => document.querySelector('[data-testid="history-progress"]')?.getAttribute('data-done') === 'true', null, { timeout: 300_000 });

    const playhead = async () => Number(await page.getByTestId('clock').getAttribute('data-ms'));
    await page.getByTestId('speed-600').click();
    await page.getByTestId('play-toggle').click();
    const from = await playhead();
    const replay = await frameTimes(page, spanMs);
    const to = await playhead();
    await page.getByTestId('play-toggle').click();
    const pss = treePss(launchedChromium());

    await page.getByTestId('mode-live').click();
    await waitForPresence(page, 'LIVE');
    await page.waitForTimeout(3000);
    const live = await frameTimes(page, spanMs);
    return { replay, live, virtualMinutes: (to - from) / 60_000, pssBytes: pss.bytes, processes: pss.processes };
  } finally {
    await browser?.close();
    await web.stop();
    await rm(root, { recursive: true, force: true });
  }
}
