/** A DuckDB (native) connection for the services' own queries over Parquet: run, read rows, close. */
import { DuckDBInstance } from '@duckdb/node-api';

export interface Duck {
  run(sql: string): Promise<void>;
  /** Every row, as plain JS values (BIGINT as bigint). */
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): void;
}

export async function openDuck({ threads }: { threads?: number } = {}): Promise<Duck> {
  const instance = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
  const connection = await instance.connect();
  return {
    run: async (sql) => void (await connection.run(sql)),
    all: async <T>(sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[],
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
