/**
 * One SQL statement over every day of a data root (see database.ts for the views), printed as a
 * table or written as CSV / NDJSON / Parquet by DuckDB itself (`COPY (FROM query(…)) TO …`, so
 * DESCRIBE and SHOW work too and nested values keep DuckDB's own encoding).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { CHANNELS } from '../../shared/channels';
import { sqlString } from '../../shared/sql';
import type { DataRoot } from '../data-root';
import { openQueryDatabase, type QueryDatabase } from './database';

export const QUERY_FORMATS = ['table', 'csv', 'json', 'parquet'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** The statement itself is wrong (syntax, unknown table or column, bad cast…): the user's to fix. */
export class QuerySqlError extends Error {}

export interface RunQueryOptions {
  dataRoot: DataRoot;
  sql: string;
  format: QueryFormat;
  /** Write here instead of `output` (required for parquet). */
  out?: string;
  /** Rows printed by the table format (default 1000); the rest is counted, not printed. */
  maxRows?: number;
  output: Writable;
}

export interface QueryRunResult {
  /** Rows printed (table format only). */
  rows?: number;
  /** More rows existed than were printed (table format only). */
  truncated?: boolean;
}

const COPY_OPTIONS: Record<Exclude<QueryFormat, 'table'>, string> = {
  csv: 'FORMAT csv, HEADER true',
  json: 'FORMAT json',
  parquet: 'FORMAT parquet, COMPRESSION zstd',
};

export async function runQuery(options: RunQueryOptions): Promise<QueryRunResult> {
  const sql = options.sql.trim().replace(/;\s*$/, '');
  if (!sql) throw new QuerySqlError('empty SQL');
  if (options.format === 'parquet' && !options.out) throw new Error('--format parquet needs --out FILE');
  const db = await openQueryDatabase(options.dataRoot);
  try {
    const statements = await asSqlError(db, () => db.connection.extractStatements(sql));
    if (statements.count !== 1) throw new QuerySqlError(`give one SQL statement (got ${statements.count})`);
    if (options.format === 'table') return await printTable(db, sql, options);
    const copy = (target: string) =>
      asSqlError(db, () => db.connection.run(`COPY (FROM query(${sqlString(sql)})) TO ${sqlString(target)} (${COPY_OPTIONS[options.format as 'csv']})`));
    if (options.out) {
      await copy(options.out);
      return {};
    }
    const dir = await mkdtemp(join(tmpdir(), 'helios-query-'));
    try {
      const file = join(dir, `result.${options.format}`);
      await copy(file);
      await pipeline(createReadStream(file), options.output, { end: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return {};
  } finally {
    db.close();
  }
}

async function printTable(db: QueryDatabase, sql: string, options: RunQueryOptions): Promise<QueryRunResult> {
  const maxRows = options.maxRows ?? 1000;
  const reader = await asSqlError(db, () => db.connection.streamAndReadUntil(sql, maxRows + 1));
  const names = reader.columnNames();
  const rows = reader.getRows().slice(0, maxRows).map((row) => row.map(cellText));
  const numeric = reader.columnTypes().map((t) => /INT|DOUBLE|FLOAT|DECIMAL|HUGEINT/.test(t.toString()) && !t.toString().includes('['));
  const widths = names.map((n, i) => Math.min(CELL_MAX, Math.max(n.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) =>
    cells.map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const truncated = !reader.done || reader.currentRowCount > maxRows;
  const out = [line(names), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  out.push(truncated ? `(first ${rows.length} rows; more not shown — --format csv|json prints all)` : `(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  options.output.write(out.join('\n') + '\n');
  return { rows: rows.length, truncated };
}

const CELL_MAX = 60;

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  return String(value).replace(/\s+/g, ' ');
}

/**
 * DuckDB errors from the user's statement become one line (its first: "Parser Error: syntax error
 * at or near …"), with a hint when the missing table is a channel that has no Parquet here.
 */
async function asSqlError<T>(db: QueryDatabase, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]!.replace(/^Failed to extract statements: /, '').trim();
    const missing = /^Catalog Error: Table with name (\S+) does not exist/.exec(message)?.[1];
    if (missing && (CHANNELS as readonly string[]).includes(missing)) {
      const views = [...db.channels.parquet, ...db.channels.windows.map((ch) => `windows.${ch}`)];
      throw new QuerySqlError(`no Parquet of ${missing} here (this data root has: ${views.join(', ') || 'no compacted day'})`);
    }
    throw new QuerySqlError(message);
  }
}
