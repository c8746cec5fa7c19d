/**
 * `npm run bench -- compact`, on days recorded here by the recorder from the simulator (8 tokens):
 *
 * 1. Speed: `compactDay` of a 12-hour day (from scratch, as `helios compact` does) against the
 *    one-pass naive DuckDB conversion a user could write instead, in the same process:
 *
 *      COPY (FROM read_json('<day>/*.ndjson', union_by_name = true, ignore_errors = true) ORDER BY ts_ingest_utc)
 *      TO '…' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (ch))
 *
 *    (default sampling). It validates nothing, keeps duplicates and types the channels by guess.
 *    Rounds alternate so background load hits both alike; the best rounds are compared and the
 *    median of the per-round ratios shows how steady that is. Goals: ≤ 1.5× naive; Parquet ≤ 8 %
 *    of the NDJSON bytes.
 * 2. Incremental passes: a live day compacted every 10 minutes from 22:00 (the first pass
 *    compacts all so far), in the compaction process the live recorder uses; the passes at 23:20,
 *    23:30, 23:40 and 23:50 (each reading 10 new minutes) are timed against full rebuilds of the
 *    23:50 journal in the same process. Goal: the 23:50 pass ≤ 5 % of a rebuild.
 * 3. The recorder's event loop meanwhile: a live recording (simulator at 10×) in this process,
 *    monitorEventLoopDelay p99 during each pass and rebuild in the compaction process, with none,
 *    and during a rebuild in this process (how passes ran before). Goal: ≤ 5 ms.
 *
 * BENCH_HOURS (default 12) sizes part 1, BENCH_ROUNDS (default 3) its rounds; BENCH_JOURNAL=<a
 * day's journal folder> benchmarks a copy of that journal in part 1 instead; BENCH_PARTS=1|2|3
 * runs some parts only.
 */
