import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compactDay, type CompactDayResult } from '../../src/services/compactor';
import { CHANNEL_COLUMNS } from '../../src/shared/columns';
import { DUCKDB_TYPES } from '../../src/services/compactor/duckdb-columns';
import type { Channel } from '../../src/shared/channels';
import { DataRoot } from '../../src/services/data-root';
import { CURRENT_VERSION } from '../../src/shared/schemas';
import { uuidv7 } from '../../src/shared/uuid';
import { MARKET, TOKEN_A, TOKEN_B, duck, rowsOutOfOrder, event, journalDir, line, parquetPath, snapshot, tempRoot, writeJournalFile, type Duck } from './helpers';

/**
 * One KLGA day (2026-01-29, local day = [05:00Z, 05:00Z next day)) in two journal files that
 * exercise every rule: valid lines of every channel, a legacy v1 snapshot, an exact duplicate and
 * a conflicting one across files, lines out of order across files, and every kind of bad line.
 */
const DAY = { station: 'KLGA', date: '2026-01-29' };
const A = 'journal/station=KLGA/date=2026-01-29/a.ndjson';
const B = 'journal/station=KLGA/date=2026-01-29/b.ndjson';

const sA0 = snapshot(TOKEN_A, '2026-01-29T15:00:00.000Z', 0.5);
const sA2 = snapshot(TOKEN_A, '2026-01-29T15:00:02.000Z', 0.5);
const sA3 = snapshot(TOKEN_A, '2026-01-29T15:00:03.000Z', 0.5);
const sB0 = snapshot(TOKEN_B, '2026-01-29T15:00:10.000Z', 0.5);
const sB1 = snapshot(TOKEN_B, '2026-01-29T15:00:11.000Z', 0.56);

// l2_snap_1s v1 (the design note's shape): tuple levels, update_id, no BBO/epoch/book_ok.
const v1Envelope = snapshot(TOKEN_A, '2026-01-29T15:00:01.000Z', 0.5);
const v1Line = line({
  schema_version: 1,
  ch: 'l2_snap_1s',
  event_id: v1Envelope.event_id,
  correlation_id: v1Envelope.correlation_id,
  ts_ingest_utc: v1Envelope.ts_ingest_utc,
  ts_nyc: v1Envelope.ts_nyc,
  ts_es: v1Envelope.ts_es,
  station_id: 'KLGA',
  market_id: MARKET,
  token_id: TOKEN_A,
  update_id: 42,
  bids: [
    [0.49, 100],
    [0.48, 50],
  ],
  asks: [[0.51, 70]],
});

// docs/spec.md §3's example line (with real ids): no report_type/clouds/… → registry defaults apply.
const METAR_ID = '019c0b7e-1f62-7000-8000-0000000000aa';
const specMetarLine =
  `{"schema_version":1,"ch":"metar_obs","event_id":"${METAR_ID}","correlation_id":"${METAR_ID}","station_id":"KLGA",` +
  `"obs_time_utc":"2026-01-29T17:51:00Z","ts_ingest_utc":"2026-01-29T17:53:02.114Z","ts_nyc":"2026-01-29T12:53:02.114-05:00",` +
  `"ts_es":"2026-01-29T18:53:02.114+01:00","raw":"KLGA 291751Z 31012KT 10SM FEW045 M02/M12 A3012 RMK AO2 T10221122","temp_c":-2,` +
  `"temp_c_precise":-2.2,"judge_aligned_temp":28,"qc":"OK"}`;

const pws = event('pws_cluster', { station_id: 'KLGA', obs_time_utc: '2026-01-29T16:29:58.000Z', median: 28.4, mad: 0.6, support: 14, qc_state: 'OK', pws_ids: ['KNYLAGUA1', 'KNYQUEEN7'] }, '2026-01-29T16:30:00.000Z');
const trade = event('tape_trades', { station_id: 'KLGA', market_id: MARKET, token_id: TOKEN_A, p: 0.5, s: 12.5, side: 'buy', trade_id: '0xabc' }, '2026-01-29T15:05:00.000Z');
const WINDOW = uuidv7(Date.parse('2026-01-29T17:53:02.200Z'));
const windowRecord = (state: 'open' | 'closed', at: string) =>
  event(
    'event_windows',
    { station_id: 'KLGA', correlation_id: METAR_ID, window_id: WINDOW, reason: 'METAR', reasons: ['METAR'], start_ts: '2026-01-29T17:53:02.114Z', end_ts: '2026-01-29T17:55:02.114Z', state, detail: 'new METAR' },
    at,
  );
