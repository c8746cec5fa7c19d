/**
 * Arrow tables (row groups decoded by parquet-wasm) → channel events, through the shared row converter
 * (`rows.ts`). Columns of the types the compactor writes — strings, numbers, timestamps and book
 * levels, most of the bytes of a replay — are read straight from each record batch's buffers;
 * anything else goes through Arrow's per-value accessors.
 */
import { TimeUnit, Type, type Data, type Table } from 'apache-arrow';
import type { Channel } from '../../../shared/channels';
import type { Level } from '../../../shared/book';
import type { AnyEvent } from '../../../shared/schemas';
import { stampIngestMs } from '../../../shared/event-time';
import { eventReader } from '../../../shared/players/rows';

/** Reads row `i` of one record batch's column. */
type Reader = (i: number) => unknown;

const utf8 = new TextDecoder();

/** Short ASCII strings (ids, labels, timestamps) without a TextDecoder call each. */
function decodeString(bytes: Uint8Array, from: number, to: number): string {
  if (to - from <= 128) {
    let ascii = true;
    for (let k = from; k < to; k++) {
      if (bytes[k]! > 127) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[]);
  }
  return utf8.decode(bytes.subarray(from, to));
}

/** LIST<STRUCT<p DOUBLE, s DOUBLE>> read from the buffers; null when the layout is unexpected. */
function levelsReader(d: Data): Reader | null {
  const struct = d.children[0];
  if (!d.valueOffsets || !struct || struct.children.length !== 2) return null;
  if (!(struct.children[0]!.values instanceof Float64Array) || !(struct.children[1]!.values instanceof Float64Array)) return null;
  if (struct.nullCount > 0 || struct.children[0]!.nullCount > 0 || struct.children[1]!.nullCount > 0) return null;
  // list slices share their (unsliced) children; anything else takes the generic path
  if (struct.offset !== 0 || struct.children[0]!.offset !== 0 || struct.children[1]!.offset !== 0) return null;
  const names = (d.type.children[0]!.type as { children: { name: string }[] }).children.map((f) => f.name);
  const pIndex = names.indexOf('p');
  if (pIndex < 0 || names[1 - pIndex] !== 's') return null;
  const pv = struct.children[pIndex]!.values as Float64Array;
  const sv = struct.children[1 - pIndex]!.values as Float64Array;
  // a sliced list keeps `offset` for its validity bits but re-bases its offsets buffer
  const offsets = d.valueOffsets as Int32Array;
  return (i) => {
    if (d.nullCount > 0 && !d.getValid(i)) return null;
    const from = offsets[i]!;
    const to = offsets[i + 1]!;
    const out: Level[] = new Array(to - from);
    for (let j = from; j < to; j++) out[j - from] = { p: pv[j]!, s: sv[j]! };
    return out;
  };
}

/** MAP<VARCHAR, DOUBLE> (health's counters by source) read from the buffers, as `{key: value}`. */
function numberMapReader(d: Data): Reader | null {
  const entries = d.children[0];
  if (!d.valueOffsets || !entries || entries.children.length !== 2 || entries.offset !== 0) return null;
  const keys = bufferReader(entries.children[0]!);
  const values = bufferReader(entries.children[1]!);
  if (!keys || !values || entries.children[0]!.typeId !== Type.Utf8 || entries.children[1]!.typeId !== Type.Float) return null;
  const offsets = d.valueOffsets as Int32Array;
  return (i) => {
    if (d.nullCount > 0 && !d.getValid(i)) return null;
    const out: Record<string, unknown> = {};
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) out[keys(j) as string] = values(j);
    return out;
  };
}

/** A reader over the buffers for the plain layouts; null for anything else. */
function bufferReader(d: Data): Reader | null {
  if (d.offset !== 0) return null;
  const nullable = d.nullCount > 0;
  switch (d.typeId) {
    case Type.Utf8: {
      const offsets = d.valueOffsets as Int32Array;
      const bytes = d.values as Uint8Array;
      return (i) => (nullable && !d.getValid(i) ? null : decodeString(bytes, offsets[i]!, offsets[i + 1]!));
    }
    case Type.Float:
    case Type.Int: {
      if (d.typeId === Type.Float && !(d.values instanceof Float64Array) && !(d.values instanceof Float32Array)) return null; // half floats
      const values = d.values as Float64Array | Int32Array | BigInt64Array;
      return (i) => (nullable && !d.getValid(i) ? null : values[i]!);
    }
    case Type.Timestamp: {
      if ((d.type as unknown as { unit: TimeUnit }).unit !== TimeUnit.MICROSECOND || !(d.values instanceof BigInt64Array)) return null;
      // epoch ms, fractional below the ms (as Arrow's own accessor gives it)
      const values = d.values;
      return (i) => (nullable && !d.getValid(i) ? null : Number(values[i]!) / 1000);
    }
    case Type.List:
      return levelsReader(d);
    case Type.Map:
      return numberMapReader(d);
    default:
      return null;
  }
}

/** Each row's ingest time in epoch ms (as `Date.parse` gives it) from the µs column; null if it is not one. */
function ingestMsReader(d: Data | undefined): ((i: number) => number) | null {
  if (!d || d.nullCount > 0 || d.typeId !== Type.Timestamp) return null;
  const read = bufferReader(d);
  return read && ((i) => Math.floor(read(i) as number));
}

/**
 * Rows [from, to) of `table` as `ch` events (the whole table by default), each carrying its ingest
 * time as a number (`event-time.ts`).
 */
export function arrowToEvents(ch: Channel, table: Table, from = 0, to = table.numRows): AnyEvent[] {
  const out: AnyEvent[] = new Array(Math.max(0, to - from));
  let k = 0;
  let start = 0;
  for (const batch of table.batches) {
    const end = start + batch.numRows;
    const lo = Math.max(from, start);
    const hi = Math.min(to, end);
    if (lo < hi) {
      const read = eventReader(ch, (name) => {
        const v = batch.getChild(name);
        if (!v) return undefined; // a column added after this file was written
        const fast = bufferReader(v.data[0]!);
        if (fast) return fast;
        return (i) => v.get(i);
      });
      const ms = ingestMsReader(batch.getChild('ts_ingest_utc')?.data[0]);
      for (let r = lo; r < hi; r++) out[k++] = ms ? stampIngestMs(read(r - start), ms(r - start)) : read(r - start);
    }
    start = end;
    if (start >= to) break;
  }
  return out;
}

/** Arrow values → plain JSON-friendly values for the SQL console. */
export function plainValue(v: unknown, typeName: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' && /^Timestamp/.test(typeName)) return new Date(v).toISOString();
  if (typeof v === 'object') {
    const o = v as { toJSON?: () => unknown };
    if (typeof o.toJSON === 'function') return JSON.parse(JSON.stringify(o.toJSON(), (_k, x) => (typeof x === 'bigint' ? Number(x) : x)));
  }
  return v;
}
