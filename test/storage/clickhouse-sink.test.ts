/**
 * The ClickHouse sink against a real clickhouse-server started here (Debian's 18.16 on these
 * machines): a live recording streams into it while the server is killed and restarted, and the
 * day's rows in ClickHouse are then exactly the day's Parquet (count and checksum per channel).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compactDay } from '../../src/services/compactor';
import { DataRoot } from '../../src/services/data-root';
import { openDuck } from '../../src/services/duckdb';
import { startRecording } from '../../src/services/recorder';
import { startLiveSession } from '../../src/services/live-session';
import { SimulatorSource } from '../../src/services/sources/simulator';
import { ClickHouseSink, clickhouseConfigSchema, connectClickHouse, prepareServer, verifyDays, type ClickHouseConfigInput } from '../../src/services/clickhouse';
import { getStation } from '../../src/shared/stations';
import { localDayBoundsUtc } from '../../src/shared/time';
import { clickhouseServerCommand, NOT_INSTALLED, TestClickHouse } from '../../scripts/clickhouse-server';
import { tempDir } from './fixtures';
import { stampEvent } from '../fixtures/events';
import type { AnyEvent } from '../../src/shared/schemas';

const installed = clickhouseServerCommand() !== null;
if (!installed) console.warn(`${NOT_INSTALLED}: the ClickHouse tests are skipped`);

describe.skipIf(!installed)('ClickHouse sink (real server)', () => {
  let server: TestClickHouse;
  beforeAll(async () => {
    server = await TestClickHouse.start();
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
  });

  const config = (extra: ClickHouseConfigInput = {}) => clickhouseConfigSchema.parse({ url: server.url, flush_ms: 200, ...extra });
  const logs: string[] = [];
  const log = (level: string, message: string) => logs.push(`${level}: ${message}`);

  it('creates its tables on an old server and says what the server lacks', async () => {
    const http = connectClickHouse(config({ database: 'helios_ddl' }));
    const info = await prepareServer(http, config({ database: 'helios_ddl' }));
    await http.close();
    expect(info.version).toMatch(/^\d+\.\d+/);
    expect(info.drift).toEqual([]);
    if (info.version.startsWith('18.')) {
      expect(info.ttl).toBe(false);
      expect(info.deduplicationToken).toBe(false);
      expect(info.lacks.join('\n')).toMatch(/table TTL .*\n.*insert_deduplication_token/);
    }
    const tables = await server.sql("SELECT name, engine, partition_key, sorting_key FROM system.tables WHERE database = 'helios_ddl' ORDER BY name FORMAT JSONEachRow");
    const rows = tables.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.name)).toEqual(['book_events', 'event_windows', 'health', 'l2_snap_1s', 'metar_obs', 'nowcast_1m', 'pws_cluster', 'tape_trades']);
    for (const r of rows) {
      expect(r.engine).toBe('ReplacingMergeTree');
      expect(r.partition_key).toBe('toYYYYMM(date)');
    }
    expect(rows.find((r) => r.name === 'l2_snap_1s').sorting_key).toBe('station_id, token_id, ts_ingest_utc_us, event_id');
  });

  it('survives the server being killed and restarted mid-stream: no row lost or doubled', async () => {
    const root = new DataRoot(await tempDir('helios-clickhouse-sink-'));
    const date = '2026-11-20';
    const [midnight] = localDayBoundsUtc(date, getStation('KLGA').timeZone);
    const cfg = config({ database: 'helios_live' });
    const spoolDir = join(root.root, 'spool', 'clickhouse');
    const sink = new ClickHouseSink({ config: cfg, spoolDir, log, retry: { minMs: 100, maxMs: 1000 } });
    await sink.start();
    // 300× virtual speed from 00:40 local: the :51 METAR and its event window fall in the outage
    const source = new SimulatorSource({ station: 'KLGA', seed: 3, tokens: 6, speed: 300, start: midnight + 40 * 60_000 });
    const session = await startRecording({ dataRoot: root, source, clock: source.clock, onEvent: (e) => sink.push(e) });

    await until(() => sink.stats().sent_batches >= 5, 20_000, () => sink.stats());
    await server.stop('SIGKILL');
    await until(() => sink.stats().state === 'down' && sink.stats().spooled_batches >= 5, 20_000, () => sink.stats());
    const during = sink.stats();
    expect(during.failures).toBeGreaterThan(0);
    expect(await readdir(spoolDir)).toEqual(expect.arrayContaining([expect.stringMatching(/^\d{12}-[a-z0-9_]+-\d+\.ndjson$/)]));
    await server.run();
    await until(() => sink.stats().state === 'connected' && sink.stats().spooled_batches === 0, 60_000, () => [sink.stats(), logs]);
    await new Promise((r) => setTimeout(r, 1000)); // some more live batches after the catch-up
    const recorded = await session.stop();
    const stats = await sink.stop({ drainMs: 30_000 });

    expect(stats.spooled_batches).toBe(0);
    expect(stats.dropped_rows).toBe(0);
    expect(stats.rejected_batches).toBe(0);
    expect(stats.spooled_total).toBeGreaterThanOrEqual(5);
    const streamed = ['l2_snap_1s', 'tape_trades', 'book_events', 'metar_obs', 'pws_cluster', 'nowcast_1m', 'health', 'event_windows']
      .map((ch) => recorded.recorder.events[ch as keyof typeof recorded.recorder.events] ?? 0)
      .reduce((a, b) => a + b, 0);
    expect(stats.sent_rows).toBe(streamed);
    expect(logs.join('\n')).toMatch(/server unreachable or failing .*spooling to disk/);
    expect(logs.join('\n')).toMatch(/server back; catching up/);

    // the day's Parquet is the reference
    await compactDay({ dataRoot: root, station: 'KLGA', date, threads: 0 });
    const http = connectClickHouse(cfg);
    const duck = await openDuck();
    try {
      const checks = await verifyDays({ dataRoot: root, http, duck, database: cfg.database, days: [{ station_id: 'KLGA', date }] });
      expect(checks.map((c) => c.ch).sort()).toEqual(['book_events', 'event_windows', 'health', 'l2_snap_1s', 'metar_obs', 'nowcast_1m', 'pws_cluster', 'tape_trades']);
      for (const c of checks) {
        expect(c.clickhouse_rows, c.ch).toBe(c.parquet_rows);
        expect(c.clickhouse_checksum, c.ch).toBe(c.parquet_checksum);
        expect(c.parquet_rows, c.ch).toBeGreaterThan(0);
      }
      // a batch cut off by the kill may have been stored and sent again: merged away, nothing doubled
      await http.command(`OPTIMIZE TABLE helios_live.l2_snap_1s FINAL`);
      const after = await verifyDays({ dataRoot: root, http, duck, database: cfg.database, days: [{ station_id: 'KLGA', date }] });
      const snaps = after.find((c) => c.ch === 'l2_snap_1s')!;
      expect(snaps.clickhouse_stored).toBe(snaps.parquet_rows);
    } finally {
      duck.close();
      await http.close();
    }
  }, 240_000);

  it('stores a batch twice when its answer is lost and it is sent again; FINAL and merges count it once', async () => {
    const cfg = config({ database: 'helios_retry' });
    const real = connectClickHouse(cfg);
    let lost = 0;
    const http = {
      ...real,
      url: real.url,
      async insert(table: string, body: Buffer | import('node:stream').Readable) {
        await real.insert(table, body);
        if (lost++ === 0) throw new Error('socket hang up'); // stored, but the sink cannot know
      },
    };
    const sink = new ClickHouseSink({ config: cfg, spoolDir: join(await tempDir('helios-clickhouse-retry-'), 'spool'), log, http, retry: { minMs: 10, maxMs: 10 } });
    await sink.start();
    for (const e of fakeEvents(200)) sink.push(e);
    // the resend happens while the sink runs (a stop during the retry's backoff would leave the
    // batch spooled for the next sink, which is another test)
    await until(() => sink.stats().sent_rows === 200, 20_000, () => sink.stats());
    const stats = await sink.stop({ drainMs: 20_000 });
    expect(stats.failures).toBe(1);
    expect(stats.sent_rows).toBe(200);
    expect((await server.sql('SELECT count() FROM helios_retry.health')).trim()).toBe('400');
    expect((await server.sql('SELECT count() FROM helios_retry.health FINAL')).trim()).toBe('200');
    await server.sql('OPTIMIZE TABLE helios_retry.health FINAL');
    expect((await server.sql('SELECT count() FROM helios_retry.health')).trim()).toBe('200');
  }, 60_000);

  it('streams the live session of the app when it has a clickhouse option', async () => {
    const root = await tempDir('helios-clickhouse-app-');
    const session = await startLiveSession({ data_root: root, clickhouse: { url: server.url, database: 'helios_app', flush_ms: 200 } }, log);
    await new Promise((r) => setTimeout(r, 3000));
    await session.stop();
    expect(Number(await server.sql('SELECT count() FROM helios_app.l2_snap_1s FINAL'))).toBeGreaterThan(0);
    expect(Number(await server.sql('SELECT count() FROM helios_app.health FINAL'))).toBeGreaterThan(0);
  }, 60_000);

  it('keeps what it could not send on disk, and the next sink on that data root sends it', async () => {
    const root = await tempDir('helios-clickhouse-spool-');
    const spoolDir = join(root, 'spool', 'clickhouse');
    const down = new ClickHouseSink({ config: config({ database: 'helios_spool', url: 'http://127.0.0.1:9' }), spoolDir, log, retry: { minMs: 50, maxMs: 100 } });
    await down.start();
    const events = fakeEvents(500);
    for (const e of events) down.push(e);
    const stopped = await down.stop({ drainMs: 300 });
    expect(stopped.sent_rows).toBe(0);
    expect(stopped.spooled_batches).toBeGreaterThan(0);
    const spooledRows = (await readdir(spoolDir)).filter((n) => n.endsWith('.ndjson')).map((n) => Number(/-(\d+)\.ndjson$/.exec(n)![1])).reduce((a, b) => a + b, 0);
    expect(spooledRows).toBe(500);

    const up = new ClickHouseSink({ config: config({ database: 'helios_spool' }), spoolDir, log });
    await up.start();
    const sent = await up.stop({ drainMs: 20_000 });
    expect(sent.sent_rows).toBe(500);
    expect((await readdir(spoolDir)).filter((n) => n.endsWith('.ndjson'))).toEqual([]);
    expect((await server.sql('SELECT count() FROM helios_spool.health FINAL')).trim()).toBe('500');
  }, 60_000);

  it('drops and counts new rows once the spool is full, keeping what it holds', async () => {
    const spoolDir = join(await tempDir('helios-clickhouse-full-'), 'spool');
    const cfg = config({ database: 'helios_full', url: 'http://127.0.0.1:9', max_spool_bytes: 1 << 20, batch_rows: 500 });
    const sink = new ClickHouseSink({ config: cfg, spoolDir, log, retry: { minMs: 50, maxMs: 100 } });
    await sink.start();
    for (const e of fakeEvents(5000)) sink.push(e);
    const stats = await sink.stop({ drainMs: 500 });
    expect(stats.dropped_rows).toBeGreaterThan(0);
    expect(stats.spooled_bytes).toBeLessThanOrEqual(1 << 20);
    const spooledRows = (await readdir(spoolDir)).filter((n) => n.endsWith('.ndjson')).map((n) => Number(/-(\d+)\.ndjson$/.exec(n)![1])).reduce((a, b) => a + b, 0);
    expect(spooledRows + stats.dropped_rows).toBe(5000);
    expect(logs.join('\n')).toMatch(/spool full \(1048576 bytes\): dropping new rows/);
  }, 60_000);

  it('sets aside a batch the server refuses as data, with the reason, and goes on', async () => {
    const root = await tempDir('helios-clickhouse-reject-');
    // a table from an older schema: a column missing
    await server.sql('CREATE DATABASE IF NOT EXISTS helios_drift');
    await server.sql('CREATE TABLE helios_drift.health (date Date, event_id String, station_id String, ts_ingest_utc_us Int64) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(date) ORDER BY (station_id, ts_ingest_utc_us, event_id)');
    const driftLogs: string[] = [];
    const sink = new ClickHouseSink({ config: config({ database: 'helios_drift' }), spoolDir: join(root, 'spool'), log: (l, m) => driftLogs.push(`${l}: ${m}`) });
    await sink.start();
    for (const e of fakeEvents(10)) sink.push(e);
    for (const e of fakeMetars(3)) sink.push(e);
    const stats = await sink.stop({ drainMs: 20_000 });
    expect(stats.rejected_batches).toBe(1);
    expect(stats.sent_rows).toBe(3);
    const rejected = await readdir(join(root, 'spool', 'rejected'));
    expect(rejected).toEqual([expect.stringMatching(/-health-10\.ndjson$/), expect.stringMatching(/-health-10\.ndjson\.error\.txt$/)]);
    expect(await readFile(join(root, 'spool', 'rejected', rejected[1]!), 'utf8')).toMatch(/Code: \d+/);
    expect(driftLogs.join('\n')).toMatch(/schema differs: helios_drift\.health lacks/);
  }, 60_000);
});

async function until(check: () => boolean, timeoutMs: number, state: () => unknown = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${check.toString()}: ${JSON.stringify(state())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function fakeEvents(n: number): AnyEvent[] {
  const t0 = Date.parse('2026-11-20T15:00:00Z');
  return Array.from({ length: n }, (_, i) =>
    stampEvent(
      'health',
      {
        station_id: 'KLGA',
        latency_ms: { clob_to_ingest: i },
        staleness_s: {},
        reconnects: 0,
        gaps: 0,
        resyncs: 0,
        queue_depth: 0,
        queue_bytes: 0,
        flush_ms_p99: 1.5,
        events_written: i,
        dropped: {},
        rejected: {},
        write_errors: 0,
        write_error_code: null,
        write_error: null,
      },
      t0 + i * 1000,
    ) as AnyEvent,
  );
}
function fakeMetars(n: number): AnyEvent[] {
  const t0 = Date.parse('2026-11-20T15:00:00Z');
  return Array.from({ length: n }, (_, i) =>
    stampEvent(
      'metar_obs',
      {
        station_id: 'KLGA',
        obs_time_utc: new Date(t0 + i * 3_600_000 - 120_000).toISOString(),
        report_type: 'METAR',
        raw: 'KLGA 201451Z 31012KT 10SM FEW250 02/M09 A3012 RMK AO2 T00221094',
        temp_c: 2,
        dewpoint_c: -9,
        wind_dir_deg: 310,
        wind_kt: 12,
        gust_kt: null,
        visibility_sm: 10,
        altim_inhg: 30.12,
        clouds: [{ cover: 'FEW', base_ft: 25000 }],
        temp_c_precise: 2.2,
        judge_aligned_temp: 36,
        qc: 'OK',
      },
      t0 + i * 3_600_000,
    ) as AnyEvent,
  );
}
