/**
 * Arrow tables as files an analyst opens elsewhere: CSV (nested values as JSON, times as ISO-8601
 * UTC) and Parquet (written by parquet-wasm, ZSTD, the table's own types), for the SQL console's
 * results and the timeline's range exports.
 */
import { tableToIPC, type Table } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/esm';
import { plainValue } from './arrow-events';
import { loadParquetWasm } from './parquet';

/** One display value per cell, as the console and CSV show it. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows [from, to) of `table` as plain values (timestamps as ISO strings, nested as JSON-able). */
export function tableRows(table: Table, from: number, to: number): unknown[][] {
  const fields = table.schema.fields;
  const types = fields.map((f) => String(f.type));
  const vectors = fields.map((f) => table.getChild(f.name)!);
  const rows: unknown[][] = [];
  for (let i = Math.max(0, from); i < Math.min(table.numRows, to); i++) rows.push(vectors.map((v, k) => plainValue(v.get(i), types[k]!)));
  return rows;
}

/** RFC 4180 CSV with a header line. */
export function tableToCsv(table: Table): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [encoder.encode(table.schema.fields.map((f) => csvField(f.name)).join(',') + '\n')];
  const BATCH = 5000;
  for (let from = 0; from < table.numRows; from += BATCH) {
    const lines = tableRows(table, from, from + BATCH).map((row) => row.map((v) => csvField(cellText(v))).join(','));
    chunks.push(encoder.encode(lines.join('\n') + '\n'));
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A Parquet file of the table (ZSTD). */
export async function tableToParquet(table: Table): Promise<Uint8Array> {
  await loadParquetWasm();
  return ipcToParquet(tableToIPC(table, 'stream'));
}

/** A Parquet file of an Arrow IPC stream (ZSTD). */
export async function ipcToParquet(ipc: Uint8Array): Promise<Uint8Array> {
  await loadParquetWasm();
  const wasmTable = WasmTable.fromIPCStream(ipc);
  const properties = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();
  return writeParquet(wasmTable, properties);
}