const bookEvent = (kind: 'GAP_DETECTED' | 'BOOK_RESYNC_START' | 'BOOK_RESYNC_DONE', at: string, epoch: number) =>
  event('book_events', { station_id: 'KLGA', market_id: MARKET, token_id: TOKEN_A, kind, resync_epoch_id: epoch, seq_before: 7, seq_after: kind === 'GAP_DETECTED' ? 12 : null, detail: kind === 'GAP_DETECTED' ? 'sequence gap' : 'REST /book' }, at);
const nowcast = event(
  'nowcast_1m',
  {
    station_id: 'KLGA',
    tmax_mean: 31.2,
    sigma: 1.1,
    p_bucket: [
      { bucket: '≤29°F', p: 0.1 },
      { bucket: '30-31°F', p: 0.55 },
      { bucket: '≥32°F', p: 0.35 },
    ],
    t_peak_bins: [{ bin: '14:00', p: 1 }],
    confidence: 0.8,
    qc_state: 'OK',
  },
  '2026-01-29T16:31:00.000Z',
);
const features = event('features_1m', { station_id: 'KLGA', model_run: 'hrrr-2026012916', features: { wind_kt: 12, sst_c: null }, staleness_s: { wind_kt: 60, sst_c: 86400 } }, '2026-01-29T16:31:00.500Z');
const health = event(
  'health',
  { station_id: 'KLGA', latency_ms: { source_to_ingest: 85 }, staleness_s: { clob: 0.2 }, reconnects: 0, gaps: 1, resyncs: 1, queue_depth: 3, queue_bytes: 2400, flush_ms_p99: 1.5, events_written: 1000, dropped: {}, rejected: {}, write_errors: 0, write_error_code: null, write_error: null, sources: [{ source: 'clob', state: 'connected', detail: null }] },
  '2026-01-29T16:31:01.000Z',
);

