/**
 * `npm run bench -- sources`
 *
 * The real connectors under load, against the fake venue of the tests (test/sources/fake-upstreams.ts)
 * running in a child process, so that generating the feed does not share this event loop.
 *
 * 1. Throughput: the venue sends `price_change` frames at rising rates to a recording session
 *    (LiveSources → recorder → journal + ring buffers, raw capture on; 11 buckets × 2 days = 22
 *    tokens). For each rate: frames/s received, event-loop delay p50/p99 (monitorEventLoopDelay) and
 *    whether the session kept up (nothing left in flight 300 ms after the sender stops), and the
 *    CPU time this process spent per frame (independent of how loaded the machine is). Reported:
 *    the highest rate kept up with p99 ≤ 5 ms. Baseline, run on the same venue and ladder: a bare
 *    `ws` client that only JSON.parses each frame — the most a listener can do with no recording.
 * 2. Reconnect: the venue cuts the socket (no close frame) ten times; time from the cut to the new
 *    socket's subscription and to every book resynced from its dump, with the default backoff
 *    (first retry after 250–500 ms, jittered) and with a 20 ms one (the protocol's own cost).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startRecording, type RecordingSession } from '../src/services/recorder/session';
import { resolveSourcesConfig } from '../src/services/sources/config';
import { LiveSources } from '../src/services/sources/live-sources';
import { stationDate } from '../src/shared/time';
import { FakeVenue } from '../test/sources/fake-upstreams';

const CHILD_ENV = 'HELIOS_BENCH_VENUE_CHILD';
const RATES = [1000, 2000, 4000, 8000, 12_000, 16_000, 24_000];
const STEP_S = 4;
const CUTS = 10;

type ToVenue = { type: 'send'; rate: number; seconds: number } | { type: 'cut' } | { type: 'stop' };
type FromVenue = { type: 'ready'; http: string; ws: string; tokens: string[] } | { type: 'sent'; frames: number } | { type: 'cut'; at: number };

// ── the venue (child process) ───────────────────────────────────────────────────────────────────
async function venueChild(): Promise<void> {
  const venue = await FakeVenue.start();
  const today = stationDate(Date.now(), 'KLGA');
  const next = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const tokens = [...venue.listEvent(today, { buckets: 11 }), ...venue.listEvent(next, { buckets: 11 })].map((y) => y.token);
  const send = (m: FromVenue) => process.send!(m);
  let x = 12345;
  const rnd = () => ((x = (x * 48271) % 2147483647) / 2147483647);
  /** One level change near the top of a random book, each side kept on its side of the mid. */
  const change = (): void => {
    const t = tokens[Math.floor(rnd() * tokens.length)]!;
    const top = venue.top(t, 1);
    const buy = rnd() < 0.5;
    const edge = (buy ? top.bids[0]?.p : top.asks[0]?.p) ?? (buy ? 0.05 : 0.95);
    const p = Math.min(0.99, Math.max(0.01, Math.round((edge + (buy ? -1 : 1) * Math.floor(rnd() * 5) * 0.01) * 100) / 100));
    venue.change([[t, buy ? 'BUY' : 'SELL', String(p), String(50 + Math.floor(rnd() * 400))]]);
  };
  process.on('message', (m: ToVenue) => {
    if (m.type === 'stop') return void venue.stop().then(() => process.exit(0));
    if (m.type === 'cut') {
      venue.cut();
      return send({ type: 'cut', at: Date.now() });
    }
    const start = Date.now();
    let frames = 0;
    const timer = setInterval(() => {
      const due = Math.floor(((Date.now() - start) / 1000) * m.rate);
      while (frames < due) {
        change();
        frames++;
      }
      if (Date.now() - start >= m.seconds * 1000) {
        clearInterval(timer);
        send({ type: 'sent', frames });
      }
    }, 2);
  });
  send({ type: 'ready', http: venue.httpUrl, ws: venue.wsUrl, tokens });
}

