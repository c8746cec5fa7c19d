/**
 * Phase 2 of a compaction: DuckDB (native) turns each channel's spool into its Parquet file —
 * typed `read_json` with the columns of src/shared/columns.ts, sorted by (ts_ingest_utc, event_id)
 * unless the spool already is, ZSTD, row groups of about 5 minutes (≤ 4 096 rows), statistics on — and reads
 * the row-group index back from the file's footer.
 */
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Channel } from '../../shared/channels';
import type { ChannelManifest } from '../../shared/manifest';
import { CURRENT_VERSION } from '../../shared/schemas';
import { normalizeSpool } from './channel-spool';
import { sqlString } from '../../shared/sql';
import { readJsonColumns, selectList } from './duckdb-columns';
import { CompactionError } from './errors';
import { isoFromMicros } from '../../shared/time';
import type { Query } from './markers';
import type { ChannelStats } from './spool-journal';

const ROW_GROUP_STEP = 2048; // DuckDB fills row groups in vectors of 2048 rows
const ROW_GROUP_MIN = 2048;
const ROW_GROUP_MAX = 4096;
const ROW_GROUP_SPAN_MS = 5 * 60_000;

/**
 * Rows per row group for a channel: about 5 minutes of its data at its average rate, rounded up
 * to DuckDB's 2048-row vectors, between 2 048 and 4 096 rows. A replay seek decodes one group per
 * channel, so the cap bounds seek latency (≈ 30–50 ms of parquet-wasm for 4 096 L2 rows).
 */
export function rowGroupSize(rows: number, spanMs: number): number {
  const perSpan = (rows * ROW_GROUP_SPAN_MS) / Math.max(spanMs, ROW_GROUP_SPAN_MS);
  const rounded = Math.ceil(perSpan / ROW_GROUP_STEP) * ROW_GROUP_STEP;
  return Math.min(ROW_GROUP_MAX, Math.max(ROW_GROUP_MIN, rounded));
}

export interface Engine {
  query: Query;
  connection: DuckDBConnection;
  close(): void;
}

export async function openEngine(workDir: string): Promise<Engine> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(Math.max(1, availableParallelism())),
    temp_directory: join(workDir, 'duckdb'),
    // A spool already in order is copied without ORDER BY and must keep its order.
    preserve_insertion_order: 'true',
  });
  const connection = await instance.connect();
  return {
    connection,
    query: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[],
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Writes `ch`'s spool to `target` (a temporary name) and returns its manifest entry. */
export async function writeChannelParquet(
  engine: Engine,
  ch: Channel,
  stats: ChannelStats,
  target: string,
  onWarning?: (message: string) => void,
): Promise<ChannelManifest> {
  const copy = () =>
    engine.connection.run(
      `COPY (
         SELECT ${selectList(ch)}
         FROM read_json(${sqlString(stats.spoolPath)}, format = 'newline_delimited', records = true,
                        columns = ${readJsonColumns(ch)}, maximum_object_size = ${Math.max(16 << 20, stats.maxBytes * 2 + 1024)})
         ${stats.sorted ? '' : 'ORDER BY ts_ingest_utc, event_id'}
       ) TO ${sqlString(target)} (
         FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize(stats.rows, (stats.maxUs - stats.minUs) / 1000)},
         KV_METADATA {helios_channel: ${sqlString(ch)}, helios_schema_version: '${CURRENT_VERSION[ch]}'}
       )`,
    );
  try {
    await copy();
  } catch (first) {
    onWarning?.(`${ch}: DuckDB refused a passed-through line (${(first as Error).message.split('\n')[0]}); re-serializing the channel`);
    await normalizeSpool(stats.spoolPath);
    await copy();
  }
  const groups = await engine.query(
    `SELECT row_group_id, row_group_num_rows AS rows,
            epoch_us(stats_min_value::TIMESTAMPTZ) AS min_us, epoch_us(stats_max_value::TIMESTAMPTZ) AS max_us
     FROM parquet_metadata(${sqlString(target)}) WHERE path_in_schema = 'ts_ingest_utc' ORDER BY row_group_id`,
  );
  const rows = groups.reduce((sum, g) => sum + Number(g.rows), 0);
  if (rows !== stats.rows) throw new CompactionError(`${ch}: wrote ${rows} rows but validated ${stats.rows}`);
  return {
    file: `ch=${ch}/part-0000.parquet`,
    rows,
    min_ts: isoFromMicros(groups[0]!.min_us as bigint),
    max_ts: isoFromMicros(groups[groups.length - 1]!.max_us as bigint),
    bytes: (await stat(target)).size,
    schema_versions: Object.fromEntries([...stats.versions.entries()].sort((x, y) => x[0] - y[0]).map(([v, n]) => [String(v), n])),
    row_groups: groups.map((g) => ({ rows: Number(g.rows), min_ts: isoFromMicros(g.min_us as bigint), max_ts: isoFromMicros(g.max_us as bigint) })),
  };
}
