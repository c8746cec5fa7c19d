/**
 * `npm run bench -- journal`
 *
 * 1. Journal throughput: the same realistic events (a simulated KLGA afternoon run through the
 *    recorder: snapshots, window deltas, trades, PWS, health, …) written by JournalWriter and by
 *    pino to a file, alternating, in this process. Goal: ≥ 1.5× pino.
 * 2. What handing events to a worker would cost the live loop (V8's serializer, as postMessage
 *    runs it) vs. serializing them here — the figure behind the "no worker thread" choice.
 * 3. Event-loop delay of a live recording session fed 20k events/s (a market source pushing
 *    price_change batches inside an open window, snapshots, health, journal, ring buffers), measured
 *    with perf_hooks.monitorEventLoopDelay. Goal: p99 ≤ 5 ms. Each run is a fresh child process,
 *    alternating the baseline (default V8 flags) with the recorder utility process's flags
 *    (src/main/utility-process-flags.ts: a larger young generation), so both p99s are printed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';
import pino from 'pino';
import { DataRoot } from '../src/services/data-root';
import { resolveRecordingConfig } from '../src/services/recorder/config';
import { JournalWriter } from '../src/services/recorder/journal-writer';
import { Recorder } from '../src/services/recorder/recorder';
import { RingBuffers } from '../src/services/recorder/ring-buffers';
import { startRecording } from '../src/services/recorder/session';
import { simulateDay, simulatedMarket } from '../src/services/sources/simulator/simulate-day';
import type { MarketToken, Source, SourceSink } from '../src/services/sources/source';
import type { AnyEvent } from '../src/shared/schemas';
import { localDayBoundsUtc } from '../src/shared/time';
import { UTILITY_PROCESS_EXEC_ARGV } from '../src/main/utility-process-flags';

const EVENTS = 150_000;
const ROUNDS = 3;
const LIVE_RATE = 20_000;
const LIVE_SECONDS = 8;
/** Live-loop runs per variant (each its own process), alternating. */
const LIVE_ROUNDS = 2;
const LIVE_CHILD_ENV = 'HELIOS_BENCH_LIVE_CHILD';

