/**
 * Opening a recorded day in the browser: manifest → parquet-wasm (local asset) → the Parquet
 * footers (two range reads per channel) → a block-cache EventSource that decodes row groups on
 * demand → a ReplayPlayer. The first frame needs only the row groups around the start of the day.
 * The whole-day history loads later, when asked, through the same decode workers at low priority:
 * the charts' series after the first frame (`history.charts()`), the SQL console's DuckDB-WASM
 * tables when the console opens (`history.load()`).
 * A channel whose file is damaged (footer, row groups, pages) is left out and named; the day opens
 * with the others.
 */
import type { Table } from 'apache-arrow';
import { dayKey, type DayRef, type HeliosApi } from '../../../shared/api';
import { CHANNELS, type Channel } from '../../../shared/channels';
import type { Manifest } from '../../../shared/manifest';
import { exportFromSource, type ExportedSnapshot, type ExportRequest } from '../../../shared/players/export';
import { ReplayPlayer, type ReplayPlayerOptions } from '../../../shared/players/replay-player';
import { ArrowBlockSource, type BlockSourceOptions, type DamagedChannel } from './arrow-block-source';
import { DayHistory, describeTables, type TableLoad } from './day-history';
import { DaySet, querySeveralDays } from './day-set';
import { replayEngine } from './duckdb';
import { inlineDecoder, workerDecoder, type Decoder, type PartFile } from './decoder';
import { checkParquetEnds } from './parquet';
import { exportRange, type RangeExport } from './range-export';

export type ReplayApi = Pick<HeliosApi, 'readManifest' | 'readParquet'>;

export interface OpenReplayOptions extends BlockSourceOptions {
  /** Parquet decode workers (default 2); 0 decodes on the UI thread. */
  decodeWorkers?: number;
  player?: ReplayPlayerOptions;
  onProgress?: (p: { label: string; fraction: number | null }) => void;
}

export interface ReplayDay {
  manifest: Manifest;
  source: ArrowBlockSource;
  player: ReplayPlayer;
  /** The whole day for the charts (read from the row groups) and in DuckDB-WASM for the SQL console; loads when first asked. */
  history: DayHistory;
  /**
   * Ad-hoc SQL (DuckDB-WASM) over the whole day (waits for the history to load), or over several
   * days at once (`days`, this one included or not: one view per channel stacks them with a
   * `date` column). The whole result comes back as an Arrow table.
   */
  query(sql: string, options?: { days?: DayRef[]; onTableLoad?: (day: DayRef, p: TableLoad) => void }): Promise<Table>;
  exampleQuery: string;
  /** Which tables the console has, for its help text. */
  tablesHelp: string;
  /** The correlation-id snapshot of the moment at `at_ms` (whole-day correlation search). */
  exportSnapshot(request: ExportRequest): Promise<ExportedSnapshot>;
  /** Every column of every channel in [fromMs, toMs) as Parquet, plus the snapshots as CSV. */
  exportRange(fromMs: number, toMs: number, onProgress?: (done: number, total: number) => void): Promise<RangeExport>;
  /** Channels left out because their file is damaged; `onDamage` hears of each (known ones at once). */
  onDamage(listener: (d: DamagedChannel) => void): () => void;
  /** Bytes and range requests read from the data root so far, and decode time. */
  io(): Promise<ReturnType<Decoder['io']>>;
  close(): void;
}

export const EXAMPLE_QUERY = `SELECT bucket, token_id, count(*) AS snapshots, min(ts_ingest_utc) AS first_ts, max(ts_ingest_utc) AS last_ts,
       round(avg(mid), 4) AS avg_mid, round(avg(best_ask - best_bid), 4) AS avg_spread
FROM l2_snap_1s
GROUP BY ALL
ORDER BY avg_mid DESC`;

export { prewarmReplayEngine } from './duckdb';
export { prewarmDecodeWorkers } from './decoder';