// ── the recording side ──────────────────────────────────────────────────────────────────────────
function startVenue(): Promise<{ child: ChildProcess; ready: Extract<FromVenue, { type: 'ready' }> }> {
  const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [CHILD_ENV]: '1' }, execArgv: ['--import', 'tsx'] });
  return new Promise((resolve) => child.once('message', (m: FromVenue) => m.type === 'ready' && resolve({ child, ready: m })));
}

function ask<T extends FromVenue['type']>(child: ChildProcess, message: ToVenue, reply: T): Promise<Extract<FromVenue, { type: T }>> {
  return new Promise((resolve) => {
    const on = (m: FromVenue) => {
      if (m.type !== reply) return;
      child.off('message', on);
      resolve(m as Extract<FromVenue, { type: T }>);
    };
    child.on('message', on);
    child.send(message);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Step {
  rate: number;
  received_per_s: number;
  /** CPU time of this process (user + system) per frame received, µs. */
  cpu_us: number;
  p50: number;
  p99: number;
  kept_up: boolean;
}

/** Drive the ladder of rates against a listener that counts the frames it has taken in. */
async function ladder(child: ChildProcess, received: () => number): Promise<Step[]> {
  const steps: Step[] = [];
  for (const rate of RATES) {
    const h = monitorEventLoopDelay({ resolution: 1 });
    const before = received();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    h.enable();
    const { frames } = await ask(child, { type: 'send', rate, seconds: STEP_S }, 'sent');
    const elapsed = (performance.now() - t0) / 1000;
    h.disable();
    await sleep(300);
    const got = received() - before;
    const cpu = process.cpuUsage(cpu0);
    steps.push({
      rate,
      received_per_s: Math.round(got / elapsed),
      cpu_us: Math.round((cpu.user + cpu.system) / Math.max(1, got)),
      p50: h.percentile(50) / 1e6,
      p99: h.percentile(99) / 1e6,
      kept_up: got >= frames,
    });
    if (!steps.at(-1)!.kept_up && steps.at(-1)!.p99 > 50) break; // far past what it can take
    await sleep(500); // let the writer drain between steps
  }
  return steps;
}

function best(steps: Step[]): Step | null {
  return steps.filter((s) => s.kept_up && s.p99 <= 5).at(-1) ?? null;
}

function printSteps(name: string, steps: Step[]): void {
  console.log(`  ${name}`);
  for (const s of steps) {
    console.log(
      `    ${String(s.rate).padStart(6)} frames/s sent: ${String(s.received_per_s).padStart(6)}/s received, ${String(s.cpu_us).padStart(4)} µs CPU/frame, loop delay p50 ${s.p50.toFixed(2)} ms p99 ${s.p99.toFixed(2)} ms${s.kept_up ? '' : ', FELL BEHIND'}`,
    );
  }
}

async function recordingSession(ready: Extract<FromVenue, { type: 'ready' }>, root: string, reconnectMinMs?: number) {
  const config = resolveSourcesConfig({
    station: 'KLGA',
    polymarket: { gamma_url: ready.http, clob_url: ready.http, ws_url: ready.ws, days_ahead: 1, ...(reconnectMinMs ? { reconnect_min_ms: reconnectMinMs } : {}) },
    metar: null,
    pws: null,
    ingest: null,
  });
  const sources = await LiveSources.create({ config, dataRoot: root, log: () => {} });
  const session = await startRecording({ dataRoot: root, source: sources, clock: sources.clock });
  while (session.stats().recorder.resyncs < ready.tokens.length) await sleep(10);
  return { sources, session };
}

async function throughput(child: ChildProcess, ready: Extract<FromVenue, { type: 'ready' }>, root: string): Promise<void> {
  const { sources, session } = await recordingSession(ready, root);
  const recorded = await ladder(child, () => sources.captureStats()!.records);
  const stats = await session.stop();

  const ws = new WebSocket(ready.ws);
  let parsed = 0;
  ws.on('message', (d) => {
    JSON.parse(d.toString());
    parsed++;
  });
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ assets_ids: ready.tokens, type: 'market', custom_feature_enabled: true }));
  await sleep(300);
  const bare = await ladder(child, () => parsed);
  ws.close();

  console.log(`\n1. Throughput from the venue (22 tokens; ${STEP_S} s per rate; load ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores)`);
  printSteps('recording (LiveSources → recorder → journal + ring buffers + raw capture)', recorded);
  printSteps('baseline: bare ws client, JSON.parse only', bare);
  const r = best(recorded);
  const b = best(bare);
  console.log(
    `  sustained with loop p99 ≤ 5 ms: recording ${r ? `${r.received_per_s} frames/s (p99 ${r.p99.toFixed(2)} ms)` : 'none of the rates'}, ` +
      `baseline ${b ? `${b.received_per_s} frames/s` : 'none'}` +
      (r && b ? `; ratio ${(r.received_per_s / b.received_per_s).toFixed(2)}× the bare listener` : ''),
  );
  const cpu = (steps: Step[]) => Math.min(...steps.map((x) => x.cpu_us));
  console.log(`  CPU per frame (least over the rates): recording ${cpu(recorded)} µs, baseline ${cpu(bare)} µs — one core's worth: ~${Math.round(1e6 / cpu(recorded))} vs ~${Math.round(1e6 / cpu(bare))} frames/s`);
  console.log(`  recorded ${Object.values(stats.recorder.events).reduce((a, n) => a + n, 0)} events, dropped ${Object.values(stats.journal.dropped).reduce((a, n) => a + n, 0)}, windows ${stats.recorder.windows}, gaps ${stats.recorder.gaps}`);
}