const scratch = mkdtempSync(join(tmpdir(), 'helios-bench-journal-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

// ── the events ────────────────────────────────────────────────────────────────────────────────
function realisticEvents(): AnyEvent[] {
  const date = '2026-01-29';
  const [dayStart] = localDayBoundsUtc(date, 'America/New_York');
  const from = dayStart + 13 * 3_600_000;
  const sim = { date, seed: 7, from, to: from + 3 * 3_600_000 };
  const events: AnyEvent[] = [];
  const recorder = new Recorder({
    station_id: 'KLGA',
    tokens: simulatedMarket(sim).tokens,
    config: resolveRecordingConfig({}),
    startMs: from,
    emit: (e) => events.push(e),
  });
  for (const m of simulateDay(sim)) {
    recorder.ingest(m);
    if (events.length >= EVENTS) break;
  }
  return events.slice(0, EVENTS);
}

interface Run {
  wallMs: number;
  /** CPU time of the whole process (all threads), ms: less sensitive to other load on the machine. */
  cpuMs: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function journalRun(events: AnyEvent[], dir: string): Promise<Run> {
  const writer = new JournalWriter({
    dataRoot: new DataRoot(dir),
    station_id: 'KLGA',
    config: resolveRecordingConfig({ journal: { fsync: 'none' } }).journal,
    shed: false,
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < events.length; i++) {
    writer.enqueue(events[i]!);
    if ((i & 1023) === 1023 && writer.queueDepth >= 20_000) await writer.drain();
  }
  await writer.close();
  return { wallMs: performance.now() - t0, cpuMs: cpuMs(c0) };
}

async function pinoRun(events: AnyEvent[], file: string): Promise<Run> {
  const dest = pino.destination({ dest: file, sync: false, minLength: 4096, mkdir: true });
  await new Promise<void>((resolve) => dest.once('ready', () => resolve()));
  const logger = pino({ base: null, timestamp: false }, dest);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < events.length; i++) {
    logger.info(events[i]);
  }
  await new Promise<void>((resolve, reject) => {
    dest.once('close', () => resolve());
    dest.once('error', reject);
    dest.end();
  });
  return { wallMs: performance.now() - t0, cpuMs: cpuMs(c0) };
}

async function throughput(events: AnyEvent[]): Promise<void> {
  const bytes = events.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)) + 1, 0);
  const mix = new Map<string, number>();
  for (const e of events) mix.set(e.ch, (mix.get(e.ch) ?? 0) + 1);
  console.log(`events: ${events.length} (${(bytes / 1e6).toFixed(1)} MB as NDJSON, avg ${Math.round(bytes / events.length)} B) — ${[...mix].map(([c, n]) => `${c} ${n}`).join(', ')}`);
  await journalRun(events.slice(0, 20_000), join(scratch, 'warm-j'));
  await pinoRun(events.slice(0, 20_000), join(scratch, 'warm-p', 'x.log'));
  const ours: Run[] = [];
  const theirs: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const jdir = join(scratch, `journal-${r}`);
    ours.push(await journalRun(events, jdir));
    const pfile = join(scratch, `pino-${r}`, 'pino.log');
    theirs.push(await pinoRun(events, pfile));
    if (r === 0) console.log(`on disk: journal ${(dirBytes(jdir) / 1e6).toFixed(1)} MB, pino ${(statSync(pfile).size / 1e6).toFixed(1)} MB`);
    global.gc?.();
  }
  const wall = (runs: Run[]) => median(runs.map((r) => r.wallMs));
  const cpu = (runs: Run[]) => median(runs.map((r) => r.cpuMs));
  const j = events.length / (wall(ours) / 1000);
  const p = events.length / (wall(theirs) / 1000);
  const perEvent = (runs: Run[]) => ((cpu(runs) / events.length) * 1000).toFixed(2);
  console.log(
    `JournalWriter: ${Math.round(j).toLocaleString('en-US')} events/s (${((bytes / wall(ours)) * 1e-3).toFixed(0)} MB/s), ${perEvent(ours)} µs CPU/event; runs ${ours.map((x) => x.wallMs.toFixed(0)).join('/')} ms`,
  );
  console.log(
    `pino, same events to a file (async, 4 KiB min buffer): ${Math.round(p).toLocaleString('en-US')} events/s, ${perEvent(theirs)} µs CPU/event; runs ${theirs.map((x) => x.wallMs.toFixed(0)).join('/')} ms`,
  );
  console.log(
    `ratio JournalWriter / pino: ${(j / p).toFixed(2)}× by wall time, ${(cpu(theirs) / cpu(ours)).toFixed(2)}× by CPU time  (goal ≥ 1.5×) ${j / p >= 1.5 ? 'OK' : 'BELOW GOAL'}`,
  );
}

function handOffCost(events: AnyEvent[]): void {
  const sample = events.slice(0, 50_000);
  const time = (f: () => void) => {
    f();
    const c0 = process.cpuUsage();
    f();
    return (cpuMs(c0) / sample.length) * 1000;
  };
  // postMessage runs V8's ValueSerializer on the sending thread (the worker deserializes):
  // v8.serialize is that same serializer.
  const clone = time(() => {
    for (let i = 0; i < sample.length; i += 1000) v8.serialize(sample.slice(i, i + 1000));
  });
  const json = time(() => {
    for (const e of sample) JSON.stringify(e);
  });
  console.log(
    `CPU per event on the live thread: handing it to a worker (postMessage's serializer, v8.serialize) ${clone.toFixed(2)} µs vs JSON.stringify (serializing it here) ${json.toFixed(2)} µs`,
  );
}

// ── live loop at 20k events/s ─────────────────────────────────────────────────────────────────
/**
 * A market source pushing `rate` level changes per second as price_change batches of ≤ 20, on a
 * 1 ms timer that catches up with the wall clock (at most 20 ms worth per tick). Changes churn
 * levels 3–9 of each book, so the best bid/ask (0.49/0.51) never move and every change is a plain
 * delta.
 */
class RateSource implements Source {
  readonly info;
  private sink: SourceSink | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sent = 0;
  private t0 = 0;
  private hash = 0;

  constructor(
    tokens: MarketToken[],
    private readonly rate: number,
  ) {
    this.info = { id: 'rate', station_id: 'KLGA', tokens };
  }

