/**
 * The whole replayed day in DuckDB-WASM: what the SQL console queries. The charts' whole-day
 * series do not need it (`day-charts.ts` reads them from the row groups directly), so the engine
 * boots and the tables load only when the console asks (`load()`, or a first query).
 *
 * Loading decodes every row group with parquet-wasm in the decode workers at `background`
 * priority (after any seek's and read-ahead's work) and hands it to DuckDB-WASM with
 * `insertArrowFromIPCStream`, one table per channel in the day's own schema. Between steps the
 * loader waits while a seek is being answered, so it never delays one. `l2_snap_1s` is projected
 * to the chart columns (no level arrays): full books stay in the replay's row-group cache
 * (`arrow-block-source.ts`), which is also why events don't go through DuckDB at all (inserting
 * nested level lists costs 20–700 ms per row group). `l2_deltas` is loaded the first time a query
 * names it. A channel whose file cannot be decoded is left out (reported through `onDamage`); the
 * others load.
 */
import type { Table } from 'apache-arrow';
import type { Channel } from '../../../shared/channels';
import type { Manifest } from '../../../shared/manifest';
import { rowGroupSpans } from '../../../shared/players/day-spans';
import { plainValue } from './arrow-events';
import { CHART_CHANNELS, readDayCharts, type DayCharts } from './day-charts';
import type { Decoder } from './decoder';
import type { AsyncDuckDB, AsyncDuckDBConnection } from './duckdb';

/** The columns of `l2_snap_1s` loaded for the console (everything but the books themselves). */
export const HISTORY_SNAPSHOT_COLUMNS = ['ts_ingest_utc', 'token_id', 'bucket', 'mid', 'microprice', 'best_bid', 'best_ask', 'book_ok'];

/** Load order: the tables the charts draw from first, then the rest of what the console offers. */
const CHART_TABLES: readonly Channel[] = ['nowcast_1m', 'metar_obs', 'tape_trades', 'l2_snap_1s'];
const OTHER_TABLES: readonly Channel[] = ['event_windows', 'book_events', 'features_1m', 'pws_cluster', 'health'];
/** Loaded when a query first names it (the biggest channel, and not needed by the charts). */
const ON_DEMAND: Channel = 'l2_deltas';
const NAMES_ON_DEMAND = /\bl2_deltas\b/i;

export interface HistoryProgress {
  loadedRows: number;
  totalRows: number;
  /** The charts' series are read (`charts()` answers without waiting). */
  chartsReady: boolean;
  /** Every table (but the on-demand one) is loaded into DuckDB-WASM. */
  done: boolean;
  error: string | null;
  /** Since `load()` started. */
  elapsedMs: number;
}

let nextSchema = 1;

export interface DayHistoryOptions {
  /** The session's DuckDB-WASM engine (booted on first use). */
  engine: () => Promise<AsyncDuckDB>;
  /** Resolves when no seek is being answered. */
  whenQuiet: () => Promise<void>;
  /** A channel whose file failed to decode (it is left out of the tables). */
  onDamage?: (ch: Channel, error: unknown) => void;
  /** Channels already known to be damaged (not loaded at all). */
  isDamaged?: (ch: Channel) => boolean;
}

/** Loading a table on first use: which, and how far. */
export interface TableLoad {
  ch: Channel;
  loadedRows: number;
  totalRows: number;
}

export class DayHistory {
  /** This day's schema: its channel tables live there. */
  readonly schema = `day${nextSchema++}`;
  /** The tables the console will have, in load order (the on-demand one last). */
  readonly tables: Channel[];
  private readonly loaded = new Set<Channel>();
  private onDemand: Promise<void> | null = null;
  private conn: Promise<AsyncDuckDBConnection> | null = null;
  private loading: Promise<void> | null = null;
  private chartsRead: Promise<DayCharts> | null = null;
  /** Who waits on `prepare` for the tables: hears each table's progress. */
  private readonly tableListeners = new Set<(p: TableLoad) => void>();
  private readonly listeners = new Set<(p: HistoryProgress) => void>();
  private state: HistoryProgress;
  private startedAt = 0;
  private closed = false;