import { cpSync, createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, openSync, closeSync, writeSync, readSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { compactDay } from '../src/services/compactor/compact-day';
import { CHILD_DEFAULTS, CompactionProcess } from '../src/services/compactor/child-compaction';
import { recordDay, startRecording } from '../src/services/recorder/session';
import { SimulatorSource } from '../src/services/sources/simulator';
import { localDayBoundsUtc } from '../src/shared/time';

const HOURS = Number(process.env.BENCH_HOURS ?? 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SOURCE = process.env.BENCH_JOURNAL;
const PARTS = new Set((process.env.BENCH_PARTS ?? '1,2,3').split(',').map(Number));
const STATION = 'KLGA';
const DATE = '2026-03-10';
const [DAY_START] = localDayBoundsUtc(DATE, 'America/New_York');
const work = mkdtempSync(join(tmpdir(), 'helios-compact-bench-'));

const fmt = (n: number) => n.toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const load = () => `load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;
const journalOf = (root: string) => join(root, 'journal', `station=${STATION}`, `date=${DATE}`);

/** CPU time of the whole process (all threads: workers, DuckDB) in ms. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function journalBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/** Records the simulator's day (8 tokens) from local midnight for `hours` into `root`. */
async function record(root: string, hours: number): Promise<void> {
  const t = performance.now();
  const end = DAY_START + hours * 3_600_000;
  await recordDay({
    dataRoot: root,
    source: (scheduler) => new SimulatorSource({ station: STATION, seed: 1, date: DATE, start: DAY_START, to: end, speed: Infinity, scheduler }),
    startMs: DAY_START,
    endMs: end,
  });
  console.log(`recorded ${hours} h of ${STATION} ${DATE} (8 tokens): ${fmt(journalBytes(journalOf(root)))} bytes NDJSON in ${s(performance.now() - t)}`);
}

/**
 * Copies the journal of `from` into `to` up to the first line ingested at or after `cutMs` (the
 * journal as it was at that time). Lines of a recorder's file are in ingest order.
 */
async function copyUntil(from: string, to: string, cutMs: number): Promise<void> {
  mkdirSync(to, { recursive: true });
  const cut = new Date(cutMs).toISOString();
  for (const name of readdirSync(from).sort()) {
    const out = openSync(join(to, name), 'w');
    let done = false;
    let carry = '';
    for await (const chunk of createReadStream(join(from, name), { highWaterMark: 8 << 20, encoding: 'latin1' })) {
      if (done) break;
      const text = carry + (chunk as string);
      const lines = text.split('\n');
      carry = lines.pop()!;
      const keep: string[] = [];
      for (const l of lines) {
        const ts = /"ts_ingest_utc":"([^"]+)"/.exec(l)?.[1];
        if (ts && ts >= cut) {
          done = true;
          break;
        }
        keep.push(l + '\n');
      }
      writeSync(out, Buffer.from(keep.join(''), 'latin1'));
    }
    closeSync(out);
  }
}

/** Appends to `to` the lines of `from` between its files' current sizes in `to` and `cutMs`. */
async function growUntil(from: string, to: string, cutMs: number): Promise<void> {
  const staging = `${to}.next`;
  await copyUntil(from, staging, cutMs);
  for (const name of readdirSync(staging)) {
    const have = statSync(join(to, name), { throwIfNoEntry: false })?.size ?? 0;
    const size = statSync(join(staging, name)).size;
    const src = openSync(join(staging, name), 'r');
    const dst = openSync(join(to, name), 'a');
    const buf = Buffer.allocUnsafe(8 << 20);
    for (let at = have; at < size; ) {
      const n = readSync(src, buf, 0, Math.min(buf.length, size - at), at);
      writeSync(dst, buf, 0, n);
      at += n;
    }
    closeSync(src);
    closeSync(dst);
  }
  rmSync(staging, { recursive: true, force: true });
}

async function naive(journal: string, out: string): Promise<{ ms: number; cpu: number }> {
  rmSync(out, { recursive: true, force: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  await connection.run(
    `COPY (FROM read_json('${journal}/*.ndjson', union_by_name = true, ignore_errors = true) ORDER BY ts_ingest_utc)
     TO '${out}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (ch))`,
  );
  const ms = performance.now() - t;
  const cpu = cpuMs(cpu0);
  connection.closeSync();
  instance.closeSync();
  return { ms, cpu };
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

async function speed(full: string): Promise<void> {
  console.log(`\n-- 1. compaction of a ${SOURCE ? 'given' : `${HOURS}-hour`} day vs the one-pass naive conversion --`);
  const root = join(work, 'speed');
  if (SOURCE) cpSync(SOURCE, journalOf(root), { recursive: true });
  else await copyUntil(journalOf(full), journalOf(root), DAY_START + HOURS * 3_600_000);
  const bytes = journalBytes(journalOf(root));
  const naiveMs: number[] = [];
  const naiveCpu: number[] = [];
  const oursMs: number[] = [];
  const oursCpu: number[] = [];
  let lines = 0;
  let parquetBytes = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    global.gc?.();
    const n = await naive(journalOf(root), join(work, 'naive'));
    naiveMs.push(n.ms);
    naiveCpu.push(n.cpu);
    global.gc?.();
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    let writeStart = 0;
    const result = await compactDay({
      dataRoot: root,
      station: STATION,
      date: DATE,
      rebuild: true,
      onProgress: (p) => {
        if (p.phase === 'write' && !writeStart) writeStart = performance.now();
      },
    });
    oursMs.push(performance.now() - t);
    oursCpu.push(cpuMs(cpu0));
    lines = result.manifest.totals.lines_read;
    parquetBytes = Object.values(result.manifest.channels).reduce((sum, c) => sum + c.bytes, 0);
    console.log(
      `round ${round}: naive ${s(n.ms)} (cpu ${s(n.cpu)}) | compactor ${s(oursMs.at(-1)!)} (cpu ${s(oursCpu.at(-1)!)}; ` +
        `read+validate+dedupe ${s(writeStart - t)} on ${result.threads} thread(s), DuckDB write+markers ${s(performance.now() - writeStart)}) | ${load()}`,
    );
  }
  const bestNaive = Math.min(...naiveMs);
  const bestOurs = Math.min(...oursMs);
  const ratio = bestOurs / bestNaive;
  const paired = oursMs.map((ms, i) => ms / naiveMs[i]!).sort((x, y) => x - y);
  const naiveBytes = folderBytes(join(work, 'naive'));
  console.log(`dataset: ${fmt(lines)} lines, ${fmt(bytes)} bytes NDJSON`);
  console.log(`best: naive ${s(bestNaive)} (${fmt(Math.round(lines / (bestNaive / 1000)))} lines/s), compactor ${s(bestOurs)} (${fmt(Math.round(lines / (bestOurs / 1000)))} lines/s)`);
  console.log(`time ratio compactor/naive: ${ratio.toFixed(2)}× (goal ≤ 1.5×) ${ratio <= 1.5 ? 'OK' : 'OVER'}`);
  console.log(`per-round ratios: median ${paired[Math.floor(paired.length / 2)]!.toFixed(2)}×, range ${paired[0]!.toFixed(2)}–${paired.at(-1)!.toFixed(2)}×`);
  console.log(`cpu ratio compactor/naive (all threads, best rounds): ${(Math.min(...oursCpu) / Math.min(...naiveCpu)).toFixed(2)}×`);
  const share = parquetBytes / bytes;
  console.log(`size: Parquet ${fmt(parquetBytes)} bytes = ${(share * 100).toFixed(2)} % of NDJSON (goal ≤ 8 %) ${share <= 0.08 ? 'OK' : 'OVER'}; naive files ${fmt(naiveBytes)} bytes = ${((naiveBytes / bytes) * 100).toFixed(2)} %`);
  rmSync(root, { recursive: true, force: true });
}

