/**
 * The SQL console of a replayed day: DuckDB-WASM over the row groups the replay has decoded around
 * the playhead, one view per channel (`l2_snap_1s`, `metar_obs`, …) in the day's own schema.
 *
 * Each row group becomes a table (`insertArrowFromIPCStream`) the first time a query needs it and
 * is dropped once the replay's block cache has let it go, so the console sees what the panels see.
 * Loading into DuckDB-WASM costs 20–700 ms per row group (nested lists and MAP columns), which is
 * why the replay itself reads the decoded Arrow directly (`arrow-block-source.ts`).
 */
import type { Channel } from '../../../shared/channels';
import { plainValue } from './arrow-events';
import type { Decoder } from './decoder';
import type { AsyncDuckDBConnection } from './duckdb';

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

let nextSchema = 1;

export class SqlConsole {
  /** This day's schema: its row-group tables and channel views live there. */
  readonly schema = `day${nextSchema++}`;
  private readonly tables = new Map<string, { ch: Channel; index: number }>();
  private viewsFor = '';
  private ready: Promise<void> | null = null;

  constructor(
    private readonly conn: AsyncDuckDBConnection,
    private readonly decoder: Decoder,
  ) {}

  private table(ch: Channel, index: number): string {
    return `"${this.schema}"."rg_${ch}_${index}"`;
  }

  /** Make exactly `groups` the rows the console sees, then run `sql` (at most `maxRows` rows back). */
  async query(groups: ReadonlyArray<{ ch: Channel; index: number }>, sql: string, maxRows = 10_000): Promise<QueryResult> {
    this.ready ??= (async () => {
      await this.conn.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await this.conn.query(`SET schema = '${this.schema}'`);
    })();
    await this.ready;
    await this.show(groups);
    const table = await this.conn.query(sql);
    const columns = table.schema.fields.map((f) => f.name);
    const types = table.schema.fields.map((f) => String(f.type));
    const vectors = columns.map((name) => table.getChild(name)!);
    const rows: unknown[][] = [];
    for (let i = 0; i < Math.min(table.numRows, maxRows); i++) rows.push(vectors.map((v, k) => plainValue(v.get(i), types[k]!)));
    return { columns, rows };
  }

  private async show(groups: ReadonlyArray<{ ch: Channel; index: number }>): Promise<void> {
    const wanted = new Map(groups.map((g) => [this.table(g.ch, g.index), g]));
    for (const name of [...this.tables.keys()]) {
      if (wanted.has(name)) continue;
      this.tables.delete(name);
      await this.conn.query(`DROP TABLE IF EXISTS ${name}`);
    }
    for (const [name, g] of wanted) {
      if (this.tables.has(name)) continue;
      const ipc = await this.decoder.decode(g.ch, [g.index]);
      await this.conn.insertArrowFromIPCStream(ipc, { schema: this.schema, name: `rg_${g.ch}_${g.index}`, create: true });
      this.tables.set(name, g);
    }
    const key = [...this.tables.keys()].sort().join(',');
    if (key === this.viewsFor) return;
    const byChannel = new Map<Channel, string[]>();
    for (const [name, g] of [...this.tables].sort((a, b) => a[1].index - b[1].index)) byChannel.set(g.ch, [...(byChannel.get(g.ch) ?? []), name]);
    for (const ch of new Set([...byChannel.keys(), ...groups.map((g) => g.ch)])) {
      const names = byChannel.get(ch);
      if (!names) await this.conn.query(`DROP VIEW IF EXISTS "${this.schema}"."${ch}"`);
      else await this.conn.query(`CREATE OR REPLACE VIEW "${this.schema}"."${ch}" AS ${names.map((n) => `SELECT * FROM ${n}`).join(' UNION ALL ')}`);
    }
    this.viewsFor = key;
  }

  async close(): Promise<void> {
    this.tables.clear();
    try {
      await this.conn.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } finally {
      await this.conn.close();
    }
  }
}