  constructor(
    readonly manifest: Manifest,
    private readonly decoder: Decoder,
    private readonly options: DayHistoryOptions,
  ) {
    this.tables = [...CHART_TABLES, ...OTHER_TABLES, ON_DEMAND].filter((ch) => (manifest.channels[ch]?.rows ?? 0) > 0);
    const totalRows = this.tables.filter((ch) => ch !== ON_DEMAND).reduce((n, ch) => n + manifest.channels[ch]!.rows, 0);
    this.state = { loadedRows: 0, totalRows, chartsReady: false, done: false, error: null, elapsedMs: 0 };
  }

  get progress(): HistoryProgress {
    return this.state;
  }

  /** Progress as it changes (called at once with the current state); returns unsubscribe. */
  subscribe(listener: (p: HistoryProgress) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** Start loading (once); resolves when every table is loaded. */
  load(): Promise<void> {
    this.loading ??= this.run();
    return this.loading;
  }

  /**
   * The charts' whole-day series, read from the row groups once (no DuckDB-WASM needed);
   * `onRows` hears how many of the chart channels' rows are read so far, of how many.
   */
  charts(onRows?: (rows: number, totalRows: number) => void): Promise<DayCharts> {
    const totalRows = CHART_CHANNELS.reduce((n, ch) => n + (this.options.isDamaged?.(ch) ? 0 : (this.manifest.channels[ch]?.rows ?? 0)), 0);
    let rows = 0;
    this.chartsRead ??= readDayCharts(this.manifest, this.decoder, {
      whenQuiet: this.options.whenQuiet,
      closed: () => this.closed,
      isDamaged: this.options.isDamaged,
      onDamage: this.options.onDamage,
      onRows: (n) => onRows?.((rows += n), totalRows),
    }).then((charts) => {
      this.update({ chartsReady: true });
      return charts;
    });
    this.chartsRead.catch(() => (this.chartsRead = null));
    return this.chartsRead;
  }

  /**
   * Ad-hoc SQL over the whole day: waits for the load (and loads `l2_deltas` first when the query
   * names it), then returns the whole result as an Arrow table.
   */
  async query(sql: string, onTableLoad?: (p: TableLoad) => void): Promise<Table> {
    await this.prepare(sql, onTableLoad);
    const conn = await this.connection();
    return conn.query(sql);
  }

  /** Wait until every table `sql` may name is loaded. */
  async prepare(sql: string, onTableLoad?: (p: TableLoad) => void): Promise<void> {
    if (onTableLoad) this.tableListeners.add(onTableLoad);
    try {
      await this.load();
    } finally {
      if (onTableLoad) this.tableListeners.delete(onTableLoad);
    }
    if (NAMES_ON_DEMAND.test(sql)) await this.loadOnDemand(onTableLoad);
  }

  /** The tables loaded so far (in this day's schema). */
  loadedTables(): Channel[] {
    return this.tables.filter((ch) => this.loaded.has(ch));
  }

  /** Whether `ch` is (or will be, when named) a table of the console. */
  hasTable(ch: Channel): boolean {
    return this.tables.includes(ch) && !this.options.isDamaged?.(ch);
  }

  private loadOnDemand(onTableLoad?: (p: TableLoad) => void): Promise<void> {
    if (!this.hasTable(ON_DEMAND)) return Promise.resolve();
    this.onDemand ??= (async () => {
      const conn = await this.connection();
      const totalRows = this.manifest.channels[ON_DEMAND]!.rows;
      let loadedRows = 0;
      await this.loadTable(conn, ON_DEMAND, (rows) => onTableLoad?.({ ch: ON_DEMAND, loadedRows: (loadedRows += rows), totalRows }));
    })();
    this.onDemand.catch(() => (this.onDemand = null));
    return this.onDemand;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    void this.conn
      ?.then(async (conn) => {
        try {
          await conn.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
        } finally {
          await conn.close();
        }
      })
      .catch(() => {});
  }

  // ---- loading -------------------------------------------------------------------------------

  private connection(): Promise<AsyncDuckDBConnection> {
    this.conn ??= (async () => {
      const db = await this.options.engine();
      const conn = await db.connect();
      await conn.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await conn.query(`SET schema = '${this.schema}'`);
      return conn;
    })();
    this.conn.catch(() => (this.conn = null));
    return this.conn;
  }

  private update(patch: Partial<HistoryProgress>): void {
    this.state = { ...this.state, ...patch, elapsedMs: performance.now() - this.startedAt };
    for (const l of [...this.listeners]) l(this.state);
  }

  private async run(): Promise<void> {
    this.startedAt = performance.now();
    try {
      const conn = await this.connection();
      for (const ch of this.tables.filter((t) => t !== ON_DEMAND)) {
        if (!this.options.isDamaged?.(ch)) {
          const totalRows = this.manifest.channels[ch]!.rows;
          let loadedRows = 0;
          try {
            await this.loadTable(conn, ch, (rows) => {
              loadedRows += rows;
              this.update({ loadedRows: this.state.loadedRows + rows });
              for (const l of [...this.tableListeners]) l({ ch, loadedRows, totalRows });
            });
          } catch (e) {
            if (this.closed) throw e;
            // a damaged file costs its table only
            await conn.query(`DROP TABLE IF EXISTS "${this.schema}"."${ch}"`);
            this.options.onDamage?.(ch, e);
          }
        }
      }
      this.update({ done: true });
    } catch (e) {
      if (!this.closed) this.update({ error: (e as Error).message ?? String(e) });
      throw e;
    }
  }

  private async loadTable(conn: AsyncDuckDBConnection, ch: Channel, onRows: (rows: number) => void): Promise<void> {
    const groups = rowGroupSpans(this.manifest.channels[ch]!);
    const columns = ch === 'l2_snap_1s' ? HISTORY_SNAPSHOT_COLUMNS : undefined;
    let created = false;
    for (let index = 0; index < groups.length; index++) {
      await this.options.whenQuiet();
      if (this.closed) throw new Error('the day was closed');
      const { part, index: inPart } = groups[index]!;
      const ipc = await this.decoder.decode(ch, part, [inPart], { columns, skipMissingColumns: true, priority: 'background' });
      await this.options.whenQuiet();
      if (this.closed) throw new Error('the day was closed');
      await conn.insertArrowFromIPCStream(ipc, { schema: this.schema, name: ch, create: !created });
      created = true;
      onRows(groups[index]!.rows);
    }
    this.loaded.add(ch);
    // A day compacted before snapshots carried their bucket: the column exists, empty.
    if (ch === 'l2_snap_1s' && created) {
      const cols = await rowsOf(conn, `SELECT column_name FROM information_schema.columns WHERE table_schema = '${this.schema}' AND table_name = 'l2_snap_1s'`);
      if (!cols.some((c) => c.column_name === 'bucket')) await conn.query(`ALTER TABLE l2_snap_1s ADD COLUMN bucket VARCHAR`);
    }
  }
}

async function rowsOf(conn: AsyncDuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const table: Table = await conn.query(sql);
  const names = table.schema.fields.map((f) => f.name);
  const types = table.schema.fields.map((f) => String(f.type));
  const vectors = names.map((n) => table.getChild(n)!);
  const out: Record<string, unknown>[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (let k = 0; k < names.length; k++) {
      row[names[k]!] = plainValue(vectors[k]!.get(i), types[k]!);
    }
    out[i] = row;
  }
  return out;
}

/** What the console's help says about the tables. */
export function describeTables(tables: readonly Channel[]): string {
  const notes: Partial<Record<Channel, string>> = {
    l2_snap_1s: `l2_snap_1s (${HISTORY_SNAPSHOT_COLUMNS.join(', ')}; no level arrays)`,
    [ON_DEMAND]: `${ON_DEMAND} (loaded when a query first names it)`,
  };
  return tables.map((t) => notes[t] ?? t).join(', ');
}
