/**
 * The analyst UI playing a recorded day at 600× in headless Chromium at
 * 1600×1000, against the same UI in LIVE mode (the simulator recording) as the baseline: frame
 * times from requestAnimationFrame deltas, the main thread's CPU time per frame (a CDP trace of a
 * further span: it moves less with the machine's other load than frame times), and the memory
 * of every process of that browser as PSS (/proc/<pid>/smaps_rollup; shared pages counted once,
 * where summed RSS counts them per process).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../scripts/chromium';
import { runWeb } from '../src/services/web/run-web';

export const VIEWPORT = { width: 1600, height: 1000 };
/** Real time traced for the main thread's CPU per frame, after the frame-time span. */
export const CPU_SPAN_MS = 5000;

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

export interface MainThreadCpu {
  frames: number;
  /** CPU time of the page's main thread per frame drawn (ms). */
  cpuMsPerFrame: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  tdur?: number;
  args?: { name?: string };
}

/**
 * The page's main thread over `spanMs`, traced: its tasks' thread CPU time divided by the frames it
 * began. The page's main thread is the renderer main thread that began the most frames.
 */
async function mainThreadCpu(page: Page, spanMs: number): Promise<MainThreadCpu> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { categories: 'toplevel,cc', transferMode: 'ReportEvents' });
  await page.waitForTimeout(spanMs);
  await cdp.send('Tracing.end');
  await complete;
  await cdp.detach();
  const thread = (e: TraceEvent) => `${e.pid}/${e.tid}`;
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map(thread));
  const frames = new Map<string, number>();
  const cpuUs = new Map<string, number>();
  for (const e of events) {
    if (e.ph !== 'X' || !mains.has(thread(e))) continue;
    if (e.name === 'ProxyMain::BeginMainFrame') frames.set(thread(e), (frames.get(thread(e)) ?? 0) + 1);
    else if (e.name === 'ThreadControllerImpl::RunTask') cpuUs.set(thread(e), (cpuUs.get(thread(e)) ?? 0) + (e.tdur ?? 0));
  }
  const [main, count] = [...frames].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  return { frames: count, cpuMsPerFrame: count ? (cpuUs.get(main) ?? 0) / 1000 / count : NaN };
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
  replayCpu: MainThreadCpu;
  liveCpu: MainThreadCpu;
  virtualMinutes: number;
  pssBytes: number;
  processes: number;
}

async function waitForPresence(page: Page, text: string): Promise<void> {
  await page.waitForFunction((t) => document.querySelector('[data-testid="presence"]')?.textContent === t, text, { timeout: 120_000 });
}

/**
 * Opens `day` of `dataDir` in the app (its whole-day history loaded), plays it at 600× (the fastest speed) from its
 * start for `spanMs` of real time (then `CPU_SPAN_MS` more, traced), then switches to LIVE for the same spans. The station's
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
    await page.getByTestId('play-toggle').click();
    const replayCpu = await mainThreadCpu(page, CPU_SPAN_MS);
    await page.getByTestId('play-toggle').click();

    await page.getByTestId('mode-live').click();
    await waitForPresence(page, 'LIVE');
    await page.waitForTimeout(3000);
    const live = await frameTimes(page, spanMs);
    const liveCpu = await mainThreadCpu(page, CPU_SPAN_MS);
    return { replay, live, replayCpu, liveCpu, virtualMinutes: (to - from) / 60_000, pssBytes: pss.bytes, processes: pss.processes };
  } finally {
    await browser?.close();
    await web.stop();
    await rm(root, { recursive: true, force: true });
  }
}
