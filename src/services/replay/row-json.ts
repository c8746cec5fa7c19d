/**
 * DuckDB result chunks of a channel's Parquet rows → the events' JSON text, without building event
 * objects: what the replay server writes into its `events` messages. Driven by the column table
 * (`columns.ts`) like `rowToEvent`, and equal to `JSON.stringify(rowToEvent(…))` once parsed (a
 * test checks every row of a day). Numbers, booleans and book levels are read from DuckDB's vectors
 * directly; the other nested columns (maps and lists of the small channels) arrive as JSON text
 * that DuckDB wrote (`to_json`), so no JS object is made for them. Timestamps arrive as epoch µs
 * (DOUBLE) and become ISO text only here.
 *
 * Strings: fetching a string from DuckDB costs a native call, and an event has ten of them, so
 * DuckDB packs each row's strings into one (joined by `\x01S`, NULL as `\x01N`, a `\x01` inside a
 * value escaped as `\x01E`) that is split here.
 *
 * Event ids: the merge orders events of the same instant by event id, which happens for about half
 * the rows of a day (every token's snapshot and the health sample share a second). Our ids are
 * lowercase UUIDs, whose text order is the order of their 128-bit values, so DuckDB also hands the
 * id as a UUID (a 16-byte value read without a native call); other ids fall back to their text.
 */
import type { DuckDBDataChunk, DuckDBListVector, DuckDBStructVector, DuckDBUUIDValue, DuckDBVector } from '@duckdb/node-api';
import type { Channel } from '../../shared/channels';
import { CHANNEL_COLUMNS, type Column } from '../../shared/columns';
import { OPTIONAL_ENVELOPE } from '../../shared/players/rows';
import { ident } from '../../shared/sql';
import { isoFromMicros } from '../../shared/time';

/**
 * How one file's rows are read: its channel's columns that the file has (a file written before a
 * column was added has not: the event leaves it out, as `rowToEvent` does).
 */
export interface ChannelLayout {
  ch: Channel;
  columns: Column[];
  /** SELECT list: every non-string column in table order, then the packed strings. */
  select: string;
  /** Per table column: its index in the SELECT list, or (strings) its index in the packed strings. */
  slot: number[];
  stringsIndex: number;
  timeIndex: number;
  /** Index of the event id as a UUID (NULL when the id is not a lowercase UUID). */
  idKeyIndex: number;
  eventIdString: number;
}

const layouts = new Map<string, ChannelLayout>();

/** The layout of `ch`'s rows in a file with the columns `present` (all of the channel's when absent). */
export function channelLayout(ch: Channel, present?: ReadonlySet<string>): ChannelLayout {
  const columns = present ? CHANNEL_COLUMNS[ch].filter((c) => present.has(c.name)) : CHANNEL_COLUMNS[ch];
  const key = `${ch}:${columns.map((c) => c.name).join(',')}`;
  let found = layouts.get(key);
  if (found) return found;
  const select: string[] = [];
  const packed: string[] = [];
  const slot = columns.map((c) => {
    const name = ident(c.name);
    if (c.type === 'string' || carriesJson(c)) {
      const text = c.type === 'string' ? name : `to_json(${name})::VARCHAR`;
      packed.push(`coalesce(replace(${text}, chr(1), chr(1) || 'E'), chr(1) || 'N')`);
      return packed.length - 1;
    }
    select.push(c.type === 'timestamp' ? `epoch_us(${name})::DOUBLE` : name);
    return select.length - 1;
  });
  const columnIndex = (name: string) => {
    const k = columns.findIndex((c) => c.name === name);
    if (k < 0) throw new Error(`${ch}: the file has no ${name} column`);
    return k;
  };
  const idKeyIndex = select.length;
  select.push(`CASE WHEN length(event_id) = 36 AND lower(event_id) = event_id THEN TRY_CAST(event_id AS UUID) END`);
  found = {
    ch,
    columns,
    select: [...select, `concat_ws(chr(1) || 'S', ${packed.join(', ')})`].join(', '),
    slot,
    idKeyIndex,
    stringsIndex: select.length,
    timeIndex: slot[columnIndex('ts_ingest_utc')]!,
    eventIdString: slot[columnIndex('event_id')]!,
  };
  layouts.set(key, found);
  return found;
}

/** Whether DuckDB writes the column's JSON (the nested types other than book levels). */
function carriesJson(column: Column): boolean {
  return !['string', 'timestamp', 'int', 'double', 'bool', 'levels'].includes(column.type);
}

/** The rows of one result chunk: ingest times, event ids and each row's JSON. */
export class ChunkRows {
  private readonly strings: DuckDBVector<string>;
  private readonly idKeys: DuckDBVector<DuckDBUUIDValue>;
  private unpackedRow = -1;
  private unpacked: (string | null)[] = [];
  private jsonOf: ((row: number) => string) | null = null;