async function reconnects(child: ChildProcess, ready: Extract<FromVenue, { type: 'ready' }>, root: string, reconnectMinMs?: number): Promise<{ up: number[]; synced: number[] }> {
  const { sources, session } = await recordingSession(ready, root, reconnectMinMs);
  const up: number[] = [];
  const synced: number[] = [];
  for (let i = 0; i < CUTS; i++) {
    const resyncs = session.stats().recorder.resyncs;
    const reconnectsBefore = session.stats().recorder.reconnects;
    const { at } = await ask(child, { type: 'cut' }, 'cut');
    let upAt: number | null = null;
    for (;;) {
      const s = session.stats().recorder;
      if (upAt === null && s.reconnects > reconnectsBefore) upAt = Date.now();
      if (s.resyncs >= resyncs + ready.tokens.length) break;
      await sleep(2);
    }
    up.push((upAt ?? Date.now()) - at);
    synced.push(Date.now() - at);
    await sleep(300);
  }
  await session.stop();
  void sources;
  return { up, synced };
}

function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[s.length >> 1]} ms, p90 ${s[Math.floor(s.length * 0.9)]} ms, max ${s.at(-1)} ms`;
}

async function main(): Promise<void> {
  const { child, ready } = await startVenue();
  const scratch = mkdtempSync(join(tmpdir(), 'helios-bench-sources-'));
  try {
    await throughput(child, ready, join(scratch, 'a'));
    const normal = await reconnects(child, ready, join(scratch, 'b'));
    const fast = await reconnects(child, ready, join(scratch, 'c'), 20);
    console.log(`\n2. Reconnect after a cut without a close frame (${CUTS} cuts; load ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    console.log(`  default backoff (first retry 250–500 ms): subscribed again ${summary(normal.up)}; every book resynced ${summary(normal.synced)}`);
    console.log(`  20 ms backoff (the protocol's own cost):  subscribed again ${summary(fast.up)}; every book resynced ${summary(fast.synced)}`);
  } finally {
    child.send({ type: 'stop' });
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.env[CHILD_ENV]) await venueChild();
else await main();
