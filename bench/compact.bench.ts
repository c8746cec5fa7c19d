/**
 * `npm run bench -- compact`: compaction of a generated multi-hour KLGA day (8 tokens × 20-level
 * books at 1 Hz, deltas in windows, trades, METARs, PWS, features, nowcast, health) against the
 * naive DuckDB-native conversion of the same files in the same process:
 *
 *   COPY (FROM read_json('<day>/*.ndjson', sample_size = -1)) TO '…' (FORMAT parquet, COMPRESSION zstd)
 *
 * (`sample_size = -1` is the least change that lets DuckDB read a mixed-channel journal at all: with
 * the default sample it stops at the first channel whose keys it did not sample.) The naive run
 * validates nothing, keeps duplicates, sorts nothing and writes one untyped-by-channel file.
 * Rounds alternate naive/compactor so background load hits both alike; the best round of each is
 * compared, and the median of the per-round ratios shows how steady that is. Goals: time ≤ 1.5× naive, Parquet ≤ 8 % of the NDJSON bytes.
 *
 * BENCH_HOURS (default 4) and BENCH_ROUNDS (default 5) size the run; BENCH_JOURNAL=<a day's journal
 * folder> (e.g. one written by `helios record`) benchmarks a copy of that journal instead.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { compactDay } from '../src/services/compactor/compact-day';
import { writeSyntheticDay } from '../test/compactor/synthetic-day';

const HOURS = Number(process.env.BENCH_HOURS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SOURCE = process.env.BENCH_JOURNAL;
const root = mkdtempSync(join(tmpdir(), 'helios-compact-bench-'));
const station = SOURCE ? /station=([^/]+)/.exec(SOURCE)?.[1] ?? 'KLGA' : 'KLGA';
const date = SOURCE ? /date=(\d{4}-\d{2}-\d{2})/.exec(SOURCE)?.[1] ?? '' : '2026-01-29';
const journal = join(root, 'journal', `station=${station}`, `date=${date}`);

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** CPU time of the whole process (all threads: workers, DuckDB) in ms. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

async function naive(): Promise<{ ms: number; cpu: number }> {
  const out = join(root, 'naive.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  await connection.run(
    `COPY (FROM read_json('${journal}/*.ndjson', sample_size = -1)) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  const ms = performance.now() - t;
  const cpu = cpuMs(cpu0);
  connection.closeSync();
  instance.closeSync();
  return { ms, cpu };
}

async function main(): Promise<void> {
  try {
    const gen = performance.now();
    let day: { lines: number; bytes: number };
    if (SOURCE) {
      cpSync(SOURCE, journal, { recursive: true });
      const files = readdirSync(journal).filter((f) => f.endsWith('.ndjson'));
      day = { lines: 0, bytes: files.reduce((sum, f) => sum + statSync(join(journal, f)).size, 0) };
      console.log(`dataset: copy of ${SOURCE}, ${files.length} files, ${fmt(day.bytes)} bytes NDJSON`);
    } else {
      const synthetic = writeSyntheticDay({ dir: journal, startMs: Date.parse('2026-01-29T14:00:00Z'), hours: HOURS });
      day = synthetic;
      console.log(
        `dataset: ${HOURS} h, ${fmt(synthetic.lines)} lines, ${fmt(synthetic.bytes)} bytes NDJSON in ${synthetic.files.length} files (generated in ${((performance.now() - gen) / 1000).toFixed(1)} s)`,
      );
      console.log(`  ${Object.entries(synthetic.byChannel).map(([ch, n]) => `${ch} ${fmt(n)}`).join(', ')}`);
    }

    const naiveMs: number[] = [];
    const naiveCpu: number[] = [];
    const oursMs: number[] = [];
    const oursCpu: number[] = [];
    const validateMs: number[] = [];
    let parquetBytes = 0;
    let rows = 0;
    let threads = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      global.gc?.();
      const n = await naive();
      naiveMs.push(n.ms);
      naiveCpu.push(n.cpu);
      global.gc?.();
      const cpu0 = process.cpuUsage();
      const t = performance.now();
      let writeStart = 0;
      const result = await compactDay({
        dataRoot: root,
        station,
        date,
        onProgress: (p) => {
          if (p.phase === 'write' && !writeStart) writeStart = performance.now();
        },
      });
      oursMs.push(performance.now() - t);
      oursCpu.push(cpuMs(cpu0));
      validateMs.push(writeStart - t);
      parquetBytes = Object.values(result.manifest.channels).reduce((sum, c) => sum + c.bytes, 0);
      rows = result.manifest.totals.events_written;
      day.lines = result.manifest.totals.lines_read;
      threads = result.threads;
      console.log(
        `round ${round}: naive ${(naiveMs.at(-1)! / 1000).toFixed(2)} s (cpu ${(naiveCpu.at(-1)! / 1000).toFixed(2)} s) | ` +
          `compactor ${(oursMs.at(-1)! / 1000).toFixed(2)} s (cpu ${(oursCpu.at(-1)! / 1000).toFixed(2)} s) ` +
          `(read+validate+dedupe ${(validateMs.at(-1)! / 1000).toFixed(2)} s on ${threads} thread(s), DuckDB sort+write+markers ${((oursMs.at(-1)! - validateMs.at(-1)!) / 1000).toFixed(2)} s)`,
      );
    }
    const bestNaive = Math.min(...naiveMs);
    const bestOurs = Math.min(...oursMs);
    const naiveBytes = statSync(join(root, 'naive.parquet')).size;
    const ratio = bestOurs / bestNaive;
    const share = parquetBytes / day.bytes;
    console.log(`best: naive ${(bestNaive / 1000).toFixed(2)} s (${fmt(Math.round(day.lines / (bestNaive / 1000)))} lines/s), compactor ${(bestOurs / 1000).toFixed(2)} s (${fmt(Math.round(day.lines / (bestOurs / 1000)))} lines/s)`);
    console.log(`time ratio compactor/naive: ${ratio.toFixed(2)}× (goal ≤ 1.5×) ${ratio <= 1.5 ? 'OK' : 'OVER'}`);
    const paired = oursMs.map((ms, i) => ms / naiveMs[i]!).sort((x, y) => x - y);
    console.log(`per-round ratios: median ${paired[Math.floor(paired.length / 2)]!.toFixed(2)}×, range ${paired[0]!.toFixed(2)}–${paired.at(-1)!.toFixed(2)}×`);
    console.log(`cpu ratio compactor/naive (all threads, best rounds): ${(Math.min(...oursCpu) / Math.min(...naiveCpu)).toFixed(2)}×`);
    console.log(
      `size: Parquet ${fmt(parquetBytes)} bytes = ${(share * 100).toFixed(2)} % of NDJSON (goal ≤ 8 %) ${share <= 0.08 ? 'OK' : 'OVER'}; naive file ${fmt(naiveBytes)} bytes = ${((naiveBytes / day.bytes) * 100).toFixed(2)} %; ${fmt(rows)} rows`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
