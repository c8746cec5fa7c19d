/**
 * The on-disk layout of SPEC §4 and safe access to it. Every path under a data root is built here,
 * from validated parts, so nothing can escape the root (no `..`, no absolute ids).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { isChannel, type Channel } from '../shared/channels';
import { manifest as manifestSchema, type Manifest } from '../shared/manifest';
import type { DaySummary } from '../shared/api';
import { STATION_ID_PATTERN } from '../shared/stations';
import { DATE_PATTERN } from '../shared/time';
import { readdirOrEmpty } from './files';
import { describeZodError } from '../shared/registry';

export interface DayRef {
  station_id: string;
  date: string;
}

export function assertDayRef(day: DayRef): void {
  if (!STATION_ID_PATTERN.test(day.station_id)) throw new Error(`invalid station id: ${JSON.stringify(day.station_id)}`);
  if (!DATE_PATTERN.test(day.date)) throw new Error(`invalid date: ${JSON.stringify(day.date)}`);
}

/** The Parquet files of one channel of a day as its manifest lists them, relative to the day folder. */
export function manifestChannelFiles(manifest: Manifest, ch: Channel): string[] {
  const c = manifest.channels[ch];
  return c ? [c.file] : [];
}

export class DataRoot {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private inside(...parts: string[]): string {
    const path = resolve(this.root, ...parts);
    if (path !== this.root && !path.startsWith(this.root + sep)) throw new Error(`path escapes the data root: ${path}`);
    return path;
  }

  journalDir(day: DayRef): string {
    assertDayRef(day);
    return this.inside('journal', `station=${day.station_id}`, `date=${day.date}`);
  }

  parquetDayDir(day: DayRef): string {
    assertDayRef(day);
    return this.inside('parquet', `station=${day.station_id}`, `date=${day.date}`);
  }

  parquetFile(day: DayRef, ch: Channel): string {
    if (!isChannel(ch)) throw new Error(`unknown channel: ${JSON.stringify(ch)}`);
    return join(this.parquetDayDir(day), `ch=${ch}`, 'part-0000.parquet');
  }

  manifestFile(day: DayRef): string {
    return join(this.parquetDayDir(day), '_manifest.json');
  }

  quarantineDir(day: DayRef): string {
    assertDayRef(day);
    return this.inside('quarantine', `station=${day.station_id}`, `date=${day.date}`);
  }

  /** Raw upstream captures of a day (SPEC #9: every frame and response as received). */
  rawDir(day: DayRef): string {
    assertDayRef(day);
    return this.inside('raw', `station=${day.station_id}`, `date=${day.date}`);
  }

  /** What retention keeps of a day's Parquet once the day itself has expired: its event windows. */
  windowsDayDir(day: DayRef): string {
    assertDayRef(day);
    return this.inside('windows', `station=${day.station_id}`, `date=${day.date}`);
  }

  /** Batches the ClickHouse sink could not send yet (sent by the next sink on this root). */
  clickhouseSpoolDir(): string {
    return this.inside('spool', 'clickhouse');
  }

  /** Every Parquet file of a channel in a tree (`parquet` or `windows`), as a DuckDB glob. */
  channelGlob(tree: 'parquet' | 'windows', ch: Channel): string {
    if (!isChannel(ch)) throw new Error(`unknown channel: ${JSON.stringify(ch)}`);
    return join(this.inside(tree), 'station=*', 'date=*', `ch=${ch}`, '*.parquet');
  }

  /** Days that have a journal folder, oldest first. */
  async journalDays(): Promise<DayRef[]> {
    return this.listPartitions('journal');
  }

  /** Days that have been compacted (have a parquet folder), oldest first. */
  async parquetDays(): Promise<DayRef[]> {
    return this.listPartitions('parquet');
  }

  /** Days that have raw captures, oldest first. */
  async rawDays(): Promise<DayRef[]> {
    return this.listPartitions('raw');
  }

  /** Days with quarantined lines, oldest first. */
  async quarantineDays(): Promise<DayRef[]> {
    return this.listPartitions('quarantine');
  }

  /** Days whose event windows outlived their Parquet (retention), oldest first. */
  async windowsDays(): Promise<DayRef[]> {
    return this.listPartitions('windows');
  }

  private async listPartitions(kind: 'journal' | 'parquet' | 'raw' | 'quarantine' | 'windows'): Promise<DayRef[]> {
    const days: DayRef[] = [];
    for (const s of await readdirOrEmpty(this.inside(kind))) {
      const station = /^station=(.+)$/.exec(s)?.[1];
      if (!station || !STATION_ID_PATTERN.test(station)) continue;
      for (const d of await readdirOrEmpty(this.inside(kind, s))) {
        const date = /^date=(.+)$/.exec(d)?.[1];
        if (date && DATE_PATTERN.test(date)) days.push({ station_id: station, date });
      }
    }
    return days.sort((a, b) => a.date.localeCompare(b.date) || a.station_id.localeCompare(b.station_id));
  }

  async readManifest(day: DayRef): Promise<Manifest> {
    const file = this.manifestFile(day);
    const parsed = manifestSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file}: invalid manifest: ${describeZodError(parsed.error)}`);
    return parsed.data;
  }

  /** Every compacted day with a readable manifest, newest first. */
  async listDays(): Promise<DaySummary[]> {
    const out: DaySummary[] = [];
    for (const day of await this.parquetDays()) {
      let m: Manifest;
      try {
        m = await this.readManifest(day);
      } catch {
        continue; // a day being compacted for the first time has no manifest yet
      }
      const channels = Object.entries(m.channels);
      out.push({
        station_id: m.station_id,
        date: m.date,
        rows: Object.fromEntries(channels.map(([ch, c]) => [ch, c.rows])),
        bytes: channels.reduce((sum, [, c]) => sum + c.bytes, 0),
        min_ts: minOf(channels.map(([, c]) => c.min_ts)),
        max_ts: maxOf(channels.map(([, c]) => c.max_ts)),
      });
    }
    return out.reverse();
  }

  /** A day's Parquet file of one channel, whole or a byte range of it. */
  async readParquet(day: DayRef, ch: Channel, range?: { offset?: number; length?: number }): Promise<Uint8Array> {
    const file = this.parquetFile(day, ch);
    if (range?.offset === undefined && range?.length === undefined) return new Uint8Array(await readFile(file));
    const size = (await stat(file)).size;
    const offset = Math.min(range.offset ?? 0, size);
    const length = Math.min(range.length ?? size - offset, size - offset);
    const handle = await open(file, 'r');
    try {
      const buffer = new Uint8Array(length);
      await handle.read(buffer, 0, length, offset);
      return buffer;
    } finally {
      await handle.close();
    }
  }
}


function minOf(xs: (string | null)[]): string | null {
  const v = xs.filter((x): x is string => x !== null).sort();
  return v[0] ?? null;
}

function maxOf(xs: (string | null)[]): string | null {
  const v = xs.filter((x): x is string => x !== null).sort();
  return v[v.length - 1] ?? null;
}
