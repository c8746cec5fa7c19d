/**
 * ClickHouse tables of the channels the sink streams, derived from the shared column table
 * (`src/shared/columns.ts`) like the Parquet layout, so the three can never disagree. One place
 * says, per column type, the ClickHouse type, how a live event's value becomes a JSONEachRow value
 * (the sink) and how a Parquet column becomes the same value in DuckDB's JSON (the bulk load).
 *
 * Chosen to work on old servers (Debian's 18.16) and current ones alike:
 * - timestamps are two columns: `<name>` DateTime('UTC') (seconds; partitions, TTL, humans) and
 *   `<name>_us` Int64, the exact epoch microseconds (DateTime64 needs ClickHouse ≥ 20.1);
 * - lists of structs and maps are `Nested` columns (`bids.p`, `bids.s`, `latency_ms.key`, …): no
 *   Map type before 21.x, and 18.16 cannot read tuples from JSONEachRow;
 * - a NULL list is stored as [] (ClickHouse has no Nullable(Array));
 * - booleans are UInt8.
 * Every table is a ReplacingMergeTree partitioned by month of the station-local `date`, ordered by
 * station, token (market channels), time and event_id: a row sent twice (a retried batch, a bulk
 * load over what the sink sent) collapses into one when parts merge, and `FINAL` gives exact
 * counts before that. A table TTL is added where the server supports it (≥ 19.6).
 */
import { CHANNEL_COLUMNS, type Column } from '../../shared/columns';
import { TOKEN_CHANNELS, type Channel } from '../../shared/channels';
import type { AnyEvent } from '../../shared/schemas';
import { ident } from '../../shared/sql';
import { microsFromIso, stationDate } from '../../shared/time';

/** What the sink streams and `clickhouse load` loads (docs/spec.md §8). */
export const CLICKHOUSE_CHANNELS = [
  'l2_snap_1s',
  'tape_trades',
  'book_events',
  'metar_obs',
  'pws_cluster',
  'nowcast_1m',
  'health',
  'event_windows',
] as const satisfies readonly Channel[];
export type ClickHouseChannel = (typeof CLICKHOUSE_CHANNELS)[number];

export function isClickHouseChannel(ch: string): ch is ClickHouseChannel {
  return (CLICKHOUSE_CHANNELS as readonly string[]).includes(ch);
}

type Json = string | number | boolean | null | Json[];

/** One ClickHouse column: its name, type, the value from a live event, the DuckDB expression over the Parquet row. */
interface ChColumn {
  name: string;
  type: string;
  fromEvent(event: Record<string, unknown>): Json;
  /** DuckDB SQL giving the same value as `fromEvent`, for `COPY … (FORMAT json)`. */
  duckdb: string;
}

const nullable = (type: string, yes: boolean) => (yes ? `Nullable(${type})` : type);

/** Struct-list and map types as Nested fields: [field, ClickHouse type, JS key]. */
const NESTED: Partial<Record<Column['type'], [string, string][]>> = {
  levels: [
    ['p', 'Float64'],
    ['s', 'Float64'],
  ],
  bucket_probs: [
    ['bucket', 'String'],
    ['p', 'Float64'],
  ],
  bin_probs: [
    ['bin', 'String'],
    ['p', 'Float64'],
  ],
  clouds: [
    ['cover', 'String'],
    ['base_ft', 'Nullable(Int32)'],
  ],
  market_tokens: [
    ['token_id', 'String'],
    ['market_id', 'String'],
    ['bucket', 'Nullable(String)'],
  ],
  source_states: [
    ['source', 'String'],
    ['state', 'String'],
    ['detail', 'Nullable(String)'],
  ],
};

