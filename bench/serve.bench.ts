/**
 * `npm run bench -- serve`: `helios serve` on the 24 h, 6-token demo day (simulator → recorder →
 * compactor, `ensureDemoData`; kept under $BENCH_SERVE_DIR, default /tmp/helios-serve-bench).
 *
 *  1. Merged in order from Parquet inside the server, the whole day, two ways:
 *     - the replay copy (`replay-copy.ts`: the closed day merged and serialized once, what the
 *       server replays closed days from): read back in order as the JSON clients get; its one-time
 *       build is timed too;
 *     - DayStream (DuckDB streaming every part file, merged on epoch µs; what a day without a copy
 *       is served from): events/s handed out in order, then with each event written as its JSON.
 *     Goal ≥ 1,000,000 events/s; tardis-machine, the reference for this job, states ~700k msg/s.
 *     Next to DayStream, the ceiling under its merge: DuckDB decoding the same columns of every
 *     file with nothing merged. Baselines in this process, on the same day:
 *     (A) the tardis-machine design here: the day's recorded NDJSON lines read from disk and parsed
 *         one by one (tardis-machine replays its cached line-delimited JSON that way);
 *     (B) what the Node replay offered before: SqlEventSource over the same Parquet (DuckDB queries
 *         per 5-minute window → event objects), each event then serialized.
 *  The replay copies of the five days are built before parts 2–3 (a server builds a closed day's
 *  copy on its first replay).
 *  2. Delivered over WebSocket by a `helios serve` process (the CLI, spawned) at the protocol's
 *     top speed (10,000×): to one local client (events/s, MB/s, how much faster than 10,000× the
 *     day went by or whether it kept up), then to 20 clients at once (per-client rate).
 *  3. The server's RSS while 5 clients replay 5 different days at 10,000× (goal flat, ≤ 300 MB).
 *
 * BENCH_CLIENTS (default 20), BENCH_REPLAY_S (seconds per replay for 2–3, default the whole day)
 * and BENCH_PARTS (e.g. `3`; default `123`) adjust the run. The load average is printed with every figure: other jobs slow them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import WebSocket from 'ws';
import { GROUPS, type Channel } from '../src/shared/channels';
import { DataRoot } from '../src/services/data-root';
import { ensureDemoData } from '../src/services/demo';
import { dayParquetFiles, openNodeEventSource } from '../src/services/replay/node-event-source';
import { DayStream, FileCursor } from '../src/services/replay/parquet-stream';
import { buildReplayCopy, ReplayCopy } from '../src/services/replay/replay-copy';
import { ReplayCopies } from '../src/services/replay/replay-copies';
import { CHANNELS } from '../src/shared/channels';
import { REPO_ROOT } from '../src/services/web/renderer-build';

const DIR = process.env.BENCH_SERVE_DIR ?? '/tmp/helios-serve-bench';
const DATE = '2026-01-28';
const OTHER_DATES = ['2026-01-24', '2026-01-25', '2026-01-26', '2026-01-27'];
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const REPLAY_S = process.env.BENCH_REPLAY_S ? Number(process.env.BENCH_REPLAY_S) : null;
const PARTS = process.env.BENCH_PARTS ?? '123';
const root = new DataRoot(DIR);

const load = () => `load ${loadavg()[0]!.toFixed(1)}`;
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function ensureDays(): Promise<void> {
  for (const date of [DATE, ...OTHER_DATES]) {
    if (existsSync(root.manifestFile({ station_id: 'KLGA', date }))) continue;
    const t0 = performance.now();
    process.stdout.write(`  synthesizing KLGA ${date} (24 h, 6 tokens)…`);
    await ensureDemoData(DIR, { date, tokens: 6, force: true });
    console.log(` ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
}

/** 1. The whole day through DayStream, with or without writing each event's JSON. */
async function streamDay(instance: DuckDBInstance, json: boolean): Promise<{ events: number; ms: number; bytes: number }> {
  const day = { station_id: 'KLGA', date: DATE };
  const files = await dayParquetFiles(root, day, await root.readManifest(day));
  const t0 = performance.now();
  const stream = await DayStream.open(instance, files, 0);
  let events = 0;
  let bytes = 0;
  let last = -Infinity;
  const sink = json
    ? (c: Parameters<Parameters<DayStream['take']>[2]>[0], row: number) => {
        bytes += c.json(row).length;
      }
    : (c: Parameters<Parameters<DayStream['take']>[2]>[0], row: number) => {
        const t = c.times[row]!;
        if (t < last) throw new Error('out of order');
        last = t;
      };
  for (;;) {
    const n = await stream.take(Infinity, 5000, sink);
    if (n === 0) break;
    events += n;
  }
  await stream.close();
  return { events, ms: performance.now() - t0, bytes };
}

