/**
 * Does ClickHouse hold exactly a day's Parquet? Per day and channel: the rows and a checksum on
 * both sides — the sum, modulo 2^64, of the first 8 bytes of MD5(event_id ␠ ts_ingest µs) of every
 * row, which DuckDB (`md5_number_upper`) and ClickHouse (`reinterpretAsUInt64(MD5(…))`, even 18.16)
 * compute identically — so a lost, extra or altered row shows without moving the rows. The
 * ClickHouse side is read with FINAL (after deduplication) and without (rows stored, duplicates
 * from retried batches included until merges remove them).
 */
import { join } from 'node:path';
import { sqlString } from '../../shared/sql';
import type { DayRef } from '../../shared/api';
import { manifestChannelFiles, type DataRoot } from '../data-root';
import type { Duck } from '../duckdb';
import type { ClickHouseHttp } from './http';
import { CLICKHOUSE_CHANNELS, tableName, type ClickHouseChannel } from './schema';

export interface ChannelDayCheck {
  station_id: string;
  date: string;
  ch: ClickHouseChannel;
  parquet_rows: number;
  parquet_checksum: string;
  /** Rows after deduplication (FINAL). */
  clickhouse_rows: number;
  /** Rows stored, duplicates not yet merged away included. */
  clickhouse_stored: number;
  clickhouse_checksum: string;
  ok: boolean;
}

const TWO_64 = '18446744073709551616';

export async function parquetChecksum(duck: Duck, dataRoot: DataRoot, day: DayRef, files: string[]): Promise<{ rows: number; checksum: string }> {
  const list = `[${files.map((f) => sqlString(join(dataRoot.parquetDayDir(day), f))).join(', ')}]`;
  const [row] = await duck.all<{ n: bigint; checksum: string }>(
    `SELECT count(*)::BIGINT AS n,
            coalesce(sum(md5_number_upper(event_id || ' ' || epoch_us(ts_ingest_utc)::VARCHAR)::HUGEINT) % ${TWO_64}, 0)::VARCHAR AS checksum
     FROM read_parquet(${list}, hive_partitioning = false)`,
  );
  return { rows: Number(row!.n), checksum: row!.checksum };
}

export async function clickhouseChecksum(
  http: ClickHouseHttp,
  database: string,
  ch: ClickHouseChannel,
  day: DayRef,
): Promise<{ rows: number; stored: number; checksum: string }> {
  const where = `WHERE station_id = ${sqlString(day.station_id)} AND date = ${sqlString(day.date)}`;
  const [final] = await http.query<{ n: string; checksum: string }>(
    `SELECT count() AS n, toString(sum(reinterpretAsUInt64(MD5(concat(event_id, ' ', toString(ts_ingest_utc_us)))))) AS checksum
     FROM ${tableName(database, ch)} FINAL ${where}`,
  );
  const [stored] = await http.query<{ n: string }>(`SELECT count() AS n FROM ${tableName(database, ch)} ${where}`);
  return { rows: Number(final!.n), stored: Number(stored!.n), checksum: final!.checksum };
}

/** Every ClickHouse channel of every compacted day in [from, to] (inclusive; station optional). */
export async function verifyDays(options: {
  dataRoot: DataRoot;
  http: ClickHouseHttp;
  duck: Duck;
  database: string;
  days: DayRef[];
  onCheck?(check: ChannelDayCheck): void;
}): Promise<ChannelDayCheck[]> {
  const out: ChannelDayCheck[] = [];
  for (const day of options.days) {
    const manifest = await options.dataRoot.readManifest(day);
    for (const ch of CLICKHOUSE_CHANNELS) {
      const files = manifestChannelFiles(manifest, ch);
      const parquet = files.length ? await parquetChecksum(options.duck, options.dataRoot, day, files) : { rows: 0, checksum: '0' };
      const house = await clickhouseChecksum(options.http, options.database, ch, day);
      if (parquet.rows === 0 && house.stored === 0) continue;
      const check: ChannelDayCheck = {
        station_id: day.station_id,
        date: day.date,
        ch,
        parquet_rows: parquet.rows,
        parquet_checksum: parquet.checksum,
        clickhouse_rows: house.rows,
        clickhouse_stored: house.stored,
        clickhouse_checksum: house.checksum,
        ok: parquet.rows === house.rows && parquet.checksum === house.checksum,
      };
      out.push(check);
      options.onCheck?.(check);
    }
  }
  return out;
}
