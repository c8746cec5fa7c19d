/**
 * Phase 2 of a compaction pass: DuckDB (native) turns each channel's spool into a part file —
 * typed `read_json` with the columns of src/shared/columns.ts, sorted by (ts_ingest_utc, event_id)
 * unless the spool already is, ZSTD, row groups of about 5 minutes (≤ 4 096 rows), statistics on —
 * merges part files into one, and reads a file's row-group index back from its footer.
 */
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Channel } from '../../shared/channels';
import { CURRENT_VERSION } from '../../shared/schemas';
import { normalizeSpool } from './channel-spool';
import { sqlString } from '../../shared/sql';
import { readJsonColumns, selectList } from './duckdb-columns';
import { CompactionError } from './errors';
import type { Query } from './markers';
import type { ChannelStats } from './spool-journal';

const ROW_GROUP_STEP = 2048; // DuckDB fills row groups in vectors of 2048 rows
const ROW_GROUP_MIN = 2048;
const ROW_GROUP_MAX = 4096;
const ROW_GROUP_SPAN_MS = 5 * 60_000;
/**
 * ZSTD level 1: on the recorder's 12-hour journal, 5 % smaller files than DuckDB's default level 3 and
 * ~17 % less CPU writing the book snapshots (docs/data-format.md, "Measured").
 */
const ZSTD_LEVEL = 1;

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

export interface EngineOptions {
  /** DuckDB threads (default: one per core). */
  threads?: number;
  /** DuckDB's memory limit, e.g. '1GB' (default: DuckDB's, 80 % of RAM); beyond it DuckDB spills to the work folder. */
  memoryLimit?: string;
}

export async function openEngine(workDir: string, options: EngineOptions = {}): Promise<Engine> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? Math.max(1, availableParallelism())),
    temp_directory: join(workDir, 'duckdb'),
    // A spool already in order is copied without ORDER BY and must keep its order.
    preserve_insertion_order: 'true',
    ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
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

/** A part file as written: what its manifest entry and the day's state need. */
export interface WrittenPart {
  rows: number;
  bytes: number;
  /** ts_ingest_utc range in epoch µs. */
  minUs: number;
  maxUs: number;
  rowGroups: { rows: number; minUs: number; maxUs: number }[];
}

const parquetOptions = (ch: Channel, rowGroupRows: number) =>
  `FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${ZSTD_LEVEL}, ROW_GROUP_SIZE ${rowGroupRows},
   KV_METADATA {helios_channel: ${sqlString(ch)}, helios_schema_version: '${CURRENT_VERSION[ch]}'}`;

/** Writes `ch`'s spool to `target` (a temporary name) as one part file. */
export async function writeChannelParquet(
  engine: Engine,
  ch: Channel,
  stats: ChannelStats,
  target: string,
  onWarning?: (message: string) => void,
): Promise<WrittenPart> {
  const copy = () =>
    engine.connection.run(
      `COPY (
         SELECT ${selectList(ch)}
         FROM read_json(${sqlString(stats.spoolPath)}, format = 'newline_delimited', records = true,
                        columns = ${readJsonColumns(ch)}, maximum_object_size = ${Math.max(16 << 20, stats.maxBytes * 2 + 1024)})
         ${stats.sorted ? '' : 'ORDER BY ts_ingest_utc, event_id'}
       ) TO ${sqlString(target)} (${parquetOptions(ch, rowGroupSize(stats.rows, (stats.maxUs - stats.minUs) / 1000))})`,
    );
  try {
    await copy();
  } catch (first) {
    onWarning?.(`${ch}: DuckDB refused a passed-through line (${(first as Error).message.split('\n')[0]}); re-serializing the channel`);
    await normalizeSpool(stats.spoolPath);
    await copy();
  }
  const written = await describePart(engine, target);
  if (written.rows !== stats.rows) throw new CompactionError(`${ch}: wrote ${written.rows} rows but validated ${stats.rows}`);
  return written;
}

/** A part file to merge: its path and what the manifest says of it. */
export interface MergeSource {
  path: string;
  rows: number;
  minUs: number;
  maxUs: number;
}

/**
 * Merges part files of `ch` into one at `target`, sorted by (ts_ingest_utc, event_id), with the
 * row groups a compaction of those rows in one pass cuts. Always through a sort, even when the
 * parts follow each other in time: DuckDB writes the rows of a concatenation in row groups that
 * end where each input file's do, which would leave a closed day with ragged groups.
 */
export async function mergeParts(engine: Engine, ch: Channel, sources: MergeSource[], target: string): Promise<WrittenPart> {
  const rows = sources.reduce((n, s) => n + s.rows, 0);
  const minUs = Math.min(...sources.map((s) => s.minUs));
  const maxUs = Math.max(...sources.map((s) => s.maxUs));
  await engine.connection.run(
    `COPY (
       SELECT ${selectList(ch)} FROM read_parquet([${sources.map((s) => sqlString(s.path)).join(', ')}], hive_partitioning = false)
       ORDER BY ts_ingest_utc, event_id
     ) TO ${sqlString(target)} (${parquetOptions(ch, rowGroupSize(rows, (maxUs - minUs) / 1000))})`,
  );
  const written = await describePart(engine, target);
  if (written.rows !== rows) throw new CompactionError(`${ch}: merged ${written.rows} rows from parts holding ${rows}`);
  return written;
}

/** Row count, size and row-group index of a Parquet file, from its footer. */
async function describePart(engine: Engine, path: string): Promise<WrittenPart> {
  const groups = await engine.query(
    `SELECT row_group_id, row_group_num_rows AS rows,
            epoch_us(stats_min_value::TIMESTAMPTZ) AS min_us, epoch_us(stats_max_value::TIMESTAMPTZ) AS max_us
     FROM parquet_metadata(${sqlString(path)}) WHERE path_in_schema = 'ts_ingest_utc' ORDER BY row_group_id`,
  );
  const rowGroups = groups.map((g) => ({ rows: Number(g.rows), minUs: Number(g.min_us as bigint), maxUs: Number(g.max_us as bigint) }));
  return {
    rows: rowGroups.reduce((sum, g) => sum + g.rows, 0),
    bytes: (await stat(path)).size,
    minUs: rowGroups[0]!.minUs,
    maxUs: rowGroups[rowGroups.length - 1]!.maxUs,
    rowGroups,
  };
}