/**
 * The ceiling under the merge: the same DuckDB queries (every part file at once, the same columns)
 * read to the end with no merge, each chunk dropped as it arrives.
 */
async function decodeDay(instance: DuckDBInstance): Promise<{ events: number; ms: number }> {
  const day = { station_id: 'KLGA', date: DATE };
  const files = await dayParquetFiles(root, day, await root.readManifest(day));
  const t0 = performance.now();
  const counts = await Promise.all(
    Object.entries(files).flatMap(([ch, paths]) =>
      paths!.map(async (file) => {
        const cursor = await FileCursor.open(instance, ch as Channel, file, 0);
        let rows = 0;
        for (;;) {
          await cursor.load();
          if (cursor.ended) break;
          rows += cursor.count;
          cursor.row = cursor.count;
        }
        await cursor.close();
        return rows;
      }),
    ),
  );
  return { events: counts.reduce((a, b) => a + b, 0), ms: performance.now() - t0 };
}

/** The whole day from its replay copy, every channel, as the JSON of the events messages. */
async function copyDay(path: string): Promise<{ events: number; ms: number; bytes: number }> {
  const t0 = performance.now();
  const copy = await ReplayCopy.open(path);
  const events = copy.events(0, new Set(CHANNELS));
  let n = 0;
  let bytes = 0;
  for (;;) {
    const batch = await events.next(Infinity, { maxEvents: 5000, maxBytes: 1024 * 1024 });
    if (batch.count === 0) break;
    n += batch.count;
    for (const piece of batch.json) bytes += piece.length;
  }
  await events.close();
  copy.close();
  return { events: n, ms: performance.now() - t0, bytes };
}

/** Build the replay copies a server would build on first replay, for the days parts 2–3 replay. */
async function ensureCopies(): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '512MB' });
  const copies = new ReplayCopies(root, instance);
  for (const date of [DATE, ...OTHER_DATES]) {
    const day = { station_id: 'KLGA', date };
    await copies.ensure(day, await root.readManifest(day));
  }
  await copies.close();
  instance.closeSync();
}

/** Baseline A: the day's journal lines, read and parsed one by one. */
async function ndjsonDay(): Promise<{ events: number; ms: number }> {
  const dir = root.journalDir({ station_id: 'KLGA', date: DATE });
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ndjson')).sort();
  const t0 = performance.now();
  let events = 0;
  for (const f of files) {
    let rest = '';
    for await (const chunk of createReadStream(join(dir, f), { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line.length > 0 && (JSON.parse(line) as { event_id?: string }).event_id) events++;
    }
    if (rest.length > 0) events++;
  }
  return { events, ms: performance.now() - t0 };
}

/** Baseline B: SqlEventSource windows over the same Parquet, each event serialized. */
async function sqlSourceDay(instance: DuckDBInstance): Promise<{ events: number; ms: number }> {
  const day = { station_id: 'KLGA', date: DATE };
  const t0 = performance.now();
  const source = await openNodeEventSource(root, day, { instance });
  const info = await source.initialize();
  let events = 0;
  for (let t = info.start_ms; t <= info.end_ms; t += 300_000) {
    for (const e of await source.fetchEvents(t, Math.min(t + 300_000, info.end_ms + 1))) {
      JSON.stringify(e);
      events++;
    }
  }
  await source.close();
  return { events, ms: performance.now() - t0 };
}

interface ServeProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startServe(): Promise<ServeProcess> {
  // as `npm run -s helios -- serve` runs it (the bundled CLI), without npm's own process in between
  const child: ChildProcess = spawn(process.execPath, ['scripts/helios.mjs', 'serve', '--data', DIR, '--port', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += String(d);
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`helios serve exited (${code}):\n${output}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

interface ReplayResult {
  events: number;
  bytes: number;
  ms: number;
  /** Virtual time covered. */
  virtualMs: number;
}

/** A client replaying `date` from its start at 10,000×, counting events without parsing them. */
function replayClient(url: string, date: string, limitS: number | null): Promise<ReplayResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/replay?station=KLGA&date=${date}`, { maxPayload: 512 * 1024 * 1024 });
    let events = 0;
    let bytes = 0;
    let t0 = 0;
    let startMs = 0;
    let virtualMs = 0;
    const finish = () => {
      ws.close();
      resolve({ events, bytes, ms: performance.now() - t0, virtualMs });
    };
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', groups: GROUPS }));
      ws.send(JSON.stringify({ type: 'speed', speed: 10_000 }));
      ws.send(JSON.stringify({ type: 'play' }));
      t0 = performance.now();
    });
    ws.on('message', (data: Buffer) => {
      bytes += data.length;
      const text = data.toString('latin1');
      if (text.startsWith('{"type":"events"')) {
        for (let i = text.indexOf('"event_id":'); i >= 0; i = text.indexOf('"event_id":', i + 11)) events++;
      } else if (text.startsWith('{"type":"clock"')) {
        const clock = (JSON.parse(text) as { clock: { current_ms: number; start_ms: number; end_ms: number; playing: boolean } }).clock;
        startMs ||= clock.start_ms;
        virtualMs = clock.current_ms - startMs;
        const done = !clock.playing && clock.current_ms === clock.end_ms && events > 0;
        if (done || (limitS !== null && performance.now() - t0 > limitS * 1000)) finish();
      } else if (text.startsWith('{"type":"error"')) reject(new Error(text));
    });
    ws.on('error', reject);
  });
}

