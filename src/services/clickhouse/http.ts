/**
 * The ClickHouse HTTP interface through `@clickhouse/client`, narrowed to what HELIOS needs and
 * checked against Debian's 18.16 server: queries in JSONEachRow, commands, and inserts whose body
 * is JSONEachRow bytes as they are (`exec` with a stream: the spool files and DuckDB's output go
 * through untouched, without a parse per row). Table names are always qualified, so the client's
 * session database stays `default` (a database that does not exist yet would fail every request).
 *
 * The client parses errors in the format of current servers (`Code: 62. DB::Exception: …`); 18.16
 * writes `Code: 62, e.displayText() = DB::Exception: …`, so the code is read here from either.
 */
import { Readable } from 'node:stream';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from './config';

/** An error the server answered with (its code and message), as opposed to not answering. */
export class ClickHouseServerError extends Error {
  constructor(
    readonly code: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** Codes meaning "this data cannot go into this table": retrying the same rows cannot help. */
const DATA_ERRORS = new Set([
  6, // CANNOT_PARSE_TEXT
  16, // NO_SUCH_COLUMN_IN_TABLE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA (e.g. "Unknown field found while parsing JSONEachRow format")
]);

/** The rows themselves are at fault (set the batch aside); anything else may pass later (retry). */
export function isDataError(e: unknown): boolean {
  return e instanceof ClickHouseServerError && e.code !== null && DATA_ERRORS.has(e.code);
}

const CODE = /^Code: (\d+)[.,]/;

function serverError(e: unknown): Error {
  const message = (e as Error).message ?? String(e);
  const code = CODE.exec(message);
  if (!code) return e as Error; // no answer: refused, reset, timed out…
  return new ClickHouseServerError(Number(code[1]), message.trim().replace(/, e\.what\(\) = DB::Exception$/, ''));
}

export interface ClickHouseHttp {
  readonly url: string;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  command(sql: string): Promise<void>;
  /** INSERT INTO `table` FORMAT JSONEachRow, the body sent as it is. */
  insert(table: string, body: Buffer | Readable): Promise<void>;
  close(): Promise<void>;
}

export function connectClickHouse(config: ClickHouseConfig, env: NodeJS.ProcessEnv = process.env): ClickHouseHttp {
  const client: ClickHouseClient = createClient({
    url: config.url,
    username: config.user,
    password: env[config.password_env] ?? '',
    request_timeout: config.request_timeout_ms,
    log: { level: ClickHouseLogLevel.OFF },
    max_open_connections: 2,
  });
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      throw serverError(e);
    }
  };
  return {
    url: config.url,
    query: <T>(sql: string) => guard(async () => (await client.query({ query: sql, format: 'JSONEachRow' })).json<T>()),
    command: (sql) => guard(async () => void (await client.command({ query: sql }))),
    insert: (table, body) =>
      guard(async () => {
        const result = await client.exec({ query: `INSERT INTO ${table} FORMAT JSONEachRow`, values: Buffer.isBuffer(body) ? Readable.from([body]) : body });
        result.stream.resume();
        await new Promise<void>((resolve, reject) => {
          result.stream.on('end', resolve).on('close', resolve).on('error', reject);
        });
      }),
    close: () => client.close(),
  };
}