function columnsOf(col: Column): ChColumn[] {
  const q = ident(col.name);
  const value = (e: Record<string, unknown>) => e[col.name];
  switch (col.type) {
    case 'string':
      return [{ name: col.name, type: nullable('String', col.nullable), fromEvent: (e) => (value(e) as string | undefined) ?? null, duckdb: q }];
    case 'int':
      return [{ name: col.name, type: nullable('Int32', col.nullable), fromEvent: (e) => (value(e) as number | undefined) ?? null, duckdb: q }];
    case 'double':
      return [{ name: col.name, type: nullable('Float64', col.nullable), fromEvent: (e) => (value(e) as number | undefined) ?? null, duckdb: q }];
    case 'bool':
      return [{ name: col.name, type: 'UInt8', fromEvent: (e) => (value(e) ? 1 : 0), duckdb: `${q}::UTINYINT` }];
    case 'timestamp': {
      const us = (e: Record<string, unknown>) => {
        const iso = value(e) as string | null | undefined;
        return iso ? microsFromIso(iso) : null;
      };
      return [
        {
          name: col.name,
          type: nullable("DateTime('UTC')", col.nullable),
          fromEvent: (e) => {
            const t = us(e);
            return t === null ? null : Math.floor(t / 1e6);
          },
          duckdb: `(epoch_us(${q}) // 1000000)`,
        },
        { name: `${col.name}_us`, type: nullable('Int64', col.nullable), fromEvent: us, duckdb: `epoch_us(${q})` },
      ];
    }
    case 'string_list':
    case 'enum_list':
      return [{ name: col.name, type: 'Array(String)', fromEvent: (e) => (value(e) as string[] | null | undefined) ?? [], duckdb: `coalesce(${q}, [])` }];
    case 'number_map':
      return [
        { name: `${col.name}.key`, type: 'Array(String)', fromEvent: (e) => Object.keys((value(e) as object | null) ?? {}), duckdb: `coalesce(map_keys(${q}), [])` },
        {
          name: `${col.name}.value`,
          type: 'Array(Nullable(Float64))',
          fromEvent: (e) => Object.values((value(e) as Record<string, number | null> | null) ?? {}),
          duckdb: `coalesce(map_values(${q}), [])`,
        },
      ];
    default: {
      const fields = NESTED[col.type]!;
      return fields.map(([field, type]) => ({
        name: `${col.name}.${field}`,
        type: `Array(${type})`,
        fromEvent: (e) => ((value(e) as Record<string, Json>[] | null | undefined) ?? []).map((x) => x[field] ?? null),
        duckdb: `coalesce(list_transform(${q}, x -> x.${ident(field)}), [])`,
      }));
    }
  }
}

/** The station-local date of the event (the Parquet `date` partition): partitions and per-day checks. */
const DATE_COLUMN: ChColumn = {
  name: 'date',
  type: 'Date',
  fromEvent: (e) => stationDate(Date.parse(e.ts_ingest_utc as string), e.station_id as string),
  duckdb: '', // the day being loaded, given by the caller
};

const TABLE_COLUMNS = new Map<ClickHouseChannel, ChColumn[]>(
  CLICKHOUSE_CHANNELS.map((ch) => [ch, [DATE_COLUMN, ...CHANNEL_COLUMNS[ch].filter((c) => c.name !== 'ch').flatMap(columnsOf)]]),
);

export function tableColumns(ch: ClickHouseChannel): readonly ChColumn[] {
  return TABLE_COLUMNS.get(ch)!;
}

/** The table name, qualified and quoted for ClickHouse. */
export function tableName(database: string, ch: ClickHouseChannel): string {
  return `${backquote(database)}.${backquote(ch)}`;
}

const backquote = (name: string) => `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;

export function createDatabaseSql(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${backquote(database)}`;
}

export function createTableSql(database: string, ch: ClickHouseChannel, ttlDays: number | null): string {
  const columns = tableColumns(ch).map((c) => `    ${backquote(c.name)} ${c.type}`);
  const order = (TOKEN_CHANNELS as readonly string[]).includes(ch) ? 'station_id, token_id, ts_ingest_utc_us, event_id' : 'station_id, ts_ingest_utc_us, event_id';
  return [
    `CREATE TABLE IF NOT EXISTS ${tableName(database, ch)}`,
    `(`,
    columns.join(',\n'),
    `)`,
    `ENGINE = ReplacingMergeTree`,
    `PARTITION BY toYYYYMM(date)`,
    `ORDER BY (${order})`,
    ...(ttlDays === null ? [] : [`TTL date + toIntervalDay(${ttlDays})`]),
  ].join('\n');
}

/** Every statement of the schema, for `helios clickhouse ddl` and the committed schema file. */
export function schemaSql(database: string, ttlDays: number | null): string {
  return [createDatabaseSql(database), ...CLICKHOUSE_CHANNELS.map((ch) => createTableSql(database, ch, ttlDays))].map((s) => `${s};\n`).join('\n');
}

/** One JSONEachRow line of a live event. */
export function eventRow(event: AnyEvent): string {
  const e = event as unknown as Record<string, unknown>;
  const row: Record<string, Json> = {};
  for (const c of tableColumns(event.ch as ClickHouseChannel)) row[c.name] = c.fromEvent(e);
  return JSON.stringify(row);
}

/** The DuckDB SELECT list giving, from a channel's Parquet rows of day `date`, what `eventRow` gives. */
export function parquetSelectList(ch: ClickHouseChannel, date: string): string {
  return tableColumns(ch)
    .map((c) => `${c === DATE_COLUMN ? `DATE '${date}'` : c.duckdb} AS ${ident(c.name)}`)
    .join(', ');
}