  private book(token: string) {
    const levels = (from: number, dir: number) => Array.from({ length: 10 }, (_, i) => ({ price: (from + dir * i * 0.01).toFixed(2), size: '500' }));
    return { asset_id: token, market: 'm', bids: levels(0.49, -1), asks: levels(0.51, 1), timestamp: String(Date.now()), hash: `b${this.hash++}` };
  }

  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    for (const t of this.info.tokens) sink.push({ kind: 'clob', received_ms: Date.now(), message: { event_type: 'book', ...this.book(t.token_id) } });
    this.t0 = performance.now();
    this.timer = setInterval(() => this.tick(), 1);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.sink = null;
  }

  requestBook(token: string): void {
    setImmediate(() => this.sink?.push({ kind: 'clob_rest_book', received_ms: Date.now(), book: this.book(token) }));
  }

  get changes(): number {
    return this.sent;
  }

  private tick(): void {
    // After a stall a socket would hand over what piled up, but not unboundedly much per read.
    const due = Math.min(this.rate / 50, Math.floor(((performance.now() - this.t0) / 1000) * this.rate) - this.sent);
    const tokens = this.info.tokens;
    for (let done = 0; done < due && this.sink; ) {
      const n = Math.min(20, due - done);
      const price_changes = [];
      for (let i = 0; i < n; i++) {
        const k = this.sent++;
        const depth = 3 + (k % 7);
        const buy = (k >> 3) % 2 === 0;
        price_changes.push({
          asset_id: tokens[k % tokens.length]!.token_id,
          price: (buy ? 0.49 - depth * 0.01 : 0.51 + depth * 0.01).toFixed(2),
          size: String(400 + (k % 200)),
          side: buy ? ('BUY' as const) : ('SELL' as const),
          hash: `h${this.hash++}`,
          best_bid: '0.49',
          best_ask: '0.51',
        });
      }
      this.sink.push({ kind: 'clob', received_ms: Date.now(), message: { event_type: 'price_change', market: 'm', price_changes, timestamp: String(Date.now()) } });
      done += n;
    }
  }
}

/**
 * Bench-only instrumentation: how long each synchronous call into the recorder and the feed takes
 * (ingest, advanceTo, publish), to tell our own blocking apart from GC and from other processes.
 */
function timeCalls(): () => number[] {
  const durations: number[] = [];
  const wrap = (proto: Record<string, unknown>, name: string) => {
    const original = proto[name] as (...args: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        durations.push(performance.now() - t0);
      }
    };
  };
  wrap(Recorder.prototype as unknown as Record<string, unknown>, 'ingest');
  wrap(Recorder.prototype as unknown as Record<string, unknown>, 'advanceTo');
  wrap(RingBuffers.prototype as unknown as Record<string, unknown>, 'publish');
  return () => durations.splice(0);
}

interface LiveResult {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  minor_gcs: number;
  events_per_s: number;
}