async function main(): Promise<void> {
  await ensureDays();
  const day = { station_id: 'KLGA', date: DATE };
  const manifest = await root.readManifest(day);
  const rows = Object.values(manifest.channels).reduce((n, c) => n + c!.rows, 0);
  const parquetBytes = Object.values(manifest.channels).reduce((n, c) => n + c!.bytes, 0);
  console.log(`day: KLGA ${DATE}, ${rows.toLocaleString('en-US')} events, ${mb(parquetBytes)} Parquet; ${cpus().length} cores, ${load()} (other jobs slow every figure)`);
  if (PARTS.includes('1')) await mergeFigures();
  if (PARTS.includes('2') || PARTS.includes('3')) await ensureCopies();
  // each part gets a fresh server: the memory figure is not to start from what 20 clients left
  if (PARTS.includes('2')) await withServe((serve) => deliveryFigures(serve.url));
  if (PARTS.includes('3')) await withServe(memoryFigures);
}

async function withServe(run: (serve: ServeProcess) => Promise<void>): Promise<void> {
  const serve = await startServe();
  try {
    await run(serve);
  } finally {
    await serve.stop();
  }
}

/** 1. Merged in order inside the server, against the baselines; each run twice, the faster counts. */
async function mergeFigures(): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '256MB' });
  const best = async <T extends { ms: number }>(run: () => Promise<T>): Promise<T> => {
    const a = await run();
    const b = await run();
    return a.ms < b.ms ? a : b;
  };
  const day = { station_id: 'KLGA', date: DATE };
  const copyPath = join(DIR, `replay-copy-bench-${process.pid}.parquet`);
  const built0 = performance.now();
  await buildReplayCopy(instance, await dayParquetFiles(root, day, await root.readManifest(day)), copyPath);
  const buildMs = performance.now() - built0;
  const copied = await best(() => copyDay(copyPath));
  const copyBytes = (await stat(copyPath)).size;
  await rm(copyPath);
  console.log(
    `\n1. merged in order from Parquet, the replay copy: ${copied.events.toLocaleString('en-US')} events in ${copied.ms.toFixed(0)} ms = ${rate(copied.events, copied.ms)}, as their JSON (${mb((copied.bytes / copied.ms) * 1000)}/s) (${load()}; goal ≥ 1,000,000/s, tardis-machine states ~700,000 msg/s)`,
  );
  console.log(`   built once per closed day: ${(buildMs / 1000).toFixed(1)} s, ${mb(copyBytes)} (the day's own Parquet: ${mb(Object.values((await root.readManifest(day)).channels).reduce((n, c) => n + c!.bytes, 0))})`);
  const merged = await best(() => streamDay(instance, false));
  console.log(`   DayStream (no copy), merged: ${merged.events.toLocaleString('en-US')} events in ${merged.ms.toFixed(0)} ms = ${rate(merged.events, merged.ms)} (${load()})`);
  const decoded = await best(() => decodeDay(instance));
  console.log(`   the ceiling under it, DuckDB decoding the same columns of every file at once with no merge: ${rate(decoded.events, decoded.ms)}; the merge keeps ${((merged.ms > 0 ? decoded.ms / merged.ms : 0) * 100).toFixed(0)}% of it (${load()})`);
  const written = await best(() => streamDay(instance, true));
  console.log(`   …each written as its JSON: ${rate(written.events, written.ms)}, ${mb(written.bytes)} of JSON (${mb((written.bytes / written.ms) * 1000)}/s) (${load()})`);
  const a = await best(ndjsonDay);
  console.log(`   baseline A, the tardis-machine design here (NDJSON journal lines read and parsed): ${rate(a.events, a.ms)} (${load()})`);
  const b = await best(() => sqlSourceDay(instance));
  console.log(`   baseline B, SqlEventSource in 5-minute windows, events serialized: ${rate(b.events, b.ms)} (${load()})`);
  const ratio = (x: { events: number; ms: number }, y: { events: number; ms: number }) => `${(x.events / x.ms / (y.events / y.ms)).toFixed(2)}×`;
  console.log(
    `   ratios: replay copy (JSON) ${ratio(copied, a)} A, ${ratio(copied, b)} B, ${ratio(copied, written)} DayStream + JSON; DayStream merged ${ratio(merged, a)} A, ${ratio(merged, b)} B; DayStream + JSON ${ratio(written, a)} A, ${ratio(written, b)} B`,
  );
  instance.closeSync();
}