const wrongTypes = line({ ...snapshot(TOKEN_A, '2026-01-29T15:00:04.000Z', 0.5), seq: '12' });
const unknownChannel = line({ schema_version: 1, ch: 'l3_magic', event_id: uuidv7() });
const future = line({ ...snapshot(TOKEN_A, '2026-01-29T15:00:05.000Z', 0.5), schema_version: CURRENT_VERSION.l2_snap_1s + 1 });
const wrongStation = line({ ...pws, event_id: uuidv7(), station_id: 'KNYC' });
const nextDay = line(event('pws_cluster', { station_id: 'KLGA', obs_time_utc: '2026-01-30T06:00:00.000Z', median: 30, mad: 1, support: 9, qc_state: 'OK', pws_ids: null }, '2026-01-30T06:00:00.000Z'));
const previousDay = line(event('pws_cluster', { station_id: 'KLGA', obs_time_utc: '2026-01-29T04:59:59.000Z', median: 30, mad: 1, support: 9, qc_state: 'OK', pws_ids: null }, '2026-01-29T04:59:59.999Z'));
const overflow = line({ ...health, event_id: uuidv7(), events_written: 2 ** 31 });
const loneSurrogate = line({ ...bookEvent('GAP_DETECTED', '2026-01-29T16:10:00.000Z', 1), detail: 'bad \ud800 text' });
// A repeated key: JSON.parse (and so the registry) keeps the last value; DuckDB refuses the line.
const repeatedKey = line(sA3).replace('"seq":1,', '"seq":"oops","seq":1,');
const tornTail = line(snapshot(TOKEN_A, '2026-01-29T15:00:09.000Z', 0.5)).slice(0, 80);
const conflicting = line({ ...nowcast, confidence: 0.3 });
const notUtf8 = Buffer.concat([Buffer.from('{"schema_version":1,"ch":"health","x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);

const fileA: string[] = [
  line(sA2), //  1
  'this is not json', //  2 not_json
  '', //  3 blank
  v1Line, //  4 upgraded
  specMetarLine, //  5
  wrongTypes, //  6 invalid
  unknownChannel, //  7 unknown_channel
  future, //  8 future_schema_version
  line(pws), //  9
  wrongStation, // 10 wrong_station
  nextDay, // 11 wrong_day
  previousDay, // 12 wrong_day
  line(trade) + '\r', // 13 CRLF
  overflow, // 14 unstorable
  loneSurrogate, // 15 unstorable
  repeatedKey, // 16
  tornTail, // 17 torn_line (no newline)
];
const fileB: (string | Buffer)[] = [
  line(sA0), //  1 earlier than everything in a.ndjson
  line(pws), //  2 exact duplicate of a:9
  line(sB0), //  3
  line(sB1), //  4 mid +0.06 in 1 s → SHOCK
  line(windowRecord('open', '2026-01-29T17:53:02.200Z')), //  5
  line(windowRecord('closed', '2026-01-29T17:55:02.300Z')), //  6
  line(bookEvent('GAP_DETECTED', '2026-01-29T16:00:00.000Z', 1)), //  7
  line(bookEvent('BOOK_RESYNC_START', '2026-01-29T16:00:00.001Z', 1)), //  8
  line(bookEvent('BOOK_RESYNC_DONE', '2026-01-29T16:00:02.000Z', 2)), //  9
  line(nowcast), // 10
  line(features), // 11
  line(health), // 12
  conflicting, // 13 duplicate_conflict
  '[1,2,3]', // 14 not_object
  '{"schema_version":1}', // 15 missing_ch
  notUtf8, // 16 not_utf8
];

const EXPECTED_QUARANTINE = [
  [A, 2, 'not_json'],
  [A, 6, 'invalid'],
  [A, 7, 'unknown_channel'],
  [A, 8, 'future_schema_version'],
  [A, 10, 'wrong_station'],
  [A, 11, 'wrong_day'],
  [A, 12, 'wrong_day'],
  [A, 14, 'unstorable'],
  [A, 15, 'unstorable'],
  [A, 17, 'torn_line'],
  [B, 13, 'duplicate_conflict'],
  [B, 14, 'not_object'],
  [B, 15, 'missing_ch'],
  [B, 16, 'not_utf8'],
];

let root: string;
let db: Duck;
let first: CompactDayResult;
let second: CompactDayResult;
const warnings: string[] = [];
let firstRows: Record<string, unknown>;
let firstQuarantine: string;

const file = (ch: Channel) => `read_parquet('${parquetPath(root, DAY.station, DAY.date, ch)}', hive_partitioning = false)`;
const rowsOf = async (ch: Channel) => db.all(`SELECT * FROM ${file(ch)}`);

beforeAll(async () => {
  root = tempRoot();
  const dir = journalDir(root, DAY.station, DAY.date);
  writeJournalFile(dir, 'a.ndjson', fileA, true);
  writeJournalFile(dir, 'b.ndjson', fileB);
  db = await duck();
  first = await compactDay({ dataRoot: root, ...DAY, threads: 2, onWarning: (m) => warnings.push(m) });
  firstRows = {};
  for (const ch of Object.keys(first.manifest.channels) as Channel[]) firstRows[ch] = await rowsOf(ch);
  firstQuarantine = readFileSync(first.quarantinePath!, 'utf8');
  // The second run compacts from scratch, validating on the calling thread: same output whichever way lines are validated.
  second = await compactDay({ dataRoot: root, ...DAY, threads: 0, rebuild: true });
});

afterAll(() => {
  db?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('compactDay on a journal with every kind of line', () => {
  it('counts every line exactly once: written + duplicates + quarantined = read', () => {
    expect(first.manifest.totals).toEqual({ lines_read: 32, blank_lines: 1, events_written: 17, duplicates_dropped: 1, quarantined: 14, upgraded: 2 });
    const rows = Object.fromEntries(Object.entries(first.manifest.channels).map(([ch, c]) => [ch, c.rows]));
    expect(rows).toEqual({
      l2_snap_1s: 6,
      tape_trades: 1,
      book_events: 3,
      metar_obs: 1,
      pws_cluster: 1,
      features_1m: 1,
      nowcast_1m: 1,
      health: 1,
      event_windows: 2,
    });
    expect(first.manifest.channels.l2_snap_1s!.schema_versions).toEqual({ '1': 1, [CURRENT_VERSION.l2_snap_1s]: 5 });
  });

  it('quarantines each bad line with its file, line number, code, reason and raw text', () => {
    const records = firstQuarantine.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => [r.file, r.line, r.code])).toEqual(EXPECTED_QUARANTINE);
    expect(Object.keys(records[0]).sort()).toEqual(['code', 'file', 'line', 'raw', 'reason']);
    expect(records[0].raw).toBe('this is not json');
    expect(records[1].reason).toMatch(/seq/);
    expect(records[3].reason).toContain(`schema_version ${CURRENT_VERSION.l2_snap_1s + 1} is newer than supported ${CURRENT_VERSION.l2_snap_1s}`);
    expect(records[5].reason).toMatch(/local date 2026-01-30, not 2026-01-29 \(it belongs in date=2026-01-30\)/);
    expect(records[6].reason).toMatch(/belongs in date=2026-01-28/);
    expect(records[7].reason).toMatch(/events_written does not fit/);
    expect(records[9].raw).toBe(tornTail);
    expect(records[10].reason).toContain(`${B}:10`);
    expect(records[10].raw).toBe(conflicting);
    expect(records[13].raw).toContain('\ufffd');
    expect(first.quarantinedByCode).toEqual({
      not_json: 1, invalid: 1, unknown_channel: 1, future_schema_version: 1, wrong_station: 1, wrong_day: 2,
      unstorable: 2, torn_line: 1, duplicate_conflict: 1, not_object: 1, missing_ch: 1, not_utf8: 1,
    });
  });

  it('sorts rows by ts_ingest_utc across files and keeps the first of a conflicting duplicate', async () => {
    const l2 = await db.all(`SELECT event_id, token_id, epoch_ms(ts_ingest_utc) AS t FROM ${file('l2_snap_1s')}`);
    expect(l2.map((r) => r.event_id)).toEqual([sA0.event_id, v1Envelope.event_id, sA2.event_id, sA3.event_id, sB0.event_id, sB1.event_id]);
    expect(first.reordered).toEqual(['l2_snap_1s']); // b.ndjson's first snapshot is older than a.ndjson's
    for (const ch of Object.keys(first.manifest.channels)) expect(await rowsOutOfOrder(db, parquetPath(root, DAY.station, DAY.date, ch)), ch).toBe(0);
    const nc = await db.all(`SELECT confidence FROM ${file('nowcast_1m')}`);
    expect(nc).toEqual([{ confidence: 0.8 }]);
  });

  it('upgrades the legacy v1 snapshot (tuples → levels, BBO computed, book_ok true)', async () => {
    const [row] = await db.all(
      `SELECT schema_version, seq, resync_epoch_id, bids, asks, best_bid, best_ask, mid, spread, book_ok FROM ${file('l2_snap_1s')} WHERE event_id = '${v1Envelope.event_id}'`,
    );
    expect(row).toEqual({
      schema_version: CURRENT_VERSION.l2_snap_1s,
      seq: 42,
      resync_epoch_id: 0,
      bids: [{ p: 0.49, s: 100 }, { p: 0.48, s: 50 }],
      asks: [{ p: 0.51, s: 70 }],
      best_bid: 0.49,
      best_ask: 0.51,
      mid: 0.5,
      spread: 0.02,
      book_ok: true,
    });
  });

  it('stores what the registry accepted: defaults filled, a repeated key read as JSON.parse reads it', async () => {
    const [metar] = await db.all(`SELECT report_type, clouds, wind_kt, qc, temp_c_precise, judge_aligned_temp FROM ${file('metar_obs')}`);
    expect(metar).toEqual({ report_type: 'METAR', clouds: [], wind_kt: null, qc: 'OK', temp_c_precise: -2.2, judge_aligned_temp: 28 });
    const [repeated] = await db.all(`SELECT seq FROM ${file('l2_snap_1s')} WHERE event_id = '${sA3.event_id}'`);
    expect(repeated).toEqual({ seq: 1 });
    expect(warnings.some((w) => /l2_snap_1s: DuckDB refused a passed-through line/.test(w))).toBe(true);
    const [trow] = await db.all(`SELECT trade_id, side FROM ${file('tape_trades')}`);
    expect(trow).toEqual({ trade_id: '0xabc', side: 'buy' });
  });

  it('writes the column types of src/shared/columns.ts for every channel', async () => {
    for (const ch of Object.keys(first.manifest.channels) as Channel[]) {
      const described = await db.all(`DESCRIBE SELECT * FROM ${file(ch)}`);
      expect(described.map((d) => [d.column_name, d.column_type]), ch).toEqual(
        CHANNEL_COLUMNS[ch].map((c) => [c.name, DUCKDB_TYPES[c.type].replace('TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE')]),
      );
    }
    const schema = await db.all(`SELECT path_in_schema, compression FROM parquet_metadata('${parquetPath(root, DAY.station, DAY.date, 'l2_snap_1s')}') LIMIT 1`);
    expect(schema[0]!.compression).toBe('ZSTD');
  });

  it('answers typed queries without casts: time windows, levels, bucket probabilities, maps', async () => {
    const [win] = await db.all(
      `SELECT count(*)::INTEGER AS n FROM ${file('l2_snap_1s')} WHERE ts_ingest_utc BETWEEN TIMESTAMPTZ '2026-01-29 15:00:01+00' AND TIMESTAMPTZ '2026-01-29T15:00:03Z'`,
    );
    expect(win).toEqual({ n: 3 });
    const [bucket] = await db.all(`SELECT list_filter(p_bucket, x -> x.bucket = '30-31°F')[1].p AS p, p_bucket[1].bucket AS b FROM ${file('nowcast_1m')}`);
    expect(bucket).toEqual({ p: 0.55, b: '≤29°F' });
    const [feat] = await db.all(`SELECT map_extract_value(features, 'wind_kt') AS wind, map_extract_value(features, 'sst_c') AS sst FROM ${file('features_1m')}`);
    expect(feat).toEqual({ wind: 12, sst: null });
    const [best] = await db.all(`SELECT max(bids[1].p) AS p FROM ${file('l2_snap_1s')}`);
    expect(best).toEqual({ p: 0.55 });
  });

  it('writes a manifest with per-channel ranges, bytes, row groups and the day in UTC', async () => {
    const m = await new DataRoot(root).readManifest({ station_id: 'KLGA', date: '2026-01-29' });
    expect(m.day_start_utc).toBe('2026-01-29T05:00:00.000Z');
    expect(m.day_end_utc).toBe('2026-01-30T05:00:00.000Z');
    expect(m.time_zone).toBe('America/New_York');
    const l2 = m.channels.l2_snap_1s!;
    expect(l2).toMatchObject({ min_ts: '2026-01-29T15:00:00.000Z', max_ts: '2026-01-29T15:00:11.000Z' });
    expect(l2.parts).toEqual([{ part: 0, file: 'ch=l2_snap_1s/part-0000.parquet', rows: 6, bytes: l2.bytes }]);
    expect(l2.row_groups).toEqual([{ part: 0, rows: 6, min_ts: '2026-01-29T15:00:00.000Z', max_ts: '2026-01-29T15:00:11.000Z' }]);
    expect(m).toMatchObject({ manifest_version: 2, closed: true, generation: second.generation });
    expect(l2.bytes).toBe(readFileSync(parquetPath(root, 'KLGA', '2026-01-29', 'l2_snap_1s')).length);
  });

  it('derives the timeline markers: METAR, window range, mid shock, gap, resync range', () => {
    const markers = first.manifest.markers.map((m) => [m.kind, m.ts, m.end_ts, m.reason, m.token_id, m.label]);
    expect(markers).toEqual([
      ['SHOCK', '2026-01-29T15:00:11.000Z', null, 'MID_SHOCK', TOKEN_B, 'mid 0.500 → 0.560 (+0.060)'],
      ['GAP', '2026-01-29T16:00:00.000Z', null, null, TOKEN_A, 'gap: sequence gap (seq 7 → 12)'],
      ['RESYNC', '2026-01-29T16:00:00.001Z', '2026-01-29T16:00:02.000Z', null, TOKEN_A, 'resync: REST /book → epoch 2'],
      ['METAR', '2026-01-29T17:53:02.114Z', null, null, null, 'METAR 17:51Z -2.2 °C → 28 °F'],
      ['WINDOW', '2026-01-29T17:53:02.114Z', '2026-01-29T17:55:02.114Z', 'METAR', null, 'window METAR'],
    ]);
    const window = first.manifest.markers.find((m) => m.kind === 'WINDOW')!;
    expect(window).toMatchObject({ window_id: WINDOW, correlation_id: METAR_ID });
  });

  it('is idempotent: a second run (validating inline this time) gives the same rows, quarantine and manifest', async () => {
    expect([first.threads, second.threads]).toEqual([2, 0]);
    expect([first.pass, second.pass, second.fullReason]).toEqual(['full', 'full', 'asked to compact from scratch']);
    expect(second.generation).toBe(first.generation + 1);
    expect({ ...second.manifest, generated_at: null, generation: null }).toEqual({ ...first.manifest, generated_at: null, generation: null });
    for (const ch of Object.keys(second.manifest.channels) as Channel[]) expect(await rowsOf(ch)).toEqual(firstRows[ch]);
    expect(readFileSync(second.quarantinePath!, 'utf8')).toBe(firstQuarantine);
    expect(readFileSync(join(root, 'quarantine', 'station=KLGA', 'date=2026-01-29', 'quarantine.ndjson'), 'utf8')).toBe(firstQuarantine);
  });
});

describe('compactDay on repeated event ids', () => {
  // Same length as `original`, one digit different: only the bytes can tell them apart.
  const original = line(snapshot(TOKEN_A, '2026-01-29T15:00:00.000Z', 0.5));
  const conflicting = original.replace('"s":250', '"s":251');
  const other = line(snapshot(TOKEN_B, '2026-01-29T15:00:01.000Z', 0.4));

  it.each([
    ['all in one chunk', 4 << 20],
    ['each line its own chunk', 64],
  ])('keeps the first, drops exact repeats (CRLF too) and quarantines a same-length conflict — %s', async (_, chunkBytes) => {
    expect(conflicting).not.toBe(original);
    expect(conflicting.length).toBe(original.length);
    const dir = tempRoot();
    try {
      const journal = journalDir(dir, 'KLGA', '2026-01-29');
      writeJournalFile(journal, 'a.ndjson', [original, other, original, conflicting, original + '\r']);
      writeJournalFile(journal, 'b.ndjson', [original, conflicting]);
      const result = await compactDay({ dataRoot: dir, station: 'KLGA', date: '2026-01-29', threads: 1, chunkBytes });
      expect(result.manifest.totals).toMatchObject({ lines_read: 7, events_written: 2, duplicates_dropped: 3, quarantined: 2 });
      const quarantined = readFileSync(result.quarantinePath!, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(quarantined.map((q) => [q.file, q.line, q.code, q.raw])).toEqual([
        ['journal/station=KLGA/date=2026-01-29/a.ndjson', 4, 'duplicate_conflict', conflicting],
        ['journal/station=KLGA/date=2026-01-29/b.ndjson', 2, 'duplicate_conflict', conflicting],
      ]);
      expect(quarantined[0].reason).toContain('already read at journal/station=KLGA/date=2026-01-29/a.ndjson:1');
      const db = await duck();
      try {
        const rows = await db.all(`SELECT token_id, bids[2].s AS s FROM read_parquet('${parquetPath(dir, 'KLGA', '2026-01-29', 'l2_snap_1s')}') ORDER BY ts_ingest_utc`);
        expect(rows).toEqual([{ token_id: TOKEN_A, s: 250 }, { token_id: TOKEN_B, s: 250 }]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compactDay on an event_id reused by another channel', () => {
  it('quarantines the second line and writes no file for a channel left without rows', async () => {
    const dir = tempRoot();
    try {
      const first = snapshot(TOKEN_A, '2026-01-29T15:00:00.000Z', 0.5);
      const reused = { ...event('tape_trades', { station_id: 'KLGA', market_id: MARKET, token_id: TOKEN_A, p: 0.5, s: 10, side: 'buy', trade_id: null }, '2026-01-29T15:00:01.000Z'), event_id: first.event_id };
      writeJournalFile(journalDir(dir, 'KLGA', '2026-01-29'), 'a.ndjson', [line(first), line(reused)]);
      const result = await compactDay({ dataRoot: dir, station: 'KLGA', date: '2026-01-29', threads: 0 });
      expect(result.manifest.totals).toMatchObject({ lines_read: 2, events_written: 1, quarantined: 1 });
      expect(Object.keys(result.manifest.channels)).toEqual(['l2_snap_1s']);
      expect(result.quarantinedByCode).toEqual({ duplicate_conflict: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compactDay on lines with the same ts_ingest_utc', () => {
  const at = '2026-01-29T15:00:00.000Z';
  const withId = (token: string, id: string) => line({ ...snapshot(token, at, 0.5), event_id: id, correlation_id: id });

  it.each([
    ['in event_id order', ['0190a000-0000-7000-8000-00000000000a', '0190a000-0000-7000-8000-00000000000b'], []],
    ['out of event_id order', ['0190a000-0000-7000-8000-00000000000b', '0190a000-0000-7000-8000-00000000000a'], ['l2_snap_1s']],
    ['with an uppercase event_id', ['0190a000-0000-7000-8000-00000000000a', '0190A000-0000-7000-8000-00000000000B'], ['l2_snap_1s']],
  ])('writes them by (ts_ingest_utc, event_id) — %s', async (_, ids, reordered) => {
    const dir = tempRoot();
    try {
      writeJournalFile(journalDir(dir, 'KLGA', '2026-01-29'), 'a.ndjson', [withId(TOKEN_A, ids[0]!), withId(TOKEN_B, ids[1]!)]);
      const result = await compactDay({ dataRoot: dir, station: 'KLGA', date: '2026-01-29', threads: 0 });
      expect(result.reordered).toEqual(reordered);
      const db = await duck();
      try {
        const rows = await db.all(`SELECT event_id FROM read_parquet('${parquetPath(dir, 'KLGA', '2026-01-29', 'l2_snap_1s')}')`);
        expect(rows.map((r) => r.event_id)).toEqual([...ids].sort());
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compactDay on sub-millisecond ingest times', () => {
  it('orders by the microseconds Parquet keeps, not by the millisecond', async () => {
    const dir = tempRoot();
    try {
      const later = { ...snapshot(TOKEN_A, '2026-01-29T15:00:00.000Z', 0.5), ts_ingest_utc: '2026-01-29T15:00:00.000900Z' };
      const earlier = { ...snapshot(TOKEN_B, '2026-01-29T15:00:00.000Z', 0.4), ts_ingest_utc: '2026-01-29T15:00:00.000100Z' };
      writeJournalFile(journalDir(dir, 'KLGA', '2026-01-29'), 'a.ndjson', [line(later), line(earlier)]);
      const result = await compactDay({ dataRoot: dir, station: 'KLGA', date: '2026-01-29', threads: 0 });
      expect(result.reordered).toEqual(['l2_snap_1s']);
      expect(result.manifest.channels.l2_snap_1s).toMatchObject({ min_ts: '2026-01-29T15:00:00.000100Z', max_ts: '2026-01-29T15:00:00.000900Z' });
      const db = await duck();
      try {
        const rows = await db.all(`SELECT token_id FROM read_parquet('${parquetPath(dir, 'KLGA', '2026-01-29', 'l2_snap_1s')}')`);
        expect(rows.map((r) => r.token_id)).toEqual([TOKEN_B, TOKEN_A]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
