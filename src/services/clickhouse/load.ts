/**
 * `helios clickhouse load`: compacted days from Parquet into ClickHouse, idempotently. A channel
 * of a day that ClickHouse already holds exactly (same rows and checksum, verify.ts) is skipped;
 * otherwise DuckDB writes its rows as JSONEachRow (the same values the live sink sends, from the
 * same column table) in files of about 64 MB, each inserted as one request and retried on failure.
 * Rows already there (from the sink, or a load cut short) collapse in the ReplacingMergeTree; the
 * months where that can happen are merged at the end (`OPTIMIZE … FINAL`), so even plain counts
 * are exact afterwards.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlString } from '../../shared/sql';
import { readdirOrEmpty } from '../files';
import type { DayRef } from '../../shared/api';
import { manifestChannelFiles, type DataRoot } from '../data-root';
import type { Duck } from '../duckdb';
import type { ClickHouseConfig } from './config';
import { isDataError, type ClickHouseHttp } from './http';
import { CLICKHOUSE_CHANNELS, parquetSelectList, tableName, type ClickHouseChannel } from './schema';
import { clickhouseChecksum, parquetChecksum } from './verify';

export interface ChannelLoad {
  station_id: string;
  date: string;
  ch: ClickHouseChannel;
  rows: number;
  /** loaded: inserted now; present: ClickHouse already held exactly these rows. */
  outcome: 'loaded' | 'present';
}

const ATTEMPTS = 4;

export async function loadDays(options: {
  dataRoot: DataRoot;
  http: ClickHouseHttp;
  duck: Duck;
  config: ClickHouseConfig;
  days: DayRef[];
  onChannel?(load: ChannelLoad): void;
  /** Backoff before the second attempt of an insert (doubles after). */
  retryMs?: number;
}): Promise<ChannelLoad[]> {
  const { dataRoot, http, duck, config } = options;
  const out: ChannelLoad[] = [];
  const merge = new Set<string>(); // `table|yyyymm` that may hold duplicates now
  const work = await mkdtemp(join(tmpdir(), 'helios-clickhouse-load-'));
  try {
    for (const day of options.days) {
      const manifest = await dataRoot.readManifest(day);
      for (const ch of CLICKHOUSE_CHANNELS) {
        const files = manifestChannelFiles(manifest, ch);
        if (files.length === 0) continue;
        const parquet = await parquetChecksum(duck, dataRoot, day, files);
        if (parquet.rows === 0) continue;
        const before = await clickhouseChecksum(http, config.database, ch, day);
        let outcome: ChannelLoad['outcome'] = 'present';
        if (before.rows !== parquet.rows || before.checksum !== parquet.checksum) {
          const dir = join(work, `${day.station_id}-${day.date}-${ch}`);
          const list = `[${files.map((f) => sqlString(join(dataRoot.parquetDayDir(day), f))).join(', ')}]`;
          await duck.run(
            `COPY (SELECT ${parquetSelectList(ch, day.date)} FROM read_parquet(${list}, hive_partitioning = false))
             TO ${sqlString(dir)} (FORMAT json, FILE_SIZE_BYTES '64MB')`,
          );
          for (const name of await readdirOrEmpty(dir)) await insertWithRetry(http, tableName(config.database, ch), join(dir, name), options.retryMs ?? 1000);
          await rm(dir, { recursive: true, force: true });
          if (before.stored > 0) merge.add(`${ch}|${day.date.slice(0, 4)}${day.date.slice(5, 7)}`);
          outcome = 'loaded';
        }
        const load: ChannelLoad = { station_id: day.station_id, date: day.date, ch, rows: parquet.rows, outcome };
        out.push(load);
        options.onChannel?.(load);
      }
    }
    for (const key of merge) {
      const [ch, month] = key.split('|') as [ClickHouseChannel, string];
      await http.command(`OPTIMIZE TABLE ${tableName(config.database, ch)} PARTITION ${month} FINAL`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return out;
}

async function insertWithRetry(http: ClickHouseHttp, table: string, file: string, retryMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await http.insert(table, createReadStream(file));
    } catch (e) {
      if (isDataError(e) || attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, retryMs * 2 ** (attempt - 1)));
    }
  }
}
