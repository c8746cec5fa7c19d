/**
 * Arrow tables (row groups decoded by parquet-wasm) → channel events, through the shared row converter
 * (`rows.ts`). Book levels — most of the bytes of a replay — are read straight from the Arrow
 * buffers instead of through per-value accessors.
 */
import type { Data, Table, Vector } from 'apache-arrow';
import type { Channel } from '../../../shared/channels';
import { CHANNEL_COLUMNS } from '../../../shared/columns';
import type { Level } from '../../../shared/book';
import type { AnyEvent } from '../../../shared/schemas';
import { rowToEvent } from '../../../shared/players/rows';
import { upperBound } from '../../../shared/sorted';

type Getter = (row: number) => unknown;

/** Locate row `i` of a chunked vector: [chunk, index within chunk]. */
function chunkLocator(v: Vector): (i: number) => [Data, number] {
  const chunks = v.data;
  if (chunks.length === 1) return (i) => [chunks[0]!, i];
  const starts: number[] = [];
  let acc = 0;
  for (const d of chunks) {
    starts.push(acc);
    acc += d.length;
  }
  return (i) => {
    const chunk = upperBound(starts, i) - 1;
    return [chunks[chunk]!, i - starts[chunk]!];
  };
}

/** LIST<STRUCT<p DOUBLE, s DOUBLE>> read from the buffers; null when the layout is unexpected. */
function levelsGetter(v: Vector): Getter | null {
  for (const d of v.data) {
    const struct = d.children[0];
    if (!d.valueOffsets || !struct || struct.children.length !== 2) return null;
    if (!(struct.children[0]!.values instanceof Float64Array) || !(struct.children[1]!.values instanceof Float64Array)) return null;
    if (struct.nullCount > 0 || struct.children[0]!.nullCount > 0 || struct.children[1]!.nullCount > 0) return null;
    // list slices share their (unsliced) children; anything else takes the generic path
    if (struct.offset !== 0 || struct.children[0]!.offset !== 0 || struct.children[1]!.offset !== 0) return null;
  }
  const pIndex = (v.type.children[0]!.type as { children: { name: string }[] }).children.findIndex((f) => f.name === 'p');
  if (pIndex < 0) return null;
  const sIndex = 1 - pIndex;
  const locate = chunkLocator(v);
  return (i) => {
    const [d, li] = locate(i);
    if (d.nullCount > 0 && !d.getValid(li)) return null;
    const offsets = d.valueOffsets as Int32Array;
    const struct = d.children[0]!;
    const p = struct.children[pIndex]!;
    const s = struct.children[sIndex]!;
    // a sliced list keeps `offset` for its validity bits but re-bases its offsets buffer
    const from = offsets[li]!;
    const to = offsets[li + 1]!;
    const pv = p.values as Float64Array;
    const sv = s.values as Float64Array;
    const out: Level[] = new Array(to - from);
    for (let j = from; j < to; j++) out[j - from] = { p: pv[j]!, s: sv[j]! };
    return out;
  };
}

export function arrowToEvents(ch: Channel, table: Table): AnyEvent[] {
  const getters = new Map<string, Getter>();
  for (const column of CHANNEL_COLUMNS[ch]) {
    const v = table.getChild(column.name);
    if (!v) {
      getters.set(column.name, () => undefined); // a column added after this file was written
      continue;
    }
    const fast = column.type === 'levels' ? levelsGetter(v) : null;
    getters.set(column.name, fast ?? ((i) => v.get(i)));
  }
  const out: AnyEvent[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) out[i] = rowToEvent(ch, (name) => getters.get(name)!(i));
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
