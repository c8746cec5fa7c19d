/**
 * The renderer's read path: parquet-wasm decodes only the row groups of a time window (chosen
 * from the manifest's row-group index) to Arrow IPC, DuckDB-WASM ingests it with
 * insertArrowFromIPCStream, and the window query returns exactly what DuckDB native returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compactDay } from '../../src/services/compactor';
import type { Manifest } from '../../src/shared/manifest';
import { duck, parquetPath, rowsOutOfOrder, tempRoot, type Duck } from './helpers';
import { writeSyntheticDay } from './synthetic-day';

const require = createRequire(import.meta.url);
const duckdbWasm = require('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs');
const parquetWasm = require('parquet-wasm/node') as typeof import('parquet-wasm/node');

interface WasmConnection {
  query(sql: string): { toArray(): { toJSON(): Record<string, unknown> }[] };
  insertArrowFromIPCStream(buffer: Uint8Array, options: { name: string; create?: boolean }): void;
}

let root: string;
let manifest: Manifest;
let reordered: string[];
let native: Duck;
let wasm: WasmConnection;

beforeAll(async () => {
  root = tempRoot();
  writeSyntheticDay({
    dir: join(root, 'journal', 'station=KLGA', 'date=2026-01-29'),
    startMs: Date.parse('2026-01-29T15:00:00Z'),
    hours: 0.5,
    levels: 10,
  });
  const result = await compactDay({ dataRoot: root, station: 'KLGA', date: '2026-01-29' });
  manifest = result.manifest;
  reordered = result.reordered;
  native = await duck();
  const dist = dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs'));
  const db = await duckdbWasm.createDuckDB(
    {
      mvp: { mainModule: join(dist, 'duckdb-mvp.wasm'), mainWorker: join(dist, 'duckdb-node-mvp.worker.cjs') },
      eh: { mainModule: join(dist, 'duckdb-eh.wasm'), mainWorker: join(dist, 'duckdb-node-eh.worker.cjs') },
    },
    new duckdbWasm.VoidLogger(),
    duckdbWasm.NODE_RUNTIME,
  );
  await db.instantiate();
  wasm = db.connect();
}, 120_000);

afterAll(() => {
  native?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('reading the compacted day in DuckDB-WASM through parquet-wasm', () => {
  it('loads only the row groups of a time window and returns the same rows as DuckDB native', async () => {
    const l2 = manifest.channels.l2_snap_1s!;
    expect(l2.rows).toBe(14_400);
    // The journal was already in order, so it was copied without ORDER BY: the file is still in order.
    expect(reordered).toEqual([]);
    for (const ch of Object.keys(manifest.channels)) expect(await rowsOutOfOrder(native, parquetPath(root, 'KLGA', '2026-01-29', ch)), ch).toBe(0);
    expect(l2.row_groups.map((g) => g.rows)).toEqual([4096, 4096, 4096, 2112]);
    // A 2-minute window inside the second row group: one group of four is decoded.
    const from = Date.parse(l2.row_groups[1]!.min_ts) + 60_000;
    const to = from + 120_000;
    const groups = l2.row_groups.flatMap((g, i) => (Date.parse(g.max_ts) >= from && Date.parse(g.min_ts) <= to ? [i] : []));
    expect(groups).toEqual([1]);

    const bytes = new Uint8Array(readFileSync(parquetPath(root, 'KLGA', '2026-01-29', 'l2_snap_1s')));
    const table = parquetWasm.readParquet(bytes, { rowGroups: groups });
    wasm.insertArrowFromIPCStream(table.intoIPCStream(), { name: 'l2', create: true });
    const fromIso = new Date(from).toISOString();
    const toIso = new Date(to).toISOString();
    const window = `WHERE ts_ingest_utc BETWEEN TIMESTAMPTZ '${fromIso}' AND TIMESTAMPTZ '${toIso}' ORDER BY ts_ingest_utc, event_id`;
    const columns = `event_id, token_id, epoch_ms(ts_ingest_utc)::DOUBLE AS t, seq, bids, asks, mid, book_ok, window_id`;
    const fromWasm = wasm.query(`SELECT ${columns} FROM l2 ${window}`).toArray().map((r) => r.toJSON());
    const fromNative = await native.all(`SELECT ${columns} FROM read_parquet('${parquetPath(root, 'KLGA', '2026-01-29', 'l2_snap_1s')}') ${window}`);
    expect(fromWasm.length).toBe(8 * 121); // both ends fall on a snapshot second and BETWEEN includes them
    const normalize = (rows: Record<string, unknown>[]) => JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
    expect(normalize(fromWasm)).toEqual(normalize(fromNative));
    const [types] = wasm.query(`SELECT typeof(ts_ingest_utc) AS ts, typeof(bids) AS bids FROM l2 LIMIT 1`).toArray().map((r) => r.toJSON());
    expect(types).toEqual({ ts: 'TIMESTAMP WITH TIME ZONE', bids: 'STRUCT(p DOUBLE, s DOUBLE)[]' });
  });

  it('keeps maps and bucket lists typed through Arrow', () => {
    for (const ch of ['health', 'nowcast_1m'] as const) {
      const bytes = new Uint8Array(readFileSync(parquetPath(root, 'KLGA', '2026-01-29', ch)));
      wasm.insertArrowFromIPCStream(parquetWasm.readParquet(bytes, { rowGroups: [0] }).intoIPCStream(), { name: ch, create: true });
    }
    const [h] = wasm.query(`SELECT typeof(latency_ms) AS t, count(*)::INTEGER AS n FROM health GROUP BY ALL`).toArray().map((r) => r.toJSON());
    expect(h).toEqual({ t: 'MAP(VARCHAR, DOUBLE)', n: manifest.channels.health!.rows });
    const [n] = wasm.query(`SELECT typeof(p_bucket) AS t, round(list_sum(list_transform(p_bucket, x -> x.p)), 6) AS total FROM nowcast_1m LIMIT 1`).toArray().map((r) => r.toJSON());
    expect(n).toEqual({ t: 'STRUCT(bucket VARCHAR, p DOUBLE)[]', total: 1 });
  });
});
