/**
 * A compacted day's rows as the window sweep needs them, read with native DuckDB from the day's
 * Parquet parts (every `ch=<ch>/*.parquet` of the day folder: one or more parts per channel).
 * Snapshots stream once, in time order, chunk by chunk, with only the top levels any setting looks
 * at; the small channels are read whole.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBDoubleVector, type DuckDBListVector } from '@duckdb/node-api';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel } from '../../shared/channels';
import type { WindowReason } from '../../shared/schemas';
import { sqlString } from '../../shared/sql';
import type { DayRef } from '../../shared/api';
import type { DataRoot } from '../data-root';
import { readdirOrEmpty } from '../files';
import type { Interval } from './day-figures';
import type { SnapshotRow } from './window-replay';

export interface DayInputs {
  /** New METAR/SPECI reports (ingest time, event_id, a label). */
  metars: { t: number; event_id: string; label: string }[];
  /** The PWS cluster turning OUTLIER_LIKELY. */
  qc: { t: number; detail: string }[];
  /** MANUAL windows as the analyst asked for them. */
  manual: { t: number; durationMs: number; detail: string }[];
  /** The windows the recorder opened that day, in time order. */
  recorded: Interval[];
  /** Rows and Parquet bytes of the recorded deltas. */
  deltaRows: number;
  deltaBytes: number;
}

