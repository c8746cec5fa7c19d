/**
 * DuckDB column types of each channel's Parquet file, derived from the shared column table
 * (`src/shared/columns.ts`) so the compactor and the replay can never disagree.
 */
import type { Channel } from '../../shared/channels';
import { CHANNEL_COLUMNS, type ColumnType } from '../../shared/columns';
import { ident, sqlString } from '../../shared/sql';

export const DUCKDB_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMPTZ',
  int: 'INTEGER',
  double: 'DOUBLE',
  bool: 'BOOLEAN',
  levels: 'STRUCT(p DOUBLE, s DOUBLE)[]',
  bucket_probs: 'STRUCT(bucket VARCHAR, p DOUBLE)[]',
  bin_probs: 'STRUCT(bin VARCHAR, p DOUBLE)[]',
  clouds: 'STRUCT(cover VARCHAR, base_ft INTEGER)[]',
  number_map: 'MAP(VARCHAR, DOUBLE)',
  string_list: 'VARCHAR[]',
  market_tokens: 'STRUCT(token_id VARCHAR, market_id VARCHAR, bucket VARCHAR)[]',
  source_states: 'STRUCT("source" VARCHAR, state VARCHAR, detail VARCHAR)[]',
  enum_list: 'VARCHAR[]',
};


/** The `columns={…}` argument of `read_json` for a channel. */
export function readJsonColumns(ch: Channel): string {
  return `{${CHANNEL_COLUMNS[ch].map((c) => `${ident(c.name)}: ${sqlString(DUCKDB_TYPES[c.type])}`).join(', ')}}`;
}

/** The channel's columns, quoted, in table order (the Parquet file's column order). */
export function selectList(ch: Channel): string {
  return CHANNEL_COLUMNS[ch].map((c) => ident(c.name)).join(', ');
}


const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const isInt32 = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && v >= INT32_MIN && v <= INT32_MAX);

const intColumns = new Map<Channel, string[]>();
const cloudColumns = new Map<Channel, string[]>();
for (const [ch, columns] of Object.entries(CHANNEL_COLUMNS) as [Channel, (typeof CHANNEL_COLUMNS)[Channel]][]) {
  intColumns.set(ch, columns.filter((c) => c.type === 'int').map((c) => c.name));
  cloudColumns.set(ch, columns.filter((c) => c.type === 'clouds').map((c) => c.name));
}

/**
 * The registry accepts any safe integer where the Parquet column is a 32-bit INTEGER. A value
 * outside that range would make DuckDB fail the whole channel, so such an event is rejected on its
 * own instead. Returns the offending field, or null.
 */
export function int32Overflow(ch: Channel, event: Record<string, unknown>): string | null {
  for (const name of intColumns.get(ch)!) if (!isInt32(event[name])) return name;
  for (const name of cloudColumns.get(ch)!) {
    const layers = event[name] as { base_ft: number | null }[] | undefined;
    if (layers?.some((l) => !isInt32(l.base_ft))) return `${name}.base_ft`;
  }
  return null;
}
