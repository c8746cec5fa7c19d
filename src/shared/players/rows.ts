/**
 * Parquet rows → channel events, driven by the column table (`columns.ts`) so that what the
 * compactor writes and what the replay reads back can never disagree. Query engines hand values
 * over in their own shapes (Arrow vectors in the browser, DuckDB node values in Node); this module
 * accepts each of them and produces exactly the event the registry's current schema describes.
 */
import type { Channel } from '../channels';
import { CHANNEL_COLUMNS, type Column } from '../columns';
import type { AnyEvent } from '../schemas';
import { isoFromMicros } from '../time';

/** Envelope fields that are absent (not null) on events that don't carry them. */
export const OPTIONAL_ENVELOPE = new Set(['market_id', 'token_id', 'window_id', 'obs_time_utc']);

/** Epoch ms (fractional ms carry µs, as Arrow's JS timestamps do) → ISO-8601 UTC. */
export function isoFromMs(ms: number): string {
  if (Number.isInteger(ms)) return new Date(ms).toISOString();
  return isoFromMicros(Math.round(ms * 1000)); // integral µs as a number: exact until 2255, no BigInt per value
}

function timestampValue(v: unknown): string {
  if (typeof v === 'bigint') return isoFromMicros(v);
  if (typeof v === 'number') return isoFromMs(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { micros?: unknown }).micros === 'bigint') {
    return isoFromMicros((v as { micros: bigint }).micros);
  }
  throw new Error(`not a timestamp: ${String(v)}`);
}

function intValue(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** Arrow vectors, DuckDB lists and plain arrays all become plain arrays. */
function listValue(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && v !== null) {
    const maybe = v as { toArray?: () => ArrayLike<unknown>; [Symbol.iterator]?: () => Iterator<unknown> };
    if (typeof maybe[Symbol.iterator] === 'function') return Array.from(maybe as Iterable<unknown>);
    if (typeof maybe.toArray === 'function') return Array.from(maybe.toArray());
  }
  throw new Error(`not a list: ${String(v)}`);
}

/** Arrow StructRow (has toJSON), DuckDB struct object, or a plain object → plain object. */
function structValue(v: unknown): Record<string, unknown> {
  const maybe = v as { toJSON?: () => Record<string, unknown> };
  return typeof maybe.toJSON === 'function' ? maybe.toJSON() : (v as Record<string, unknown>);
}

/** MAP(VARCHAR, DOUBLE) in any engine's shape → `{key: number|null}`. */
function numberMapValue(v: unknown): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const put = (k: unknown, value: unknown) => {
    out[String(k)] = value === null || value === undefined ? null : Number(value);
  };
  if (v instanceof Map) {
    for (const [k, value] of v) put(k, value);
    return out;
  }
  if (Array.isArray(v)) {
    // DuckDB node: [{key, value}]; some engines: [[key, value]]
    for (const entry of v) {
      if (Array.isArray(entry)) put(entry[0], entry[1]);
      else put((entry as { key: unknown }).key, (entry as { value: unknown }).value);
    }
    return out;
  }
  if (typeof v === 'object' && v !== null) {
    const iterable = v as Iterable<unknown>;
    if (typeof iterable[Symbol.iterator] === 'function') {
      for (const entry of iterable) {
        const pair = entry as [unknown, unknown];
        put(pair[0], pair[1]);
      }
      return out;
    }
    for (const [k, value] of Object.entries(v)) put(k, value);
    return out;
  }
  throw new Error(`not a map: ${String(v)}`);
}

function levelList(v: unknown): { p: number; s: number }[] {
  return listValue(v).map((item) => {
    const row = structValue(item);
    return { p: row.p as number, s: row.s as number };
  });
}

export function convertValue(column: Column, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (column.type) {
    case 'string':
      return v as string;
    case 'timestamp':
      return timestampValue(v);
    case 'int':
      return intValue(v);
    case 'double':
      return typeof v === 'bigint' ? Number(v) : v;
    case 'bool':
      return v as boolean;
    case 'levels':
      return levelList(v);
    case 'bucket_probs':
      return listValue(v).map((item) => {
        const row = structValue(item);
        return { bucket: row.bucket as string, p: row.p as number };
      });
    case 'bin_probs':
      return listValue(v).map((item) => {
        const row = structValue(item);
        return { bin: row.bin as string, p: row.p as number };
      });
    case 'clouds':
      return listValue(v).map((item) => {
        const row = structValue(item);
        return { cover: row.cover as string, base_ft: row.base_ft === null || row.base_ft === undefined ? null : intValue(row.base_ft) };
      });
    case 'market_tokens':
      return listValue(v).map((item) => {
        const row = structValue(item);
        return { token_id: row.token_id as string, market_id: row.market_id as string, bucket: (row.bucket as string | null) ?? null };
      });
    case 'source_states':
      return listValue(v).map((item) => {
        const row = structValue(item);
        return { source: row.source as string, state: row.state as string, detail: (row.detail as string | null) ?? null };
      });
    case 'number_map':
      return numberMapValue(v);
    case 'string_list':
    case 'enum_list':
      return listValue(v).map((x) => x as string);
  }
}

/**
 * One row of `ch` as an event. `get(name)` returns the engine's raw value of a column, undefined
 * when the file has no such column (written before the column existed: the key is left out, so
 * the schema's default applies). A null in an optional envelope column means the event doesn't
 * carry that field, so the key is left out too.
 */
export function rowToEvent(ch: Channel, get: (name: string) => unknown): AnyEvent {
  const event: Record<string, unknown> = {};
  for (const column of CHANNEL_COLUMNS[ch]) putColumn(event, column, get(column.name));
  return event as AnyEvent;
}

/**
 * `rowToEvent` for many rows read by index: `reader(name)` is a column's reader (undefined when the
 * file has no such column), looked up once rather than at every row.
 */
export function eventReader(ch: Channel, reader: (name: string) => ((row: number) => unknown) | undefined): (row: number) => AnyEvent {
  const columns = CHANNEL_COLUMNS[ch].flatMap((column) => {
    const read = reader(column.name);
    return read ? [{ column, read }] : [];
  });
  return (row) => {
    const event: Record<string, unknown> = {};
    for (const { column, read } of columns) putColumn(event, column, read(row));
    return event as AnyEvent;
  };
}

function putColumn(event: Record<string, unknown>, column: Column, raw: unknown): void {
  if (raw === undefined) return;
  const value = convertValue(column, raw);
  if (value === null && OPTIONAL_ENVELOPE.has(column.name) && column.nullable) return;
  event[column.name] = value;
}

export type RowConverter = (ch: Channel, get: (name: string) => unknown) => AnyEvent;
