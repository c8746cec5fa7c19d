/**
 * `npm run bench -- clickhouse`
 *
 * Does the ClickHouse sink slow the live loop? A live recording session (the simulator's 8 tokens
 * at 120× virtual speed, i.e. 120 wall-clock seconds of market per second — the events/s are
 * printed —, journal and ring buffers as in the app) runs for a few seconds in three variants,
 * alternating, each a fresh session in this process: without a sink (the baseline), with the sink streaming to a real clickhouse-server
 * on loopback, and with the sink spooling to disk because the server is down. Printed: the
 * event-loop delay (perf_hooks.monitorEventLoopDelay) p50/p99/max of each, the p99 ratio against
 * the baseline, and the rows the sink sent or spooled. Goal: p99 ≤ 5 ms with the sink.
 * Then `helios clickhouse load` speed: a recorded day bulk-loaded from Parquet, rows/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ClickHouseSink, clickhouseConfigSchema, connectClickHouse, loadDays, prepareServer, type SinkStats } from '../src/services/clickhouse';
import { compactDay } from '../src/services/compactor';
import { DataRoot } from '../src/services/data-root';
import { openDuck } from '../src/services/duckdb';
import { startRecording } from '../src/services/recorder';
import { SimulatorSource } from '../src/services/sources/simulator';
import { getStation } from '../src/shared/stations';
import { localDayBoundsUtc } from '../src/shared/time';
import { clickhouseServerCommand, NOT_INSTALLED, TestClickHouse } from '../scripts/clickhouse-server';

const SPEED = 120;
const SECONDS = 6;
const ROUNDS = 2;
const DATE = '2026-11-20';

if (!clickhouseServerCommand()) {
  console.log(`skipped: ${NOT_INSTALLED}`);
  process.exit(0);
}

const scratch = mkdtempSync(join(tmpdir(), 'helios-bench-clickhouse-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const server = await TestClickHouse.start();
const ms = (ns: number) => ns / 1e6;

type Variant = 'no sink' | 'sink, server up' | 'sink, server down';
interface Result {
  p50: number;
  p99: number;
  max: number;
  events: number;
  sink: SinkStats | null;
}

let run = 0;
async function live(variant: Variant): Promise<Result> {
  const root = join(scratch, `live-${run++}`);
  const config = clickhouseConfigSchema.parse({ url: variant === 'sink, server down' ? 'http://127.0.0.1:9' : server.url, database: `bench_${run}` });
  const sink = variant === 'no sink' ? null : new ClickHouseSink({ config, spoolDir: join(root, 'spool'), log: () => {} });
  await sink?.start();
  const [midnight] = localDayBoundsUtc(DATE, getStation('KLGA').timeZone);
  const source = new SimulatorSource({ station: 'KLGA', seed: 5, speed: SPEED, start: midnight + 10 * 3_600_000 });
  const session = await startRecording({ dataRoot: root, source, clock: source.clock, onEvent: sink ? (e) => sink.push(e) : undefined });
  await new Promise((r) => setTimeout(r, 1000)); // settle: JIT, server connection, first batches
  const h = monitorEventLoopDelay({ resolution: 1 });
  const count = () => Object.values(session.stats().recorder.events).reduce((a, b) => a + b, 0);
  const before = count();
  const t0 = performance.now();
  h.enable();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  h.disable();
  const events = (count() - before) / ((performance.now() - t0) / 1000);
  await session.stop();
  const stats = (await sink?.stop({ drainMs: 30_000 })) ?? null;
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), events, sink: stats };
}

const variants: Variant[] = ['no sink', 'sink, server up', 'sink, server down'];
const results = new Map<Variant, Result[]>(variants.map((v) => [v, []]));
for (let round = 0; round < ROUNDS; round++) for (const v of variants) results.get(v)!.push(await live(v));

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores; simulator at ${SPEED}×, ${SECONDS} s per run, ${ROUNDS} runs per variant`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const baseline = median(results.get('no sink')!.map((r) => r.p99));
for (const v of variants) {
  const rs = results.get(v)!;
  const p99 = median(rs.map((r) => r.p99));
  const sink = rs.map((r) => r.sink).filter((s): s is SinkStats => s !== null);
  const sinkText = sink.length
    ? `; sink: ${sink.map((s) => `${s.sent_rows.toLocaleString('en-US')} rows sent, ${s.spooled_total} batches spooled`).join(' / ')}`
    : '';
  console.log(
    `${v.padEnd(18)} event-loop delay p50 ${median(rs.map((r) => r.p50)).toFixed(2)} ms · p99 ${p99.toFixed(2)} ms (${(p99 / baseline).toFixed(2)}× no sink) · max ${Math.max(...rs.map((r) => r.max)).toFixed(1)} ms; ${Math.round(median(rs.map((r) => r.events))).toLocaleString('en-US')} events/s${sinkText}${v !== 'no sink' ? (p99 <= 5 ? '  (goal p99 ≤ 5 ms: OK)' : '  (goal p99 ≤ 5 ms: ABOVE)') : ''}`,
  );
}

// bulk load of a compacted day
const dayRoot = join(scratch, 'live-1'); // the first "sink, server up" run's journal
await compactDay({ dataRoot: new DataRoot(dayRoot), station: 'KLGA', date: DATE });
const config = clickhouseConfigSchema.parse({ url: server.url, database: 'bench_load' });
const http = connectClickHouse(config);
const duck = await openDuck();
await prepareServer(http, config);
const t0 = performance.now();
const loads = await loadDays({ dataRoot: new DataRoot(dayRoot), http, duck, config, days: [{ station_id: 'KLGA', date: DATE }] });
const seconds = (performance.now() - t0) / 1000;
const rows = loads.reduce((n, l) => n + l.rows, 0);
const t1 = performance.now();
await loadDays({ dataRoot: new DataRoot(dayRoot), http, duck, config, days: [{ station_id: 'KLGA', date: DATE }] });
console.log(
  `clickhouse load: ${rows.toLocaleString('en-US')} rows of one day in ${seconds.toFixed(1)} s (${Math.round(rows / seconds).toLocaleString('en-US')} rows/s); again (all already there): ${((performance.now() - t1) / 1000).toFixed(1)} s`,
);
duck.close();
await http.close();
await server.dispose();
