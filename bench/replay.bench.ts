/**
 * `npm run bench -- replay`: the browser replay engine (parquet-wasm decode workers + the Arrow
 * block cache, in Debian Chromium driven by playwright-core) on a generated 24 h, 6-token KLGA day.
 *
 * The day comes from the real pipeline (simulator → recorder → compactor, `ensureDemoData`) and is
 * kept under $BENCH_REPLAY_DIR (default /tmp/helios-replay-bench) for later runs; if that pipeline
 * fails, the replay tests' generator writes one instead (said in the output).
 *
 * Figures (goals from issue 4):
 *  - open-to-first-frame (goal ≤ 1 s)
 *  - seek latency to random instants of the day, p50/p95 (goal p95 ≤ 100 ms), once the source's
 *    background preparation of seeks (≈ 2 s after the first frame) is done; the first seeks made
 *    while it runs are listed apart
 *  - JS heap after an hour of the day played at 60× (goal ≤ 500 MB), with the block cache's size
 *    and the PSS of the browser's processes
 *  - the whole-day history loaded in the background: the charts' series (read from the row groups)
 *    and, as when the SQL console opens, every table into DuckDB-WASM; time to each, and the seeks
 *    made meanwhile
 *  - the whole app at 600× (goal p95 ≤ 16.7 ms) in headless Chromium at 1600×1000: frame times
 *    p50/p95/p99/max and the main thread's CPU per frame against the same app in LIVE mode, and
 *    every browser process's PSS after it (goal ≤ 1 GB) — `replay-playback.ts`
 * Baselines, same page and decoder: (A) decoding each channel file whole, what a replay without
 * the row-group block cache does before its first frame; (B) the SQL-first design, booting
 * DuckDB-WASM and loading the whole files into it.
 * BENCH_SEEKS, BENCH_PLAY_MS, BENCH_FRAMES_MS (real time of each frame-time span) and
 * BENCH_VERBOSE=1 adjust the run; BENCH_ONLY=app runs the app at 600× alone.
 */
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { DataRoot } from '../src/services/data-root';
import type { Manifest } from '../src/shared/manifest';
import { CPU_SPAN_MS, launchedChromium, measurePlayback, treePss, VIEWPORT } from './replay-playback';
import { buildTestPage, call, launchChromium, openTestPage, servePage } from '../test/replay/browser/harness';

const DIR = process.env.BENCH_REPLAY_DIR ?? '/tmp/helios-replay-bench';
const SEEKS_DURING_HISTORY = 20;
const EARLY_SEEKS = 3;
const DATE = '2026-01-28';
const SEEKS = Number(process.env.BENCH_SEEKS ?? 40);
const PLAY_REAL_MS = Number(process.env.BENCH_PLAY_MS ?? 60_000); // 60 s at 60× = 1 h of the day
const FRAMES_REAL_MS = Number(process.env.BENCH_FRAMES_MS ?? 20_000); // 20 s at 600× = 200 min of the day

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function ensureDay(): Promise<{ manifest: Manifest; how: string }> {
  const root = new DataRoot(DIR);
  const day = { station_id: 'KLGA', date: DATE };
  if (existsSync(root.manifestFile(day))) return { manifest: await root.readManifest(day), how: 'cached' };
  const t0 = performance.now();
  try {
    const { ensureDemoData } = await import('../src/services/demo');
    await ensureDemoData(DIR, { tokens: 6, date: DATE, onProgress: (m) => process.stdout.write(`  ${m}\r`) });
    return { manifest: await root.readManifest(day), how: `simulator + recorder + compactor in ${((performance.now() - t0) / 1000).toFixed(0)} s` };
  } catch (e) {
    console.log(`  the simulator/recorder/compactor pipeline failed (${(e as Error).message}); generating the day with the test generator`);
    const { generateDay } = await import('../test/replay/fixtures/generate-day');
    const { writeDay } = await import('../test/replay/fixtures/write-day');
    const from = Date.parse(`${DATE}T05:00:00Z`);
    const manifest = await writeDay(DIR, generateDay({ fromMs: from, durationMs: 24 * 3600_000, tokens: 6, depth: 20 }));
    return { manifest, how: `test generator in ${((performance.now() - t0) / 1000).toFixed(0)} s` };
  }
}