async function liveLoop(): Promise<LiveResult> {
  const calls = timeCalls();
  const tokens: MarketToken[] = Array.from({ length: 10 }, (_, i) => ({ token_id: String(1000 + i), market_id: 'm', bucket: `b${i}` }));
  const source = new RateSource(tokens, LIVE_RATE);
  const session = await startRecording({ dataRoot: join(scratch, 'live'), source });
  session.markWindow(3_600_000, 'bench: journal every change');
  let received = 0;
  session.feed.subscribe(['l2', 'health'], (m) => {
    if (m.type === 'events') received += m.events.length;
  });
  const h = monitorEventLoopDelay({ resolution: 1 });
  const gcPauses: { major: number[]; minor: number[] } = { major: [], minor: [] };
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      (kind === constants.NODE_PERFORMANCE_GC_MAJOR ? gcPauses.major : gcPauses.minor).push(e.duration);
    }
  });
  await new Promise((r) => setTimeout(r, 500)); // settle: JIT, first flushes
  const before = session.stats();
  const sentBefore = source.changes;
  calls();
  h.enable();
  gc.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, LIVE_SECONDS * 1000));
  h.disable();
  gc.disconnect();
  const work = calls().sort((a, b) => a - b);
  const seconds = (performance.now() - t0) / 1000;
  const busy = cpuMs(c0) / 1000 / seconds;
  const after = session.stats();
  const final = await session.stop();
  const count = (s: typeof after) => Object.values(s.recorder.events).reduce((a, b) => a + b, 0);
  const events = (count(after) - count(before)) / seconds;
  const ms = (ns: number) => (ns / 1e6).toFixed(2);
  const dropped = Object.entries(final.journal.dropped).filter(([, n]) => n > 0);
  console.log(
    `live loop: ${Math.round(events).toLocaleString('en-US')} events/s through the recorder for ${seconds.toFixed(1)} s ` +
      `(${Math.round((source.changes - sentBefore) / seconds).toLocaleString('en-US')} changes/s in, ${received.toLocaleString('en-US')} events to a live subscriber; process CPU ${(busy * 100).toFixed(0)}% of a core)`,
  );
  console.log(
    `event-loop delay: p50 ${ms(h.percentile(50))} ms · p99 ${ms(h.percentile(99))} ms · max ${ms(h.max)} ms  (goal p99 ≤ 5 ms) ${h.percentile(99) / 1e6 <= 5 ? 'OK' : 'ABOVE GOAL'}`,
  );
  console.log(
    `recorder's own synchronous work per call (ingest / advanceTo / publish, ${work.length.toLocaleString('en-US')} calls): ` +
      `p99 ${work[Math.floor(work.length * 0.99)]!.toFixed(2)} ms · p99.9 ${work[Math.floor(work.length * 0.999)]!.toFixed(2)} ms · max ${work.at(-1)!.toFixed(2)} ms (a GC or a preemption landing inside a call counts too)`,
  );
  console.log(
    `GC during the run: ${gcPauses.minor.length} minor (max ${Math.max(0, ...gcPauses.minor).toFixed(1)} ms), ${gcPauses.major.length} major (max ${Math.max(0, ...gcPauses.major).toFixed(1)} ms); heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
  );
  console.log(
    `journal during the run: written ${final.journal.events_written.toLocaleString('en-US')}, flush p99 ${final.journal.flush_ms_p99.toFixed(1)} ms, ingest→journal p99 ${final.journal.ingest_to_journal_ms_p99?.toFixed(1)} ms, dropped ${dropped.length ? dropped.map(([c, n]) => `${c}=${n}`).join(' ') : 'none'}`,
  );
  return { p50_ms: h.percentile(50) / 1e6, p99_ms: h.percentile(99) / 1e6, max_ms: h.max / 1e6, minor_gcs: gcPauses.minor.length, events_per_s: events };
}

/** One live-loop run in a fresh process started with `flags`; its report is indented under `label`. */
function liveLoopChild(flags: readonly string[], label: string): LiveResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...flags, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [LIVE_CHILD_ENV]: '1' },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const lines = (r.stdout ?? '').trim().split('\n');
  const result = lines.find((l) => l.startsWith('RESULT '));
  console.log(`${label}:`);
  for (const l of lines) if (!l.startsWith('RESULT ')) console.log(`  ${l}`);
  if (r.status !== 0 || !result) throw new Error(`live-loop child (${label}) failed with status ${r.status}: ${r.stderr}`);
  return JSON.parse(result.slice('RESULT '.length)) as LiveResult;
}

function liveLoopFlags(): void {
  const baseline: LiveResult[] = [];
  const flagged: LiveResult[] = [];
  const flagText = UTILITY_PROCESS_EXEC_ARGV.join(' ');
  for (let r = 0; r < LIVE_ROUNDS; r++) {
    baseline.push(liveLoopChild([], `live loop, run ${r + 1}, baseline: default V8 flags`));
    flagged.push(liveLoopChild(UTILITY_PROCESS_EXEC_ARGV, `live loop, run ${r + 1}, recorder process flags: ${flagText}`));
  }
  const p99s = (xs: LiveResult[]) => xs.map((x) => x.p99_ms.toFixed(2)).join(' / ');
  const gcs = (xs: LiveResult[]) => xs.map((x) => x.minor_gcs).join(' / ');
  const b = median(baseline.map((x) => x.p99_ms));
  const f = median(flagged.map((x) => x.p99_ms));
  console.log(`event-loop delay p99 at 20k events/s, default flags: ${p99s(baseline)} ms (minor GCs ${gcs(baseline)})`);
  console.log(`event-loop delay p99 at 20k events/s, ${flagText}: ${p99s(flagged)} ms (minor GCs ${gcs(flagged)})`);
  console.log(`ratio p99 default / ${flagText}: ${(b / f).toFixed(2)}× (median of ${LIVE_ROUNDS} runs each; goal p99 ≤ 5 ms with the flag) ${f <= 5 ? 'OK' : 'ABOVE GOAL'}`);
}

async function offline(): Promise<void> {
  const events = realisticEvents();
  await throughput(events);
  handOffCost(events);
}

if (process.env[LIVE_CHILD_ENV] === '1') {
  const result = await liveLoop();
  console.log(`RESULT ${JSON.stringify(result)}`);
} else {
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (other processes skew wall-time figures; CPU-time ratios less so)`);
  await offline();
  liveLoopFlags();
}
