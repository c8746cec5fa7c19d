/**
 * The replay's EventSource in Node (tests, the CLI, the headless WebSocket replay server): native
 * DuckDB reading a compacted day's Parquet part files in place, from the manifest's generation
 * (a later compaction of the day does not change them under it). DuckDB prunes row groups with
 * the files' statistics, so the time-bounded queries of `SqlEventSource` read only what they need.
 */
import {
  DuckDBInstance,
  DuckDBTimestampTZValue,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBConnection,
  type JS,
  type DuckDBValueConverter,
} from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { CHANNELS, type Channel } from '../../shared/channels';
import type { Manifest } from '../../shared/manifest';
import type { AnyEvent } from '../../shared/schemas';
import { rowToEvent } from '../../shared/players/rows';
import { SqlEventSource, type Lease, type SqlBackend, type SqlEventSourceOptions } from '../../shared/players/sql-event-source';
import { sqlString } from '../../shared/sql';
import { DataRoot, type DayRef } from '../data-root';


/** DuckDB's JS conversion, except timestamps keep their microseconds (as bigint). */
const convertValue: DuckDBValueConverter<unknown> = (value, type, converter) => {
  if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ && value instanceof DuckDBTimestampTZValue) return value.micros;
  return JSDuckDBValueConverter(value, type, converter as unknown as DuckDBValueConverter<JS>);
};

export class NodeParquetBackend implements SqlBackend {
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly files: Partial<Record<Channel, string[]>>,
    private readonly onClose: () => void = () => {},
  ) {}

  async acquire(ch: Channel): Promise<Lease> {
    const files = this.files[ch];
    if (!files) throw new Error(`no Parquet file for channel ${ch}`);
    return { relation: parquetRelation(files), release: () => {} };
  }

  async queryEvents(ch: Channel, sql: string): Promise<AnyEvent[]> {
    const reader = await this.connection.runAndReadAll(sql);
    const rows = reader.convertRowObjects(convertValue);
    return rows.map((row) => rowToEvent(ch, (name) => row[name]));
  }

  /** DuckDB scans the files itself (pruned by statistics), so every candidate may be read. */
  async rowGroupsWith(_ch: Channel, _column: string, _value: string, candidates: readonly number[]): Promise<number[]> {
    return [...candidates];
  }

  /** Ad-hoc SQL with one view per channel (`l2_snap_1s`, `metar_obs`, …). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    await this.ensureViews();
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS();
  }

  private viewsReady = false;
  private async ensureViews(): Promise<void> {
    if (this.viewsReady) return;
    for (const [ch, files] of Object.entries(this.files)) {
      await this.connection.run(`CREATE OR REPLACE VIEW "${ch}" AS SELECT * FROM ${parquetRelation(files)}`);
    }
    this.viewsReady = true;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.onClose();
  }
}

export interface NodeEventSource extends SqlEventSource {
  /** Ad-hoc SQL over the day with one view per channel. */
  query(sql: string): Promise<Record<string, unknown>[]>;
}

/** The part files of a channel as one DuckDB relation (the files' own columns). */
const parquetRelation = (files: readonly string[]) => `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false)`;

/** Open a compacted day of a data root as an EventSource. */
export async function openNodeEventSource(
  dataRoot: string | DataRoot,
  day: DayRef,
  options: SqlEventSourceOptions = {},
): Promise<NodeEventSource> {
  const root = typeof dataRoot === 'string' ? new DataRoot(dataRoot) : dataRoot;
  const manifest: Manifest = await root.readManifest(day);
  const files: Partial<Record<Channel, string[]>> = {};
  for (const ch of CHANNELS) {
    const c = manifest.channels[ch];
    if (!c || c.rows === 0) continue;
    files[ch] = await Promise.all(
      c.parts.map(async (p) => {
        const file = await root.partPath(day, manifest.generation, ch, p.part);
        if (!existsSync(file)) throw new Error(`${file}: listed in the day's manifest but missing`);
        return file;
      }),
    );
  }
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  const backend = new NodeParquetBackend(connection, files, () => instance.closeSync());
  const source = new SqlEventSource(manifest, backend, options) as NodeEventSource;
  source.query = (sql) => backend.query(sql);
  return source;
}