  constructor(
    private readonly layout: ChannelLayout,
    private readonly chunk: DuckDBDataChunk,
  ) {
    this.strings = chunk.getColumnVector(this.layout.stringsIndex) as DuckDBVector<string>;
    this.idKeys = chunk.getColumnVector(this.layout.idKeyIndex) as DuckDBVector<DuckDBUUIDValue>;
  }

  get count(): number {
    return this.chunk.rowCount;
  }

  /** Ingest times in epoch µs. */
  times(): Float64Array {
    const vector = this.chunk.getColumnVector(this.layout.timeIndex);
    const times = new Float64Array(this.chunk.rowCount);
    for (let i = 0; i < times.length; i++) times[i] = vector.getItem(i) as number;
    return times;
  }

  eventId(row: number): string {
    return this.stringsOf(row)[this.layout.eventIdString]!;
  }

  /** The event id as a number that orders like its text, or null when it is not a lowercase UUID. */
  eventIdKey(row: number): bigint | null {
    return this.idKeys.getItem(row)?.hugeint ?? null;
  }

  json(row: number): string {
    this.jsonOf ??= this.rowWriter();
    return this.jsonOf(row);
  }

  /** The row's strings, unpacked (one row is kept: a row's columns are written one after another). */
  private stringsOf(row: number): (string | null)[] {
    if (row === this.unpackedRow) return this.unpacked;
    const out: (string | null)[] = this.strings.getItem(row)!.split('\x01S');
    for (let k = 0; k < out.length; k++) {
      const s = out[k]!;
      if (s.includes('\x01')) out[k] = s === '\x01N' ? null : s.replaceAll('\x01E', '\x01');
    }
    this.unpackedRow = row;
    this.unpacked = out;
    return out;
  }

  private rowWriter(): (row: number) => string {
    const columns = this.layout.columns;
    const writers = columns.map((column, k) => this.valueWriter(column, this.layout.slot[k]!));
    const keys = columns.map((c) => JSON.stringify(c.name) + ':');
    const omitNull = columns.map((c) => c.nullable && OPTIONAL_ENVELOPE.has(c.name));
    return (row) => {
      let out = '{';
      for (let k = 0; k < writers.length; k++) {
        const value = writers[k]!(row);
        if (value === null && omitNull[k]) continue;
        out += (out.length === 1 ? '' : ',') + keys[k]! + (value ?? 'null');
      }
      return out + '}';
    };
  }

  /** A column's value of one row as JSON text; null for SQL NULL. */
  private valueWriter(column: Column, slot: number): (row: number) => string | null {
    if (column.type === 'string') {
      return (row) => {
        const s = this.stringsOf(row)[slot]!;
        return s === null ? null : JSON.stringify(s);
      };
    }
    if (carriesJson(column)) return (row) => this.stringsOf(row)[slot]!;
    const vector = this.chunk.getColumnVector(slot);
    switch (column.type) {
      case 'int':
      case 'double':
        return (row) => {
          const x = vector.getItem(row) as number | null;
          return x === null ? null : String(x);
        };
      case 'bool':
        return (row) => {
          const b = vector.getItem(row) as boolean | null;
          return b === null ? null : b ? 'true' : 'false';
        };
      case 'timestamp': {
        // rows of one instant come in runs (every token's snapshot of a second): format once per run
        let lastUs = NaN;
        let lastText = '';
        return (row) => {
          const us = vector.getItem(row) as number | null;
          if (us === null) return null;
          if (us !== lastUs) {
            lastUs = us;
            lastText = `"${isoFromMicros(us)}"`;
          }
          return lastText;
        };
      }
      case 'levels':
        return levelsWriter(vector as DuckDBListVector, column.nullable);
      default:
        throw new Error(`${column.name}: no writer for ${column.type}`);
    }
  }
}

/** LIST<STRUCT<p DOUBLE, s DOUBLE>> → `[{"p":…,"s":…},…]`, read from the flat child vectors. */
function levelsWriter(list: DuckDBListVector, nullable: boolean): (row: number) => string | null {
  const levels = list.childVector as DuckDBStructVector;
  const p = levels.entryVectorAt(0) as DuckDBVector<number>;
  const s = levels.entryVectorAt(1) as DuckDBVector<number>;
  return (row) => {
    if (nullable && list.getItemVector(row) === null) return null;
    const offset = list.getEntryOffset(row);
    const n = list.getEntryLength(row);
    let out = '[';
    for (let k = 0; k < n; k++) out += `${k === 0 ? '' : ','}{"p":${p.getItem(offset + k)},"s":${s.getItem(offset + k)}}`;
    return out + ']';
  };
}