export class DayReader {
  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly files: Partial<Record<Channel, string[]>>,
    private readonly bytes: Partial<Record<Channel, number>>,
  ) {}

  /** The day's Parquet parts; an error naming the day if it was not compacted. */
  static async open(root: DataRoot, day: DayRef): Promise<DayReader> {
    const dir = root.parquetDayDir(day);
    const files: Partial<Record<Channel, string[]>> = {};
    const bytes: Partial<Record<Channel, number>> = {};
    for (const ch of ['l2_snap_1s', 'l2_deltas', 'metar_obs', 'pws_cluster', 'event_windows'] as const) {
      const parts = (await readdirOrEmpty(join(dir, `ch=${ch}`))).filter((f) => f.endsWith('.parquet') && !f.startsWith('.')).sort();
      if (parts.length === 0) continue;
      files[ch] = parts.map((f) => join(dir, `ch=${ch}`, f));
      bytes[ch] = (await Promise.all(files[ch]!.map((f) => stat(f)))).reduce((sum, s) => sum + s.size, 0);
    }
    if (!files.l2_snap_1s) throw new Error(`${day.station_id} ${day.date}: no compacted l2_snap_1s under ${dir} (run \`helios compact\` first)`);
    const instance = await DuckDBInstance.create(':memory:');
    return new DayReader(await instance.connect(), files, bytes);
  }

  private relation(ch: Channel): string | null {
    const files = this.files[ch];
    return files ? `read_parquet([${files.map(sqlString).join(', ')}])` : null;
  }

  private async rows(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  }

  async inputs(): Promise<DayInputs> {
    const ms = (col: string) => `CAST(epoch_ms(${col}) AS DOUBLE)`;
    const metar_obs = this.relation('metar_obs');
    const metars = metar_obs
      ? (await this.rows(`SELECT ${ms('ts_ingest_utc')} AS t, event_id, report_type, raw FROM ${metar_obs} ORDER BY t, event_id`)).map((r) => ({
          t: r.t as number,
          event_id: String(r.event_id),
          label: `${String(r.report_type)} ${String(r.raw)}`,
        }))
      : [];
    const pws_cluster = this.relation('pws_cluster');
    const qc: DayInputs['qc'] = [];
    if (pws_cluster) {
      let previous: string | null = null;
      for (const r of await this.rows(`SELECT ${ms('ts_ingest_utc')} AS t, qc_state, median, mad, support FROM ${pws_cluster} ORDER BY t, event_id`)) {
        if (r.qc_state === 'OUTLIER_LIKELY' && previous !== 'OUTLIER_LIKELY') {
          qc.push({ t: r.t as number, detail: `pws_cluster OUTLIER_LIKELY (median ${String(r.median)}°F, MAD ${String(r.mad)}, ${String(r.support)} stations)` });
        }
        previous = String(r.qc_state);
      }
    }
    const event_windows = this.relation('event_windows');
    const recorded: Interval[] = [];
    const manual: DayInputs['manual'] = [];
    if (event_windows) {
      const records = await this.rows(
        `SELECT window_id, reason, state, ${ms('start_ts')} AS start_ms, ${ms('end_ts')} AS end_ms, reasons, detail FROM ${event_windows} ORDER BY ts_ingest_utc, event_id`,
      );
      const byId = new Map<string, Interval>();
      for (const r of records) {
        const id = String(r.window_id);
        const interval = { start: r.start_ms as number, end: r.end_ms as number, reasons: r.reasons as WindowReason[] };
        const known = byId.get(id);
        if (known) Object.assign(known, interval);
        else {
          byId.set(id, interval);
          recorded.push(interval);
          if (r.reason === 'MANUAL' && r.state === 'open') manual.push({ t: interval.start, durationMs: interval.end - interval.start, detail: String(r.detail) });
        }
      }
      recorded.sort((a, b) => a.start - b.start);
    }
    const l2_deltas = this.relation('l2_deltas');
    const deltaRows = l2_deltas ? Number((await this.rows(`SELECT count(*) AS n FROM ${l2_deltas}`))[0]!.n) : 0;
    return { metars, qc, manual, recorded, deltaRows, deltaBytes: this.bytes.l2_deltas ?? 0 };
  }

  /**
   * Every snapshot once, in time order, grouped by instant: `onInstant(t, rows)` gets all tokens'
   * rows of that instant (each row's arrays are reused for the next instant).
   */
  async snapshots(levels: number, onInstant: (t: number, rows: readonly SnapshotRow[]) => void): Promise<void> {
    const side = (name: string, field: 'p' | 's') => `list_transform(list_slice(${name}, 1, ${levels}), x -> x.${field})`;
    const result = await this.connection.stream(
      `SELECT CAST(epoch_ms(ts_ingest_utc) AS DOUBLE) AS t, token_id, market_id, seq, resync_epoch_id, book_ok,
              ${side('bids', 'p')} AS bp, ${side('bids', 's')} AS bs, ${side('asks', 'p')} AS ap, ${side('asks', 's')} AS sz
       FROM ${this.relation('l2_snap_1s')} ORDER BY t, token_id`,
    );
    const pool: SnapshotRow[] = [];
    let rows = 0;
    let at = Number.NaN;
    const flush = () => {
      if (rows > 0) onInstant(at, pool.slice(0, rows));
      rows = 0;
    };
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const [t, token, market, seq, epoch, ok, bp, bs, ap, as] = Array.from({ length: 10 }, (_, i) => chunk.getColumnVector(i));
      for (let i = 0; i < chunk.rowCount; i++) {
        const ti = t!.getItem(i) as number;
        if (ti !== at) {
          flush();
          at = ti;
        }
        const row = (pool[rows] ??= emptyRow(levels));
        rows++;
        row.token_id = token!.getItem(i) as string;
        row.market_id = market!.getItem(i) as string;
        row.seq = seq!.getItem(i) as number;
        row.epoch = epoch!.getItem(i) as number;
        row.ok = ok!.getItem(i) as boolean;
        row.bidCount = copyList(bp as DuckDBListVector, i, row.bidPrices as number[]);
        copyList(bs as DuckDBListVector, i, row.bidSizes as number[]);
        row.askCount = copyList(ap as DuckDBListVector, i, row.askPrices as number[]);
        copyList(as as DuckDBListVector, i, row.askSizes as number[]);
      }
    }
    flush();
  }

  close(): void {
    this.connection.closeSync();
  }
}

function emptyRow(levels: number): SnapshotRow {
  return { token_id: '', market_id: '', seq: 0, epoch: 0, ok: false, bidPrices: new Array(levels), bidSizes: new Array(levels), bidCount: 0, askPrices: new Array(levels), askSizes: new Array(levels), askCount: 0 };
}

/** Row `i` of a DOUBLE[] column into `out`; returns its length. */
function copyList(list: DuckDBListVector, i: number, out: number[]): number {
  const offset = list.getEntryOffset(i);
  const length = list.getEntryLength(i);
  const child = list.childVector as DuckDBDoubleVector;
  for (let k = 0; k < length; k++) out[k] = child.getItem(offset + k) as number;
  return length;
}