export async function openReplayDay(api: ReplayApi, day: DayRef, options: OpenReplayOptions = {}): Promise<ReplayDay> {
  const progress = options.onProgress ?? (() => {});
  progress({ label: 'Reading the day’s manifest', fraction: 0 });
  const manifest = await api.readManifest(day);
  // The files of the manifest's generation: a compaction of the day meanwhile cannot change them.
  const partFile = (ch: Channel, part: number): PartFile => {
    const p = manifest.channels[ch]?.parts.find((x) => x.part === part);
    if (!p) throw new Error(`the day has no ${ch} part ${part}`);
    return { size: p.bytes, read: (offset, length) => api.readParquet({ ...day, ch, part, generation: manifest.generation, offset, length }) };
  };
  const decoder = options.decodeWorkers === 0 || typeof Worker === 'undefined' ? inlineDecoder(partFile) : workerDecoder(partFile, options.decodeWorkers ?? 2);
  progress({ label: 'Opening the Parquet files', fraction: 0.3 });
  const parts = CHANNELS.flatMap((ch) => ((manifest.channels[ch]?.rows ?? 0) > 0 ? manifest.channels[ch]!.parts.map((p) => ({ ch, p })) : []));
  // A truncated or overwritten file is found before any decode touches it (cheap: two small reads a part).
  const ends = await Promise.all(
    parts.map(({ ch, p }) => checkParquetEnds(p.bytes, partFile(ch, p.part).read).then(() => null, (e: unknown) => ({ ch, e, file: p.file }))),
  );
  const source = new ArrowBlockSource(manifest, decoder, options);
  for (const bad of ends) if (bad) source.markDamaged(bad.ch, bad.e, bad.file);
  // Footers are read (and checked against the manifest) while the first block loads; a file that
  // fails costs its channel only.
  const checked = Promise.all(
    source.channels.flatMap((ch) => {
      const c = manifest.channels[ch]!;
      return c.parts.map(async (p) => {
        try {
          const listed = c.row_groups.filter((g) => g.part === p.part).length;
          const groups = await decoder.open(ch, p.part);
          if (listed > 0 && groups !== listed) throw new Error(`the manifest lists ${listed} row groups but the file has ${groups}`);
        } catch (e) {
          source.markDamaged(ch, e, p.file);
        }
      });
    }),
  );
  let player: ReplayPlayer | null = null;
  try {
    await source.initialize();
    progress({ label: 'Loading the first block', fraction: 0.8 });
    player = new ReplayPlayer(source, options.player);
    await checked;
  } catch (e) {
    void checked.catch(() => {}); // reported through `e` or not at all: the day failed to open
    player?.close();
    decoder.close();
    throw e;
  }

  const history = new DayHistory(manifest, decoder, {
    engine: replayEngine,
    whenQuiet: () => source.whenQuiet(),
    onDamage: (ch, e) => source.markDamaged(ch, e),
    isDamaged: (ch) => source.damaged.some((d) => d.ch === ch),
  });
  const otherDays = new DaySet(api);
  const opened = player;
  const self = { day: { station_id: manifest.station_id, date: manifest.date }, history };
  return {
    manifest,
    source,
    player: opened,
    history,
    async query(text, queryOptions = {}) {
      const days = queryOptions.days ?? [];
      const only = days.length === 0 || (days.length === 1 && dayKey(days[0]!) === dayKey(self.day));
      if (only) return history.query(text, (p) => queryOptions.onTableLoad?.(self.day, p));
      otherDays.retain(days);
      const tables = await Promise.all(days.map((d) => (dayKey(d) === dayKey(self.day) ? self : otherDays.tables(d))));
      return querySeveralDays(tables, text, queryOptions.onTableLoad);
    },
    exampleQuery: EXAMPLE_QUERY,
    tablesHelp: describeTables(history.tables),
    exportSnapshot: (request) => exportFromSource(source, request),
    exportRange: (fromMs, toMs, onProgress) => exportRange(source, fromMs, toMs, onProgress),
    onDamage: (listener) => source.onDamage(listener),
    io: async () => decoder.io(),
    close() {
      opened.close();
      history.close();
      otherDays.close();
      decoder.close();
    },
  };
}
