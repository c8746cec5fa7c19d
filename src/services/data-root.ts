/**
 * The on-disk layout of docs/spec.md §4 and safe access to it. Every path under a data root is built here,
 * from validated parts, so nothing can escape the root (no `..`, no absolute ids); every read opens
 * the file once, checks where the opened descriptor really is, and reads from that descriptor, so
 * a symlink swapped meanwhile cannot make it read outside the root.
 *
 * A compacted day (docs/data-format.md, "Layout"):
 *
 *   parquet/station=S/date=D            → a relative link to .gen/date=D/g<N> (the current generation),
 *                                         or a plain folder (a day compacted before generations: generation 0)
 *   parquet/station=S/.gen/date=D/g<N>/ _manifest.json, ch=<ch>/part-NNNN.parquet, .state/ (the compactor's)
 *
 * Readers that took a manifest read its files from its generation folder, so a later compaction
 * (which builds a new generation and switches the link) cannot change the files under them.
 */
import { constants, type FileHandle, lstat, open, readlink, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { isChannel, type Channel } from '../shared/channels';
import { manifest as manifestSchema, partFile, type Manifest } from '../shared/manifest';
import { dayKey, type DayRef, type DaySummary } from '../shared/api';
import { STATION_ID_PATTERN } from '../shared/stations';
import { DATE_PATTERN } from '../shared/time';
import { readAt, readdirOrEmpty } from './files';
import { describeZodError } from '../shared/registry';

export function assertDayRef(day: DayRef): void {
  if (!STATION_ID_PATTERN.test(day.station_id)) throw new Error(`invalid station id: ${JSON.stringify(day.station_id)}`);
  if (!DATE_PATTERN.test(day.date)) throw new Error(`invalid date: ${JSON.stringify(day.date)}`);
}

/** The folder of the generations of the days of a station, inside `parquet/station=S/`. */
export const GENERATIONS_DIR = '.gen';

/** `g<N>` → N, or null. */
export function generationNumber(name: string): number | null {
  const m = /^g(\d{1,9})$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** A read that found a file, or a link on its way, leading outside the data root. */
export class PathEscapeError extends Error {
  override name = 'PathEscapeError';
}

/** The generation a reader asked for has been removed: the day was compacted again since it was opened. */
export class DayRecompactedError extends Error {
  override name = 'DayRecompactedError';
}

/** The Parquet files of one channel of a day as its manifest lists them, relative to the day folder. */
export function manifestChannelFiles(manifest: Manifest, ch: Channel): string[] {
  return manifest.channels[ch]?.parts.map((p) => p.file) ?? [];
}

export class DataRoot {
  readonly root: string;
  private realRootPath: Promise<string> | null = null;

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

  parquetStationDir(station: string): string {
    if (!STATION_ID_PATTERN.test(station)) throw new Error(`invalid station id: ${JSON.stringify(station)}`);
    return this.inside('parquet', `station=${station}`);
  }

  /** The day's folder as readers see it: the link to its current generation (or a legacy folder). */
  parquetDayDir(day: DayRef): string {
    assertDayRef(day);
    return this.inside('parquet', `station=${day.station_id}`, `date=${day.date}`);
  }

  /** Where the day's generations live. */
  generationsDir(day: DayRef): string {
    assertDayRef(day);
    return this.inside('parquet', `station=${day.station_id}`, GENERATIONS_DIR, `date=${day.date}`);
  }

  generationDir(day: DayRef, generation: number): string {
    if (!Number.isInteger(generation) || generation < 0) throw new Error(`invalid generation: ${generation}`);
    return join(this.generationsDir(day), `g${generation}`);
  }

  manifestFile(day: DayRef): string {
    return join(this.parquetDayDir(day), '_manifest.json');
  }

  quarantineDir(day: DayRef): string {
    assertDayRef(day);
    return this.inside('quarantine', `station=${day.station_id}`, `date=${day.date}`);
  }

  /**
   * Where a part of a generation is: generation 0 is a legacy folder, in place at `date=D` until
   * its first compaction with generations moves it to `.gen/date=D/g0`.
   */
  async partPath(day: DayRef, generation: number, ch: Channel, part: number): Promise<string> {
    if (!isChannel(ch)) throw new Error(`unknown channel: ${JSON.stringify(ch)}`);
    return join(await this.generationFolder(day, generation), partFile(ch, part));
  }

  /** The folder of a generation's files (see `partPath` for generation 0). */
  async generationFolder(day: DayRef, generation: number): Promise<string> {
    if (generation === 0 && (await isRealDirectory(this.parquetDayDir(day)))) return this.parquetDayDir(day);
    return this.generationDir(day, generation);
  }

  /** Raw upstream captures of a day (every frame and response as received). */
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

  /** Days that have been compacted (have a parquet folder or a generation), oldest first. */
  async parquetDays(): Promise<DayRef[]> {
    const days = await this.listPartitions('parquet');
    const seen = new Set(days.map(dayKey));
    // A compaction stopped while converting a legacy folder: its new generation is the day.
    for (const s of await readdirOrEmpty(this.inside('parquet'))) {
      const station = /^station=(.+)$/.exec(s)?.[1];
      if (!station || !STATION_ID_PATTERN.test(station)) continue;
      for (const d of await readdirOrEmpty(this.inside('parquet', s, GENERATIONS_DIR))) {
        const date = /^date=(.+)$/.exec(d)?.[1];
        if (date && DATE_PATTERN.test(date) && !seen.has(dayKey({ station_id: station, date }))) days.push({ station_id: station, date });
      }
    }
    return days.sort((a, b) => a.date.localeCompare(b.date) || a.station_id.localeCompare(b.station_id));
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

  /**
   * The day's current manifest. If `date=D` is missing while its legacy folder sits in
   * `.gen/date=D/g0` (a compaction stopped between moving the folder aside and linking the new
   * generation), the newest complete generation is the day.
   */
  async readManifest(day: DayRef): Promise<Manifest> {
    let file = this.manifestFile(day);
    let text: string;
    try {
      text = await this.readText(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const newest = await this.unlinkedGeneration(day);
      if (newest === null) throw e;
      file = join(this.generationDir(day, newest), '_manifest.json');
      text = await this.readText(file);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${file}: not JSON (${(e as Error).message})`);
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) throw new Error(`${file}: invalid manifest: ${describeZodError(parsed.error)}`);
    return parsed.data;
  }

  /**
   * The generation that is the day while `date=D` is missing because a legacy folder was just moved
   * to `.gen/date=D/g0`: the newest complete one. Null when `date=D` exists or nothing was moved.
   */
  async unlinkedGeneration(day: DayRef): Promise<number | null> {
    if (await lstat(this.parquetDayDir(day)).catch(() => null)) return null;
    if (!(await isRealDirectory(this.generationDir(day, 0)))) return null;
    return this.newestCompleteGeneration(day);
  }

  /** The highest generation under `.gen/date=D` that has its manifest (a generation's last file). */
  private async newestCompleteGeneration(day: DayRef): Promise<number | null> {
    const numbers = (await readdirOrEmpty(this.generationsDir(day))).map(generationNumber).filter((n): n is number => n !== null);
    for (const n of numbers.sort((a, b) => b - a)) {
      if ((await lstat(join(this.generationDir(day, n), '_manifest.json')).catch(() => null))?.isFile()) return n;
    }
    return null;
  }

  /** A manifest that cannot be read, as `<path in the root>: <reason>`. */
  private manifestProblem(day: DayRef, e: Error): string {
    const file = this.manifestFile(day);
    return `${relative(this.root, file)}: ${e.message.replace(`${file}: `, '')}`;
  }

  /** Every compacted day with a manifest, newest first; a day whose manifest cannot be used says why in `damaged`. */
  async listDays(): Promise<DaySummary[]> {
    return (await this.listDaysWithManifests()).map(({ manifest: _manifest, ...summary }) => summary);
  }

  /** `listDays` with the manifest each summary was made from (null for a damaged day), read once. */
  async listDaysWithManifests(): Promise<Array<DaySummary & { manifest: Manifest | null }>> {
    const out: Array<DaySummary & { manifest: Manifest | null }> = [];
    for (const day of await this.parquetDays()) {
      const damaged = (reason: string) =>
        out.push({ station_id: day.station_id, date: day.date, rows: {}, bytes: 0, min_ts: null, max_ts: null, damaged: reason, manifest: null });
      // Links are followed only within the root: a day that points elsewhere is listed, not read.
      const where = await this.escapes(this.parquetDayDir(day));
      if (where) {
        damaged(where);
        continue;
      }
      let m: Manifest;
      try {
        m = await this.readManifest(day);
      } catch (e) {
        // A day being compacted for the first time has no manifest yet.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') damaged(this.manifestProblem(day, e as Error));
        continue;
      }
      if (m.station_id !== day.station_id || m.date !== day.date) {
        damaged(`its manifest describes ${m.station_id} ${m.date}`);
        continue;
      }
      const channels = Object.entries(m.channels);
      out.push({
        station_id: day.station_id,
        date: day.date,
        rows: Object.fromEntries(channels.map(([ch, c]) => [ch, c.rows])),
        bytes: channels.reduce((sum, [, c]) => sum + c.bytes, 0),
        min_ts: minOf(channels.map(([, c]) => c.min_ts)),
        max_ts: maxOf(channels.map(([, c]) => c.max_ts)),
        damaged: null,
        manifest: m,
      });
    }
    return out.reverse();
  }

  /**
   * Open a part file of one channel, proven inside the root. With `generation`, the file of that
   * generation (DayRecompactedError once it is gone); without, the day's current file.
   */
  async openParquet(day: DayRef, ch: Channel, options: { part?: number; generation?: number } = {}): Promise<FileHandle> {
    const part = options.part ?? 0;
    const file = options.generation === undefined ? join(this.parquetDayDir(day), partFile(ch, part)) : await this.partPath(day, options.generation, ch, part);
    try {
      return await this.openInside(file);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT' && options.generation !== undefined && !(await this.generationExists(day, options.generation))) {
        throw new DayRecompactedError(
          `${day.station_id} ${day.date} was compacted again since it was opened (its generation ${options.generation} is gone): reopen the day`,
        );
      }
      if (err.code === 'ENOENT') throw Object.assign(new Error(`no ${ch} data for ${day.station_id} ${day.date}${part ? ` (part ${part})` : ''} under ${this.root}`), { code: 'ENOENT' });
      throw e;
    }
  }

  /** A part file of one channel (see `openParquet`), whole or a byte range of it. */
  async readParquet(day: DayRef, ch: Channel, options: { part?: number; generation?: number; offset?: number; length?: number } = {}): Promise<Uint8Array> {
    const handle = await this.openParquet(day, ch, options);
    try {
      const size = (await handle.stat()).size;
      const offset = Math.min(options.offset ?? 0, size);
      return await readAt(handle, offset, Math.min(options.length ?? size - offset, size - offset));
    } finally {
      await handle.close();
    }
  }

  private async generationExists(day: DayRef, generation: number): Promise<boolean> {
    if (generation === 0 && (await isRealDirectory(this.parquetDayDir(day)))) return true;
    return (await lstat(this.generationDir(day, generation)).catch(() => null))?.isDirectory() ?? false;
  }

  private async readText(file: string): Promise<string> {
    const handle = await this.openInside(file);
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }

  private realRoot(): Promise<string> {
    this.realRootPath ??= realpath(this.root);
    this.realRootPath.catch(() => (this.realRootPath = null));
    return this.realRootPath;
  }

  /** Why `path` resolves outside the data root (or nowhere), or null when it stays inside or does not exist. */
  private async escapes(path: string): Promise<string | null> {
    if ((await lstat(path).catch(() => null)) === null) return null;
    let real: string;
    try {
      real = await realpath(path);
    } catch (e) {
      return `${path} leads nowhere (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
    }
    return real.startsWith((await this.realRoot()) + sep) ? null : `${path} leads outside the data root`;
  }

  /**
   * Opens `path` for reading and proves that the opened file is inside the data root, whatever
   * links were swapped while it was being opened: on Linux by the descriptor's own path
   * (/proc/self/fd), elsewhere by resolving the path afterwards and comparing device and inode with
   * the descriptor's.
   */
  private async openInside(path: string): Promise<FileHandle> {
    const handle = await open(path, constants.O_RDONLY);
    try {
      const root = await this.realRoot();
      const real = await descriptorPath(handle, path);
      if (!real.startsWith(root + sep)) throw new PathEscapeError(`path escapes the data root: ${path}`);
      return handle;
    } catch (e) {
      await handle.close();
      throw e;
    }
  }
}

async function descriptorPath(handle: FileHandle, path: string): Promise<string> {
  if (process.platform === 'linux') {
    const real = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    if (real !== null) {
      // Removed after it was opened: where it was cannot be proven any more.
      if (real.endsWith(' (deleted)')) throw Object.assign(new Error(`${path} was removed while being opened`), { code: 'ENOENT' });
      return real;
    }
  }
  const real = await realpath(path);
  const [opened, named] = await Promise.all([handle.stat({ bigint: true }), lstat(real, { bigint: true })]);
  if (opened.dev !== named.dev || opened.ino !== named.ino) throw new PathEscapeError(`${path} changed while being opened`);
  return real;
}

async function isRealDirectory(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null))?.isDirectory() ?? false;
}

function minOf(xs: (string | null)[]): string | null {
  const v = xs.filter((x): x is string => x !== null).sort();
  return v[0] ?? null;
}

function maxOf(xs: (string | null)[]): string | null {
  const v = xs.filter((x): x is string => x !== null).sort();
  return v[v.length - 1] ?? null;
}
