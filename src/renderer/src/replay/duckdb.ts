/**
 * DuckDB-WASM for the SQL console, in its own worker from locally bundled assets. Booting it
 * (compiling ~35 MB of WebAssembly and starting DuckDB) takes seconds on a slow machine, so it is
 * booted once per app session — on the console's first query, or earlier with
 * `prewarmReplayEngine` when the app is idle — and shared by every day opened; each day gets its
 * own connection and schema. Replay itself never waits for it.
 */
import * as duckdb from '@duckdb/duckdb-wasm';
import { DUCKDB_BUNDLES } from './assets';

export type { AsyncDuckDB, AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';

export async function startDuckDb(): Promise<{ db: duckdb.AsyncDuckDB; worker: Worker }> {
  const bundle = await duckdb.selectBundle(DUCKDB_BUNDLES);
  const worker = new Worker(bundle.mainWorker!);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
  return { db, worker };
}

/**
 * Settings for an offline engine: never try to download an extension (DuckDB-WASM would otherwise
 * fetch one from the network for e.g. time-zone functions and wait forever offline).
 */
export async function configureOffline(conn: duckdb.AsyncDuckDBConnection): Promise<void> {
  for (const setting of ['SET autoinstall_known_extensions = false', 'SET autoload_known_extensions = false']) {
    try {
      await conn.query(setting);
    } catch {
      // older engines without the setting never autoload
    }
  }
}

let engine: Promise<duckdb.AsyncDuckDB> | null = null;

/** The session's engine, booted on first use. */
export function replayEngine(): Promise<duckdb.AsyncDuckDB> {
  if (!engine) {
    engine = (async () => {
      const { db } = await startDuckDb();
      const conn = await db.connect();
      await configureOffline(conn);
      await conn.close();
      return db;
    })();
    engine.catch(() => {
      engine = null; // let the next open try again
    });
  }
  return engine;
}

/** Start booting the engine now (call at app start) so opening a day doesn't wait for it. */
export function prewarmReplayEngine(): void {
  void replayEngine().catch(() => {});
}
