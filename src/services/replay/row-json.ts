/**
 * DuckDB result chunks of a channel's Parquet rows → the events' JSON text, without building event
 * objects: what the replay server writes into its `events` messages. Driven by the column table
 * (`columns.ts`) like `rowToEvent`, and equal to `JSON.stringify(rowToEvent(…))` once parsed (a
 * test checks every row of a day). Numbers, booleans and book levels are read from DuckDB's vectors
 * directly; the nested columns of the small channels go through `convertValue`, the rule
 * `rowToEvent` uses. Timestamps arrive as epoch µs (DOUBLE) and become ISO text only here.
 *
 * Strings: fetching a string from DuckDB costs a native call, and an event has ten of them, so
 * DuckDB packs each row's strings into one (joined by `\x01S`, NULL as `\x01N`, a `\x01` inside a
 * value escaped as `\x01E`) that is split here.
 */
import type { DuckDBDataChunk, DuckDBListVector, DuckDBStructVector, DuckDBVector } from '@duckdb/node-api';
import type { Channel } from '../../shared/channels';
import { CHANNEL_COLUMNS, type Column } from '../../shared/columns';
import { convertValue, OPTIONAL_ENVELOPE } from '../../shared/players/rows';
import { ident } from '../../shared/sql';
import { isoFromMicros } from '../../shared/time';
import { duckdbToJs } from './node-event-source';

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
    if (c.type === 'string') {
      packed.push(`coalesce(replace(${name}, chr(1), chr(1) || 'E'), chr(1) || 'N')`);
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
  found = {
    ch,
    columns,
    select: [...select, `concat_ws(chr(1) || 'S', ${packed.join(', ')})`].join(', '),
    slot,
    stringsIndex: select.length,
    timeIndex: slot[columnIndex('ts_ingest_utc')]!,
    eventIdString: slot[columnIndex('event_id')]!,
  };
  layouts.set(key, found);
  return found;
}

/** The rows of one result chunk: ingest times, event ids and each row's JSON. */
export class ChunkRows {
  private readonly strings: DuckDBVector<string>;
  private unpackedRow = -1;
  private unpacked: (string | null)[] = [];
  private jsonOf: ((row: number) => string) | null = null;

  constructor(
    private readonly layout: ChannelLayout,
    private readonly chunk: DuckDBDataChunk,
  ) {
    this.strings = chunk.getColumnVector(this.layout.stringsIndex) as DuckDBVector<string>;
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
      default: {
        let values: unknown[] | null = null;
        return (row) => {
          values ??= this.chunk.convertColumnValues(slot, duckdbToJs);
          const v = convertValue(column, values[row]);
          return v === null ? null : JSON.stringify(v);
        };
      }
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
