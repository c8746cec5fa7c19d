/** Journal builders and DuckDB access for the compactor tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { stampEvent } from '../fixtures/events';
import type { Channel } from '../../src/shared/channels';
import type { AnyEvent, PayloadOf } from '../../src/shared/schemas';
import { bookMetrics, type Level } from '../../src/shared/book';

export const MARKET = '0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1';
export const TOKEN_A = '1111111111111111111111111111111111111111111111111111111111111111111111111111';
export const TOKEN_B = '2222222222222222222222222222222222222222222222222222222222222222222222222222';

export function tempRoot(prefix = 'helios-compact-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function journalDir(root: string, station: string, date: string): string {
  const dir = join(root, 'journal', `station=${station}`, `date=${date}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes `lines` as a journal file; `torn` leaves the last line without its newline. */
export function writeJournalFile(dir: string, name: string, lines: (string | Buffer)[], torn = false): void {
  const parts: Buffer[] = lines.map((l, i) => Buffer.concat([Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from(torn && i === lines.length - 1 ? '' : '\n')]));
  writeFileSync(join(dir, name), Buffer.concat(parts));
}

export const line = (event: unknown) => JSON.stringify(event);

export function event<C extends Channel>(ch: C, payload: PayloadOf<C>, iso: string): AnyEvent {
  return stampEvent(ch, payload, Date.parse(iso)) as AnyEvent;
}

export function snapshot(token: string, iso: string, mid: number, extra: { book_ok?: boolean; seq?: number; bucket?: string } = {}): AnyEvent {
  const bids: Level[] = [{ p: Math.round((mid - 0.01) * 100) / 100, s: 100 }, { p: Math.round((mid - 0.02) * 100) / 100, s: 250 }];
  const asks: Level[] = [{ p: Math.round((mid + 0.01) * 100) / 100, s: 80 }];
  return event(
    'l2_snap_1s',
    {
      station_id: 'KLGA',
      market_id: MARKET,
      token_id: token,
      bucket: extra.bucket ?? null,
      seq: extra.seq ?? 1,
      resync_epoch_id: 1,
      bids,
      asks,
      ...bookMetrics(bids, asks),
      book_ok: extra.book_ok ?? true,
    },
    iso,
  );
}

export interface Duck {
  all(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export async function duck(): Promise<Duck> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  return {
    all: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[],
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export function parquetPath(root: string, station: string, date: string, ch: string): string {
  return join(root, 'parquet', `station=${station}`, `date=${date}`, `ch=${ch}`, 'part-0000.parquet');
}

/** Rows whose position in the file differs from their rank by (ts_ingest_utc, event_id). */
export async function rowsOutOfOrder(db: Duck, path: string): Promise<number> {
  const [row] = await db.all(
    `SELECT count(*)::INTEGER AS n FROM (
       SELECT file_row_number, row_number() OVER (ORDER BY ts_ingest_utc, event_id) - 1 AS rank
       FROM read_parquet('${path}', file_row_number = true, hive_partitioning = false))
     WHERE file_row_number <> rank`,
  );
  return row!.n as number;
}
