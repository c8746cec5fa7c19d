/**
 * The SQL console over several days at once: each day's tables are loaded into DuckDB-WASM in its
 * own schema (the same DayHistory a replayed day uses), and a query runs against one view per
 * channel that stacks the days (`UNION ALL BY NAME`), with a `date` column saying which day a row
 * is from. Days other than the replayed one are opened for their tables only (no player).
 */
import type { Table } from 'apache-arrow';
import { dayKey, type DayRef, type HeliosApi } from '../../../shared/api';
import type { Channel } from '../../../shared/channels';
import { ident, sqlString } from '../../../shared/sql';
import { DayHistory, type TableLoad } from './day-history';
import { workerDecoder, type Decoder } from './decoder';
import { replayEngine } from './duckdb';

export interface DayTables {
  day: DayRef;
  history: DayHistory;
}

interface OpenTables extends DayTables {
  decoder: Decoder;
}

let nextSet = 1;

/** Other days' tables, opened on first use and kept until closed. */
export class DaySet {
  private readonly open = new Map<string, Promise<OpenTables>>();

  constructor(private readonly api: Pick<HeliosApi, 'readManifest' | 'readParquet'>) {}

  tables(day: DayRef): Promise<DayTables> {
    const key = dayKey(day);
    let opened = this.open.get(key);
    if (!opened) {
      opened = (async () => {
        const manifest = await this.api.readManifest(day);
        const decoder = workerDecoder((ch) => {
          const c = manifest.channels[ch];
          if (!c) throw new Error(`${key} has no ${ch} file`);
          return { size: c.bytes, read: (offset, length) => this.api.readParquet({ ...day, ch, offset, length }) };
        });
        const history = new DayHistory(manifest, decoder, { engine: replayEngine, whenQuiet: async () => {} });
        return { day, history, decoder };
      })();
      opened.catch(() => this.open.delete(key));
      this.open.set(key, opened);
    }
    return opened;
  }

  /** Forget the days not in `keep`. */
  retain(keep: readonly DayRef[]): void {
    const wanted = new Set(keep.map(dayKey));
    for (const [key, opened] of this.open) {
      if (wanted.has(key)) continue;
      this.open.delete(key);
      void opened.then(close, () => {});
    }
  }

  close(): void {
    this.retain([]);
  }
}

function close(t: OpenTables): void {
  t.history.close();
  t.decoder.close();
}

/**
 * Run `sql` against every day of `days` stacked per channel. Each day's tables are loaded first
 * (and `l2_deltas` when the query names it).
 */
export async function querySeveralDays(days: readonly DayTables[], sql: string, onTableLoad?: (day: DayRef, p: TableLoad) => void): Promise<Table> {
  for (const d of days) await d.history.prepare(sql, (p) => onTableLoad?.(d.day, p));
  const db = await replayEngine();
  const conn = await db.connect();
  const schema = `days${nextSet++}`;
  try {
    await conn.query(`CREATE SCHEMA ${ident(schema)}`);
    const channels = new Set<Channel>(days.flatMap((d) => d.history.loadedTables()));
    for (const ch of channels) {
      const parts = days
        .filter((d) => d.history.loadedTables().includes(ch))
        .map((d) => `SELECT ${sqlString(d.day.date)}::DATE AS date, * FROM ${ident(d.history.schema)}.${ident(ch)}`);
      await conn.query(`CREATE VIEW ${ident(schema)}.${ident(ch)} AS ${parts.join(' UNION ALL BY NAME ')}`);
    }
    await conn.query(`SET schema = ${sqlString(schema)}`);
    return await conn.query(sql);
  } finally {
    await conn.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`).catch(() => {});
    await conn.close();
  }
}
