/**
 * Everything `helios serve` runs, as a function (the CLI parses the command line; tests and the
 * bench call it directly): the live recording with its periodic compaction (the simulator or the
 * real sources of `--config`), one DuckDB instance for the replays, and the server. Without a
 * source it serves the data root's days only.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DataRoot } from '../data-root';
import { startLiveSession, type LiveSession, type LiveSourcesChoice } from '../live-session';
import { startHeliosServer, type HeliosServer } from './server';

export interface RunServeOptions {
  dataRoot: string;
  host: string;
  port: number;
  token: string | null;
  /** What to record live (and compact periodically): the simulator or real sources; null: nothing. */
  record: LiveSourcesChoice | null;
  /** The simulator's station (real sources name theirs in their config). */
  station?: string;
  /** App version, for the real sources' User-Agent. */
  version?: string;
  /** DuckDB threads for the replays (default 1). */
  threads?: number;
  /** DuckDB's memory limit for the replays (default 512MB). */
  memoryLimit?: string;
  log?: (message: string) => void;
}

export interface RunningServe {
  server: HeliosServer;
  live: LiveSession | null;
  stop(): Promise<void>;
}

export async function runServe(options: RunServeOptions): Promise<RunningServe> {
  const log = options.log ?? ((m: string) => console.log(`helios serve: ${m}`));
  const root = resolve(options.dataRoot);
  await mkdir(root, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? 1),
    memory_limit: options.memoryLimit ?? '512MB',
    // DuckDB would otherwise keep the Parquet it reads in memory (up to the limit); the page cache does that
    enable_external_file_cache: 'false',
  });
  let live: LiveSession | null = null;
  try {
    if (options.record) {
      live = await startLiveSession(
        { data_root: root, demo: false, station: options.station, sources: options.record, version: options.version },
        (level, message) => log(`${level}: ${message}`),
      );
    }
    const server = await startHeliosServer({
      dataRoot: new DataRoot(root),
      host: options.host,
      port: options.port,
      token: options.token,
      live: live && { station_id: live.station_id, feed: live.feed },
      instance,
      log,
    });
    return {
      server,
      live,
      async stop() {
        await server.close();
        await live?.stop();
        instance.closeSync();
      },
    };
  } catch (e) {
    await live?.stop();
    instance.closeSync();
    throw e;
  }
}
