/**
 * The replay's EventSource in Node (the replay server's seeks, tests): native DuckDB reading a
 * compacted day's Parquet part files in place, from the manifest's generation (a later compaction
 * of the day does not change them under it). DuckDB prunes row groups with the files' statistics,
 * so the time-bounded queries of `SqlEventSource` read only what they need. Playing a day goes
 * through `parquet-stream.ts` instead, which streams the same files without building events.
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
import { ident, sqlString } from '../../shared/sql';
import type { DayRef } from '../../shared/api';
import { DataRoot } from '../data-root';

/** DuckDB's JS conversion, except timestamps keep their microseconds (as bigint). */
export const duckdbToJs: DuckDBValueConverter<unknown> = (value, type, converter) => {
  if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ && value instanceof DuckDBTimestampTZValue) return value.micros;
  return JSDuckDBValueConverter(value, type, converter as unknown as DuckDBValueConverter<JS>);
};

/**
 * A relation over a channel's part files (one or more, each sorted, together the channel's rows),
 * with the files' own columns only (their paths hold `date=`/`ch=` folders).
 */
export function parquetRelation(files: readonly string[]): string {
  return `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false)`;
}

export class NodeParquetBackend implements SqlBackend {
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly files: Partial<Record<Channel, string[]>>,
    private readonly onClose: () => void = () => {},
  ) {}

  async acquire(ch: Channel): Promise<Lease> {
    const files = this.files[ch];
    if (!files?.length) throw new Error(`no Parquet file for channel ${ch}`);
    return { relation: parquetRelation(files), release: () => {} };
  }

  async queryEvents(ch: Channel, sql: string): Promise<AnyEvent[]> {
    const reader = await this.connection.runAndReadAll(sql);
    const rows = reader.convertRowObjects(duckdbToJs);
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
      await this.connection.run(`CREATE OR REPLACE VIEW ${ident(ch)} AS SELECT * FROM ${parquetRelation(files)}`);
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

/** The absolute paths of each channel's part files, in the manifest's generation. */
export async function dayParquetFiles(root: DataRoot, day: DayRef, manifest: Manifest): Promise<Partial<Record<Channel, string[]>>> {
  const files: Partial<Record<Channel, string[]>> = {};
  for (const ch of CHANNELS) {
    const c = manifest.channels[ch];
    if (!c?.rows) continue;
    files[ch] = await Promise.all(c.parts.map((p) => root.partPath(day, manifest.generation, ch, p.part)));
  }
  return files;
}

export interface OpenNodeSourceOptions extends SqlEventSourceOptions {
  /** The DuckDB instance to query with (kept open on close); default a new one for this source. */
  instance?: DuckDBInstance;
  /** The day's manifest when the caller has read it already. */
  manifest?: Manifest;
}

/** Open a compacted day of a data root as an EventSource. */
export async function openNodeEventSource(dataRoot: string | DataRoot, day: DayRef, options: OpenNodeSourceOptions = {}): Promise<NodeEventSource> {
  const root = typeof dataRoot === 'string' ? new DataRoot(dataRoot) : dataRoot;
  const manifest = options.manifest ?? (await root.readManifest(day));
  const files = await dayParquetFiles(root, day, manifest);
  for (const file of Object.values(files).flat()) {
    if (!existsSync(file)) throw new Error(`${file}: listed in the day's manifest but missing`);
  }
  const owned = options.instance ? null : await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await (options.instance ?? owned!).connect();
  const backend = new NodeParquetBackend(connection, files, () => owned?.closeSync());
  const source = new SqlEventSource(manifest, backend, options) as NodeEventSource;
  source.query = (sql) => backend.query(sql);
  return source;
}