/** 2. Delivered by a helios serve process: one client, then CLIENTS at once. */
async function deliveryFigures(url: string): Promise<void> {
  const one = await replayClient(url, DATE, REPLAY_S);
  console.log(
    `\n2. one WebSocket client at 10,000× (closed days from their replay copies): ${one.events.toLocaleString('en-US')} events in ${(one.ms / 1000).toFixed(1)} s = ${rate(one.events, one.ms)}, ${mb((one.bytes / one.ms) * 1000)}/s; the day went by at ${(one.virtualMs / one.ms).toFixed(0)}× (${load()})`,
  );
  const many = await Promise.all(Array.from({ length: CLIENTS }, () => replayClient(url, DATE, REPLAY_S ?? 60)));
  const perClient = many.map((r) => (r.events / r.ms) * 1000).sort((x, y) => x - y);
  const total = perClient.reduce((s, x) => s + x, 0);
  console.log(
    `   ${CLIENTS} clients at once, ${REPLAY_S ?? 60} s each: per client min ${Math.round(perClient[0]!).toLocaleString('en-US')}/s, median ${Math.round(perClient[Math.floor(CLIENTS / 2)]!).toLocaleString('en-US')}/s; together ${Math.round(total).toLocaleString('en-US')}/s, ${mb(many.reduce((s, r) => s + (r.bytes / r.ms) * 1000, 0))}/s (${load()})`,
  );
}

/** 3. The server's RSS while 5 clients replay 5 different days. */
async function memoryFigures(serve: ServeProcess): Promise<void> {
  const samples: number[] = [rssOf(serve.pid)];
  const sampler = setInterval(() => samples.push(rssOf(serve.pid)), 500);
  const five = await Promise.all([DATE, ...OTHER_DATES].map((date) => replayClient(serve.url, date, REPLAY_S)));
  clearInterval(sampler);
  samples.push(rssOf(serve.pid));
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  console.log(
    `\n3. server RSS while 5 clients replay 5 different days at 10,000× (${five.reduce((s, r) => s + r.events, 0).toLocaleString('en-US')} events, ${(Math.max(...five.map((r) => r.ms)) / 1000).toFixed(0)} s): before ${mb(samples[0]!)}, max ${mb(Math.max(...samples))}, first quarter max ${mb(Math.max(...samples.slice(0, quarter)))}, last quarter max ${mb(Math.max(...samples.slice(-quarter)))}, after ${mb(samples.at(-1)!)} (${load()}; goal flat, ≤ 300 MB)`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
