/**
 * A DuckDB database over every compacted day of a data root: one view per channel over
 * `parquet/station=*\/date=*\/ch=<ch>/*.parquet` (hive partitioning adds `station` and `date`; a day
 * may hold several part files, and `date=D` may be a link into `.gen/` — DuckDB's glob follows it
 * and skips dot-folders), and the same views in schema `windows` over what retention kept of
 * expired days (`windows/…`).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CHANNELS, type Channel } from '../../shared/channels';
import { ident, sqlString } from '../../shared/sql';
import type { DataRoot } from '../data-root';

export interface QueryDatabase {
  connection: DuckDBConnection;
  /** Channels with at least one Parquet file, per tree (the views that exist). */
  channels: { parquet: Channel[]; windows: Channel[] };
  close(): void;
}

/** The view of one channel over every day of a tree; `union_by_name` because days may differ in columns. */
export function channelViewSql(dataRoot: DataRoot, tree: 'parquet' | 'windows', ch: Channel): string {
  const name = tree === 'parquet' ? ident(ch) : `windows.${ident(ch)}`;
  return `CREATE OR REPLACE VIEW ${name} AS SELECT * FROM read_parquet(${sqlString(dataRoot.channelGlob(tree, ch))},
    hive_partitioning = true, hive_types = {'station': VARCHAR, 'date': DATE}, union_by_name = true)`;
}

const NO_FILES = /No files found that match the pattern/;

export async function openQueryDatabase(dataRoot: DataRoot, options: { threads?: number } = {}): Promise<QueryDatabase> {
  const instance = await DuckDBInstance.create(':memory:', options.threads ? { threads: String(options.threads) } : {});
  const connection = await instance.connect();
  const channels: QueryDatabase['channels'] = { parquet: [], windows: [] };
  try {
    await connection.run('CREATE SCHEMA windows');
    for (const tree of ['parquet', 'windows'] as const) {
      for (const ch of CHANNELS) {
        try {
          await connection.run(channelViewSql(dataRoot, tree, ch));
          channels[tree].push(ch);
        } catch (e) {
          if (!NO_FILES.test((e as Error).message)) throw e;
        }
      }
    }
  } catch (e) {
    connection.closeSync();
    instance.closeSync();
    throw e;
  }
  return {
    connection,
    channels,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
