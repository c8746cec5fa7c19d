/**
 * A selected range of the replayed day as files: one Parquet file per channel with every column
 * of its rows in [from, to) (the day's own schema, readable by DuckDB, polars, pyarrow), and the
 * book snapshots of the range as CSV. Rows are read from the day's Parquet through the decode
 * workers (background priority, only the row groups that overlap the range).
 */
import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Channel } from '../../../shared/channels';
import type { ArrowBlockSource } from './arrow-block-source';
import { ipcToParquet, tableToCsv } from './table-files';

export interface ExportedFile {
  name: string;
  bytes: Uint8Array;
}

/** The CSV's columns: the snapshot's fields, books last (as JSON arrays of {p, s}). */
const SNAPSHOT_CSV_COLUMNS = [
  'ts_ingest_utc',
  'token_id',
  'bucket',
  'market_id',
  'best_bid',
  'best_ask',
  'mid',
  'spread',
  'microprice',
  'imbalance',
  'book_ok',
  'seq',
  'resync_epoch_id',
  'correlation_id',
  'window_id',
  'bids',
  'asks',
];

export interface RangeExport {
  files: ExportedFile[];
  /** Rows written per channel (channels without rows in the range get no file). */
  rows: Partial<Record<Channel, number>>;
}

export async function exportRange(source: ArrowBlockSource, fromMs: number, toMs: number, onProgress?: (done: number, total: number) => void): Promise<RangeExport> {
  const channels = source.channels;
  const files: ExportedFile[] = [];
  const rows: Partial<Record<Channel, number>> = {};
  let done = 0;
  onProgress?.(0, channels.length);
  for (const ch of channels) {
    const parts = (await source.rangeIpc(ch, fromMs, toMs)).map((ipc) => tableFromIPC(ipc));
    if (parts.length > 0) {
      const table = new Table(parts.flatMap((t) => t.batches));
      rows[ch] = table.numRows;
      files.push({ name: `${ch}.parquet`, bytes: await ipcToParquet(tableToIPC(table, 'stream')) });
      if (ch === 'l2_snap_1s') {
        const present = SNAPSHOT_CSV_COLUMNS.filter((c) => table.getChild(c));
        files.push({ name: 'l2_snap_1s.csv', bytes: tableToCsv(table.select(present)) });
      }
    }
    onProgress?.(++done, channels.length);
  }
  return { files, rows };
}