interface Live {
  p99(): number;
  reset(): void;
  stop(): Promise<void>;
}

/** A live recording in this process (the simulator at 10×), with its event-loop delay histogram. */
async function liveRecorder(): Promise<Live> {
  const source = new SimulatorSource({ station: STATION, seed: 2, speed: 10 });
  const session = await startRecording({ dataRoot: join(work, 'live'), source, clock: source.clock });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  return {
    p99: () => histogram.percentile(99) / 1e6,
    reset: () => histogram.reset(),
    stop: async () => {
      histogram.disable();
      await session.stop();
    },
  };
}

async function incremental(full: string): Promise<void> {
  console.log('\n-- 2. live passes up to 23:50 vs a full rebuild (in the recorder\'s compaction process), 3. the recorder\'s event loop meanwhile --');
  const root = join(work, 'live-day');
  const at = (h: number, m: number) => DAY_START + (h * 60 + m) * 60_000;
  const compaction = new CompactionProcess();
  const pass = (rebuild = false) => compaction.compact({ dataRoot: root, station: STATION, date: DATE, tailMode: 'pending', nowMs: Date.now(), rebuild, ...CHILD_DEFAULTS });
  const live = PARTS.has(3) ? await liveRecorder() : null;
  try {
    // The day as the recorder's passes every 10 minutes leave it (the first pass at 22:00 compacts all so far).
    await copyUntil(journalOf(full), journalOf(root), at(22, 0));
    await pass();
    for (let m = 10; m <= 70; m += 10) {
      await growUntil(journalOf(full), journalOf(root), at(22, m));
      await pass();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const measured = async <T>(run: () => Promise<T>) => {
      live?.reset();
      const t = performance.now();
      const result = await run();
      return { result, wall: performance.now() - t, p99: live?.p99() ?? 0 };
    };
    const passes: { wall: number; inside: number; p99: number }[] = [];
    for (const m of [20, 30, 40, 50]) {
      await growUntil(journalOf(full), journalOf(root), at(23, m));
      const { result, wall, p99 } = await measured(() => pass());
      passes.push({ wall, inside: result.elapsedMs, p99 });
      console.log(`pass at 23:${m}: ${s(wall)} (${s(result.elapsedMs)} in the process; ${fmt(result.passLines)} new lines, ${result.manifest.channels.l2_snap_1s!.parts.length} l2 parts) | loop p99 ${p99.toFixed(1)} ms | ${load()}`);
    }
    const rebuilds: { wall: number; inside: number; p99: number }[] = [];
    for (let round = 1; round <= 2; round++) {
      const { result, wall, p99 } = await measured(() => pass(true));
      rebuilds.push({ wall, inside: result.elapsedMs, p99 });
      console.log(`full rebuild of the 23:50 journal: ${s(wall)} (${s(result.elapsedMs)} in the process; ${fmt(result.manifest.totals.lines_read)} lines) | loop p99 ${p99.toFixed(1)} ms | ${load()}`);
    }
    live?.reset();
    await new Promise((r) => setTimeout(r, 3000));
    const idle = live?.p99() ?? 0;
    const last = passes.at(-1)!;
    const ratio = last.wall / median(rebuilds.map((r) => r.wall));
    console.log(`pass at 23:50 / full rebuild (wall): ${(ratio * 100).toFixed(1)} % (goal ≤ 5 %) ${ratio <= 0.05 ? 'OK' : 'OVER'}; median of the passes 23:20–23:50: ${((median(passes.map((p) => p.wall)) / median(rebuilds.map((r) => r.wall))) * 100).toFixed(1)} %`);
    if (live) {
      const worst = Math.max(...passes.map((p) => p.p99), ...rebuilds.map((r) => r.p99));
      console.log(`recorder loop p99 during passes in the compaction process: worst ${worst.toFixed(1)} ms, with none ${idle.toFixed(1)} ms (goal ≤ 5 ms) ${worst <= 5 ? 'OK' : 'OVER'}`);
      live.reset();
      const t = performance.now();
      await compactDay({ dataRoot: root, station: STATION, date: DATE, tailMode: 'pending', rebuild: true, ...CHILD_DEFAULTS });
      console.log(`  baseline, the rebuild in the recorder's own process (as before): ${s(performance.now() - t)}, loop p99 ${live.p99().toFixed(1)} ms`);
    }
  } finally {
    await compaction.close();
    await live?.stop();
  }
}

async function main(): Promise<void> {
  try {
    console.log(`(${load()}; 2-core VM shared with other jobs: absolute times are inflated and noisy)`);
    const full = join(work, 'full');
    await record(full, PARTS.has(2) || PARTS.has(3) ? 24 : HOURS);
    if (PARTS.has(1)) await speed(full);
    if (PARTS.has(2) || PARTS.has(3)) await incremental(full);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