function rng(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

async function main(): Promise<void> {
  const { manifest, how } = await ensureDay();
  const channels = Object.entries(manifest.channels).filter(([, c]) => c!.rows > 0);
  const rows = channels.reduce((n, [, c]) => n + c!.rows, 0);
  const bytes = channels.reduce((n, [, c]) => n + c!.bytes, 0);
  const l2 = manifest.channels.l2_snap_1s!;
  console.log(`day: KLGA ${DATE} (${how}): ${rows.toLocaleString('en-US')} rows, ${mb(bytes)} Parquet; l2_snap_1s ${l2.rows.toLocaleString('en-US')} rows in ${l2.row_groups.length} row groups`);
  console.log(`chromium: ${execSync('/usr/bin/chromium --version 2>/dev/null').toString().trim()}; machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other work on the machine slows every figure)`);

  if (process.env.BENCH_ONLY !== 'app') await engine(manifest);
  await app();
}

/** 5. the whole app at 600×, LIVE mode as the baseline. */
async function app(): Promise<void> {
  const f = await measurePlayback(DIR, { station_id: 'KLGA', date: DATE }, FRAMES_REAL_MS);
  const line = (t: { frames: number; p50: number; p95: number; p99: number; max: number }) =>
    `p50 ${t.p50.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms, p99 ${t.p99.toFixed(1)} ms, max ${t.max.toFixed(1)} ms (${t.frames} frames)`;
  console.log(`\nthe app at ${VIEWPORT.width}×${VIEWPORT.height}, ${FRAMES_REAL_MS / 1000} s of real time each (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
  console.log(`  replay at 600× (${f.virtualMinutes.toFixed(0)} min of the day played): frame times ${line(f.replay)} (goal p95 ≤ 16.7 ms)`);
  console.log(`  baseline LIVE (the simulator recording): frame times ${line(f.live)}`);
  console.log(`  ratios 600× / LIVE: p95 ${(f.replay.p95 / f.live.p95).toFixed(2)}×, p99 ${(f.replay.p99 / f.live.p99).toFixed(2)}×`);
  console.log(
    `  main thread CPU per frame (traced ${CPU_SPAN_MS / 1000} s more of each; it moves less with the machine's load than frame times, though a slower frame has more of the day to show): 600× ${f.replayCpu.cpuMsPerFrame.toFixed(1)} ms (${f.replayCpu.frames} frames), LIVE ${f.liveCpu.cpuMsPerFrame.toFixed(1)} ms (${f.liveCpu.frames} frames); 60 fps needs under ≈ 14 ms`,
  );
  console.log(`  memory after playing, PSS of the browser's ${f.processes} processes: ${mb(f.pssBytes)} (goal ≤ 1024 MB)`);
}

async function engine(manifest: Manifest): Promise<void> {
  const channels = Object.entries(manifest.channels).filter(([, c]) => c!.rows > 0);
  await buildTestPage();
  const served = await servePage(DIR);
  const browser = await launchChromium();
  const day = { station_id: 'KLGA', date: DATE };
  try {
    const page = await openTestPage(browser, served.url);
    const cdp = await page.context().newCDPSession(page);
    const gcHeap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };

    // 1. open-to-first-frame (the first open also starts parquet-wasm and the decode workers)
    const opens: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(page, 'open', day, {});
      opens.push(r.firstFrameMs);
      if (process.env.BENCH_VERBOSE) console.log(`  open ${i + 1}: ${r.phases.map(([label, ms]) => `${label} @${ms.toFixed(0)}`).join(', ')}; first frame @${r.firstFrameMs.toFixed(0)}`);
      await call(page, 'close');
    }
    const open = pct(opens, 50);
    console.log(`\nopen-to-first-frame: ${opens.map(fmt).join(', ')} → median ${fmt(open)} (goal ≤ 1000 ms)`);

    // 2. seeks to random instants of the day. Right after the first frame, the source prepares
    // later seeks in the background (small channels, time indexes: `warmUp`): the first seeks pay
    // for what is not ready yet, so they are reported apart.
    const info = (await call(page, 'open', day, {})).info;
    const random = rng(42);
    const early: number[] = [];
    for (let i = 0; i < EARLY_SEEKS; i++) early.push(await call(page, 'seek', Math.floor(info.start_ms + random() * (info.end_ms - info.start_ms))));
    const warm = await call(page, 'warm');
    console.log(`first ${EARLY_SEEKS} seeks right after the first frame (background preparation running): ${early.map(fmt).join(', ')}; preparation done ${fmt(warm)} after them`);
    const seeks: number[] = [];
    for (let i = 0; i < SEEKS; i++) {
      const t = Math.floor(info.start_ms + random() * (info.end_ms - info.start_ms));
      seeks.push(await call(page, 'seek', t));
    }
    if (process.env.BENCH_VERBOSE) console.log(`  seeks (ms, in order): ${seeks.map((x) => x.toFixed(0)).join(' ')}`);
    const p50 = pct(seeks, 50);
    const p95 = pct(seeks, 95);
    console.log(`then ${SEEKS} seeks to random instants: p50 ${fmt(p50)}, p95 ${fmt(p95)}, max ${fmt(Math.max(...seeks))} (goal p95 ≤ 100 ms)`);
    const afterSeeks = await call(page, 'stats');
    if (process.env.BENCH_VERBOSE) console.log(`  decode ms by channel: ${JSON.stringify(Object.fromEntries(Object.entries(afterSeeks.decodeMsByChannel).map(([k, v]) => [k, Math.round(v!)])))}`);
    console.log(
      `  decoded ${afterSeeks.decodedGroups} row groups (${afterSeeks.decodedRows.toLocaleString('en-US')} rows, ${mb(afterSeeks.decodedBytes)} of Arrow; ${fmt(afterSeeks.decodeMs)} request-to-Arrow, ${fmt(afterSeeks.io.decodeMs)} of it decoding in the workers), evicted ${afterSeeks.evictedGroups}; read ${mb(afterSeeks.io.bytesRead)} in ${afterSeeks.io.requests} range requests`,
    );

    // 2b. the whole-day history, loading in the background while the analyst seeks
    const engineBoot = await call(page, 'boot'); // (the app boots it at the first frame; booted here so the figure below is the load itself)
    await call(page, 'startHistory');
    const during: number[] = [];
    for (let i = 0; i < SEEKS_DURING_HISTORY; i++) {
      const t = Math.floor(info.start_ms + random() * (info.end_ms - info.start_ms));
      during.push(await call(page, 'seek', t));
    }
    const history = await call(page, 'historyDone');
    const charts = await call(page, 'historyCharts');
    const historyRows = Object.entries(manifest.channels)
      .filter(([ch, c]) => ch !== 'l2_deltas' && c!.rows > 0)
      .reduce((n, [, c]) => n + c!.rows, 0);
    console.log(
      `whole-day history (${historyRows.toLocaleString('en-US')} rows; l2_snap_1s without levels, no l2_deltas): charts' series read from the row groups in ${fmt(history.chartsMs ?? NaN)}, meanwhile every table into DuckDB-WASM in ${fmt(history.ms)} (engine boot ${fmt(engineBoot)} not included); charts' series again (cached) ${fmt(charts.ms)}`,
    );
    console.log(
      `  ${SEEKS_DURING_HISTORY} seeks while it loaded: p50 ${fmt(pct(during, 50))}, p95 ${fmt(pct(during, 95))}, max ${fmt(Math.max(...during))} (vs p50 ${fmt(p50)}, p95 ${fmt(p95)} above)`,
    );

    // 3. an hour of the day at 60×, from the morning
    await call(page, 'seek', info.start_ms + 6 * 3600_000);
    const heapBefore = await gcHeap();
    const play = await call(page, 'play', 60, PLAY_REAL_MS);
    const heapAfter = await gcHeap();
    const stats = await call(page, 'stats');
    const pss = treePss(launchedChromium());
    const virtualMin = (play.to - play.from) / 60_000;
    console.log(
      `60× playback for ${PLAY_REAL_MS / 1000} s: ${virtualMin.toFixed(1)} min of the day in ${play.frames} frames (${play.bufferingFrames} buffering); ${stats.decodedGroups} row groups decoded so far, ${stats.evictedGroups} evicted`,
    );
    console.log(
      `  JS heap after GC: ${mb(heapBefore)} before, ${mb(heapAfter)} after (goal ≤ 500 MB); decoded row groups cached ${mb(stats.cachedBytes)} (budget 64 MB); PSS of the browser's ${pss.processes} processes ${mb(pss.bytes)}`,
    );
    await call(page, 'close');

    // 4. baselines, same page and decoder
    const decodeAll = await call(page, 'wholeFileDecode', day, channels.map(([ch]) => ch));
    const boot = engineBoot; // booted (once per page) before the history load above
    const duck = await call(page, 'wholeFileBaseline', day, channels.map(([ch]) => ch));
    console.log(`\nbaseline A "decode every channel file whole" (parquet-wasm, no block cache): ${fmt(decodeAll.elapsed)} for ${decodeAll.rows.toLocaleString('en-US')} rows`);
    console.log(`baseline B "whole files into DuckDB-WASM" (the SQL-first design): engine boot ${fmt(boot)} + load ${fmt(duck.elapsed)}`);
    console.log(`ratios: first frame ${(decodeAll.elapsed / open).toFixed(1)}× faster than A, ${((boot + duck.elapsed) / open).toFixed(1)}× faster than B; seek p95 ${(decodeAll.elapsed / p95).toFixed(0)}× below A; heap ${((500 * 1024 * 1024) / heapAfter).toFixed(0)}× under its goal`);
  } finally {
    await browser.close();
    await served.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
