/**
 * Opening a recorded day in the browser: manifest → parquet-wasm (local asset) → the Parquet
 * footers (two range reads per channel) → a block-cache EventSource that decodes row groups on
 * demand → a ReplayPlayer. The first frame needs only the row groups around the start of the day.
 * DuckDB-WASM (the SQL console) boots separately and sees the same decoded row groups.
 */
import type { HeliosApi } from '../../../shared/api';
import { CHANNELS, type Channel } from '../../../shared/channels';
import type { Manifest } from '../../../shared/manifest';
import { exportFromSource, type ExportedFile, type ExportRequest } from '../../../shared/players/export';
import { ReplayPlayer, type ReplayPlayerOptions } from '../../../shared/players/replay-player';
import { ArrowBlockSource, type BlockSourceOptions } from './arrow-block-source';
import { replayEngine } from './duckdb';
import { inlineDecoder, workerDecoder, type ChannelFile } from './decoder';
import { SqlConsole, type QueryResult } from './sql-console';

export type ReplayApi = Pick<HeliosApi, 'readManifest' | 'readParquet'>;

export interface DayRef {
  station_id: string;
  date: string;
}

export interface OpenReplayOptions extends BlockSourceOptions {
  /** Parquet decode workers (default 2); 0 decodes on the UI thread. */
  decodeWorkers?: number;
  player?: ReplayPlayerOptions;
  onProgress?: (p: { label: string; fraction: number | null }) => void;
}

export interface ReplayDay {
  manifest: Manifest;
  source: ArrowBlockSource;
  player: ReplayPlayer;
  /** Ad-hoc SQL (DuckDB-WASM) over the row groups decoded around the playhead, one view per channel. */
  query(sql: string): Promise<QueryResult>;
  exampleQuery: string;
  /** The correlation-id snapshot of the moment at `at_ms` (whole-day correlation search). */
  exportSnapshot(request: ExportRequest): Promise<ExportedFile>;
  /** Bytes and range requests read from the data root so far, and decode time. */
  io(): Promise<{ bytesRead: number; requests: number; decodeMs: number }>;
  close(): void;
}

export const EXAMPLE_QUERY = `SELECT token_id, count(*) AS snapshots, min(ts_ingest_utc) AS first_ts, max(ts_ingest_utc) AS last_ts,
       round(avg(mid), 4) AS avg_mid, round(avg(spread), 4) AS avg_spread
FROM l2_snap_1s
GROUP BY token_id
ORDER BY token_id`;

export { prewarmReplayEngine } from './duckdb';

export async function openReplayDay(api: ReplayApi, day: DayRef, options: OpenReplayOptions = {}): Promise<ReplayDay> {
  const progress = options.onProgress ?? (() => {});
  progress({ label: 'Reading the day’s manifest', fraction: 0 });
  const manifest = await api.readManifest(day);
  const channelFile = (ch: Channel): ChannelFile => {
    const c = manifest.channels[ch];
    if (!c) throw new Error(`the day has no ${ch} file`);
    return { size: c.bytes, read: (offset, length) => api.readParquet({ ...day, ch, offset, length }) };
  };
  const decoder = options.decodeWorkers === 0 || typeof Worker === 'undefined' ? inlineDecoder(channelFile) : workerDecoder(channelFile, options.decodeWorkers ?? 2);
  progress({ label: 'Opening the Parquet files', fraction: 0.3 });
  // Footers are read (and checked against the manifest) while the first block loads.
  const checked = Promise.all(
    CHANNELS.filter((ch) => (manifest.channels[ch]?.rows ?? 0) > 0).map(async (ch) => {
      const c = manifest.channels[ch]!;
      const groups = await decoder.open(ch);
      if (c.row_groups.length > 0 && groups !== c.row_groups.length) {
        throw new Error(`${c.file}: the manifest lists ${c.row_groups.length} row groups but the file has ${groups}`);
      }
    }),
  );
  const source = new ArrowBlockSource(manifest, decoder, options);
  await source.initialize();
  progress({ label: 'Loading the first block', fraction: 0.8 });
  const player = new ReplayPlayer(source, options.player);
  try {
    await checked;
  } catch (e) {
    player.close();
    decoder.close();
    throw e;
  }

  let sql: Promise<SqlConsole> | null = null;
  const sqlConsole = () => {
    sql ??= replayEngine().then(async (db) => new SqlConsole(await db.connect(), decoder));
    sql.catch(() => (sql = null));
    return sql;
  };
  return {
    manifest,
    source,
    player,
    query: async (text) => (await sqlConsole()).query(source.cachedGroups(), text),
    exampleQuery: EXAMPLE_QUERY,
    exportSnapshot: (request) => exportFromSource(source, request),
    io: async () => decoder.io(),
    close() {
      player.close();
      void sql?.then((c) => c.close()).catch(() => {});
      decoder.close();
    },
  };
}
