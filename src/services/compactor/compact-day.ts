/**
 * Compacts one day's journal into the Parquet layout of docs/spec.md §4 (see docs/data-format.md), one
 * pass at a time. A pass compacts only the journal bytes earlier passes have not (the first pass
 * of a day, or one after the journal changed under it, compacts all of it), into new part files;
 * the pass after the day has ended merges each channel's parts into `part-0000.parquet`.
 *
 *  0. plan-pass.ts — from where each journal file is to be read (or why all of it is);
 *  1. spool-journal.ts — read the new bytes in chunks of whole lines, validate each line with the
 *     shared registry on worker threads, drop event_ids the day already has, spool each channel's
 *     accepted lines, write rejected lines to the pass's quarantine file;
 *  2. parquet-writer.ts — DuckDB native: typed `read_json` of each spool → (ORDER BY when needed)
 *     → a ZSTD part file with ~5-minute row groups (≤ 4 096 rows); merges of parts;
 *  3. markers.ts, tokens.ts — the timeline markers and tokens, extended from the new rows;
 *  4. generations.ts — everything goes into a new generation folder (earlier parts hard-linked),
 *     which then replaces the previous one in a single rename of the day's link.
 */
import { availableParallelism } from 'node:os';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHANNELS, type Channel } from '../../shared/channels';
import { MANIFEST_VERSION, manifest as manifestSchema, partFile, type ChannelManifest, type Manifest } from '../../shared/manifest';
import { describeZodError } from '../../shared/registry';
import { getStation } from '../../shared/stations';
import { isoFromMicros, localDayBoundsUtc, microsFromIso } from '../../shared/time';
import { sqlString } from '../../shared/sql';
import type { DayRef } from '../../shared/api';
import { DataRoot, assertDayRef } from '../data-root';
import { fsyncFile, removeStaleTemporaries } from './atomic-files';
import { checkpoint } from './checkpoints';
import { newState, stateJson, STATE_DIR, STATE_FILE, type DayState, type JournalState } from './day-state';
import { CompactionError, DayBusyError, NoJournalError } from './errors';
import { FirstReads } from './first-reads';
import { beginBuild, fsyncDir, linkOrCopy, publishBuild, removeDeadBuilds, removeOldGenerations, switchDay, type Build } from './generations';
import { journalName, listJournalFiles } from './journal-reader';
import { isUnchanged, planPass, readCurrent, type Journal, type Plan } from './plan-pass';
import { readdirOrEmpty } from '../files';
import { acquireLock } from './lock';
import { deriveMarkers, MARKER_SOURCES } from './markers';
import { mergeParts, openEngine, writeChannelParquet, type Engine, type EngineOptions, type WrittenPart } from './parquet-writer';
import { publishQuarantine, QUARANTINE_FILE } from './quarantine-file';
import { OrderChangedError, spoolJournal, type SpoolResult } from './spool-journal';
import { addTokenFacts, deriveMarkets, tokensOf } from './tokens';
import type { DayPartition, QuarantineCode, Rejected } from './validate-lines';

export { CompactionError, DayBusyError, NoJournalError } from './errors';
export { rowGroupSize } from './parquet-writer';
export { QUARANTINE_FILE } from './quarantine-file';

export interface CompactProgress {
  station: string;
  date: string;
  phase: 'validate' | 'write';
  bytesDone: number;
  bytesTotal: number;
  linesRead: number;
}

export interface CompactDayOptions {
  dataRoot: string | DataRoot;
  station: string;
  date: string;
  /**
   * Validator worker threads; default one per core, at most 4 (this thread's own share — reading,
   * dedupe, spooling — is small). 0 validates on the calling thread.
   */
  threads?: number;
  /**
   * `pending` (live day: the recorder is still writing): an unterminated last line is left for the
   * next pass, and the day stays in parts. `quarantine` (default; the day has ended): an
   * unterminated last line is quarantined unless it is a complete event, and the parts are merged.
   */
  tailMode?: 'quarantine' | 'pending';
  /** Compact the whole journal again, not only what earlier passes have not. */
  rebuild?: boolean;
  /** Lines longer than this many bytes are quarantined as `too_long` without being read whole. Default 16 MiB. */
  maxLineBytes?: number;
  /** How long a replaced generation stays readable for readers that opened it. Default 10 min. */
  keepGenerationsMs?: number;
  /** DuckDB's threads and memory limit. */
  engine?: EngineOptions;
  /** Mid move between consecutive snapshots that counts as a SHOCK marker. */
  shockThreshold?: number;
  /** Read size per validation job. */
  chunkBytes?: number;
  /** Clock for the manifest's generated_at (epoch ms). Default Date.now. */
  now?: () => number;
  onProgress?: (p: CompactProgress) => void;
  onWarning?: (message: string) => void;
}

export interface CompactDayResult {
  station: string;
  date: string;
  manifest: Manifest;
  manifestPath: string;
  /** The day's quarantine file, or null when no line was rejected. */
  quarantinePath: string | null;
  quarantinedByCode: Partial<Record<QuarantineCode, number>>;
  /** Unterminated last lines left for the next pass (live day). */
  pendingLines: number;
  /** Channels whose new lines were not in (ts_ingest_utc, event_id) order, so DuckDB sorted them. */
  reordered: Channel[];
  /**
   * What the pass did: compacted the whole journal (`full`), only what was new (`incremental`), or
   * nothing, as nothing had changed (`unchanged`).
   */
  pass: 'full' | 'incremental' | 'unchanged';
  /** Why a full pass was needed when the day had been compacted before; null otherwise. */
  fullReason: string | null;
  /** The generation the day now is. */
  generation: number;
  /** Journal lines and bytes this pass read. */
  passLines: number;
  passBytes: number;
  journalFiles: number;
  journalBytes: number;
  threads: number;
  elapsedMs: number;
}

export const DEFAULT_MAX_LINE_BYTES = 16 << 20;
const DEFAULT_KEEP_GENERATIONS_MS = 10 * 60_000;
/** Parts of a channel written by incremental passes that are merged into one, so a live day stays a few dozen files. */
const ROLLUP_PARTS = 8;

/** Worker threads for validation: one per core, at most 4. */
export function defaultThreads(): number {
  return Math.min(4, Math.max(1, availableParallelism()));
}

/**
 * Compact one day (one pass). Throws CompactionError (DayBusyError when another process holds the
 * day) with a message starting with "<station> <date>: " when the day cannot be compacted at all.
 */
export async function compactDay(options: CompactDayOptions): Promise<CompactDayResult> {
  try {
    return await compactDayOrThrow(options);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // Node's own messages already start with their code ("ENOSPC: no space left on device, write").
    const code = err.code && !(e instanceof CompactionError) && !err.message.startsWith(`${err.code}:`) ? `${err.code}: ` : '';
    const message = `${options.station} ${options.date}: ${code}${err.message}`;
    const Kind = e instanceof DayBusyError ? DayBusyError : e instanceof NoJournalError ? NoJournalError : CompactionError;
    throw new Kind(message, { cause: e });
  }
}

async function compactDayOrThrow(options: CompactDayOptions): Promise<CompactDayResult> {
  const started = performance.now();
  const root = typeof options.dataRoot === 'string' ? new DataRoot(options.dataRoot) : options.dataRoot;
  const day: DayRef = { station_id: options.station, date: options.date };
  assertDayRef(day);
  const journalDir = root.journalDir(day);
  let paths: string[];
  try {
    paths = await listJournalFiles(journalDir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NoJournalError(`no journal (expected ${journalDir})`);
    throw new CompactionError(`cannot read the journal folder ${journalDir}: ${err.message}`);
  }
  const journal: Journal[] = await Promise.all(paths.map(async (path) => ({ path, name: journalName(path, root.root), size: (await stat(path)).size })));

  const gens = root.generationsDir(day);
  await mkdir(gens, { recursive: true });
  const release = await acquireLock(gens, options.onWarning);
  checkpoint('locked');
  try {
    await removeDeadBuilds(root, day);
    await removeStaleTemporaries(gens);
    await removeStaleTemporaries(root.parquetStationDir(day.station_id));
    const current = await readCurrent(root, day);
    const mode = options.tailMode ?? 'quarantine';
    let plan = await planPass(current, journal, options.rebuild ?? false);
    let outcome: PassOutcome;
    if (!plan.full && isUnchanged(plan, mode)) {
      if (!current!.linked) await switchDay(root, day, current!.generation);
      outcome = { manifest: current!.manifest, generation: current!.generation, spooled: null, pendingLines: 0, quarantinePath: await existingQuarantine(root, day), quarantinedByCode: codesOf(plan.state!), idsFile: plan.state!.ids.file };
    } else {
      try {
        outcome = await runPass(root, day, plan, mode, options, false).catch((e: unknown) => {
          if (e instanceof RepeatsEarlierPass) return runPass(root, day, plan, mode, options, true);
          throw e;
        });
      } catch (e) {
        if (!(e instanceof OrderChangedError)) throw e;
        plan = await planPass(current, journal, false, e.message);
        outcome = await runPass(root, day, plan, mode, options, false);
      }
    }
    await removeOldGenerations(root, day, outcome.generation, options.keepGenerationsMs ?? DEFAULT_KEEP_GENERATIONS_MS);
    for (const name of await readdirOrEmpty(gens)) if (/^ids-g\d+\.bin$/.test(name) && name !== outcome.idsFile) await rm(join(gens, name), { force: true });
    checkpoint('cleaned');
    return {
      station: day.station_id,
      date: day.date,
      manifest: outcome.manifest,
      manifestPath: root.manifestFile(day),
      quarantinePath: outcome.quarantinePath,
      quarantinedByCode: outcome.quarantinedByCode,
      pendingLines: outcome.pendingLines,
      reordered: CHANNELS.filter((ch) => outcome.spooled?.stats.get(ch)?.sorted === false),
      pass: outcome.spooled === null ? 'unchanged' : plan.full ? 'full' : 'incremental',
      fullReason: outcome.spooled !== null && plan.full ? plan.fullReason : null,
      generation: outcome.generation,
      passLines: outcome.spooled?.linesRead ?? 0,
      passBytes: outcome.spooled ? plan.inputs.reduce((n, f) => n + f.size - f.offset, 0) : 0,
      journalFiles: journal.length,
      journalBytes: journal.reduce((n, f) => n + f.size, 0),
      threads: outcome.spooled?.threads ?? 0,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await release();
  }
}

interface PassOutcome {
  manifest: Manifest;
  generation: number;
  spooled: SpoolResult | null;
  pendingLines: number;
  quarantinePath: string | null;
  quarantinedByCode: Partial<Record<QuarantineCode, number>>;
  /** The event-id log the day's state uses. */
  idsFile: string;
}

/** A channel's part as the manifest and the merges need it. */
interface Part extends WrittenPart {
  part: number;
}

function codesOf(state: DayState): Partial<Record<QuarantineCode, number>> {
  const codes = { ...state.quarantined_by_code } as Partial<Record<QuarantineCode, number>>;
  for (const js of state.journals) if (js.tail) codes[js.tail.code as QuarantineCode] = (codes[js.tail.code as QuarantineCode] ?? 0) + 1;
  return codes;
}

async function existingQuarantine(root: DataRoot, day: DayRef): Promise<string | null> {
  const path = join(root.quarantineDir(day), QUARANTINE_FILE);
  return (await stat(path).catch(() => null)) ? path : null;
}

/** Parts of the previous manifest, as the pass carries them. */
function previousParts(m: Manifest, ch: Channel): Part[] {
  const c = m.channels[ch];
  if (!c) return [];
  return c.parts.map((p) => {
    const groups = c.row_groups.filter((g) => g.part === p.part);
    return {
      part: p.part,
      rows: p.rows,
      bytes: p.bytes,
      minUs: microsFromIso(groups[0]?.min_ts ?? c.min_ts!),
      maxUs: microsFromIso(groups.at(-1)?.max_ts ?? c.max_ts!),
      rowGroups: groups.map((g) => ({ rows: g.rows, minUs: microsFromIso(g.min_ts), maxUs: microsFromIso(g.max_ts) })),
    };
  });
}

/** The pass's new lines repeat an event_id of an earlier pass: it runs again with every id of the day indexed. */
class RepeatsEarlierPass extends Error {}

/**
 * The day's event ids as the last pass in this process left them, by day (at most two days: a
 * live one and the one before): a compaction process that stays up between passes reuses them
 * instead of reading the event-id log, as long as the log is what they were written to.
 */
const idsKept = new Map<string, { file: string; count: number; reads: FirstReads }>();

/** An incremental pass with less than this to read validates on its own thread: starting a worker would cost more. */
const INLINE_BELOW_BYTES = 16 << 20;

async function runPass(root: DataRoot, day: DayRef, plan: Plan, mode: 'quarantine' | 'pending', options: CompactDayOptions, allIds: boolean): Promise<PassOutcome> {
  const timeZone = getStation(day.station_id).timeZone;
  const [startMs, endMs] = localDayBoundsUtc(day.date, timeZone);
  const partition: DayPartition = { station: day.station_id, date: day.date, startMs, endMs };
  const previous = plan.previous;
  const build = await beginBuild(root, day, previous?.generation ?? null);
  const workDir = join(build.dir, '.work');
  const stateDir = join(build.dir, STATE_DIR);
  await mkdir(workDir, { recursive: true });
  await mkdir(stateDir);
  let engine: Engine | null = null;
  try {
    const prior = plan.state ?? newState(`ids-g${build.generation}.bin`);
    const idsPath = join(root.generationsDir(day), prior.ids.file);
    const keptIdsKey = `${root.root}\n${day.station_id}\n${day.date}`;
    const kept = idsKept.get(keptIdsKey);
    idsKept.delete(keptIdsKey); // back only if this pass succeeds
    const reuse = plan.state !== null && kept !== undefined && kept.file === prior.ids.file && kept.count === prior.ids.count;
    const firstReads = reuse
      ? await kept.reads.continueWith(plan.journals)
      : plan.state && allIds
        ? await FirstReads.load(idsPath, prior.ids.count, plan.journals)
        : FirstReads.empty(plan.journals);
    const passQuarantine = `quarantine-g${build.generation}.ndjson`;
    const bytesTotal = plan.inputs.reduce((n, f) => n + f.size - f.offset, 0);
    const progress = (phase: CompactProgress['phase'], bytesDone: number, linesRead: number) =>
      options.onProgress?.({ station: day.station_id, date: day.date, phase, bytesDone, bytesTotal, linesRead });
    let spooled: SpoolResult;
    try {
      spooled = await spoolJournal({
        files: plan.inputs,
        firstReads,
        partition,
        workDir,
        quarantinePath: join(stateDir, passQuarantine),
        threads: plan.state && bytesTotal < INLINE_BELOW_BYTES ? 0 : (options.threads ?? defaultThreads()),
        tailMode: mode,
        maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
        chunkBytes: options.chunkBytes,
        onProgress: (bytesDone, linesRead) => progress('validate', bytesDone, linesRead),
        onWarning: options.onWarning,
      });
    } finally {
      await firstReads.close();
    }
    if (plan.state && !allIds && !reuse && (await firstReads.inLog(idsPath, prior.ids.count))) throw new RepeatsEarlierPass();
    checkpoint('spooled');

    progress('write', bytesTotal, spooled.linesRead);
    engine = await openEngine(workDir, options.engine);
    const parts = new Map<Channel, Part[]>();
    const passParts: DayState['pass_parts'] = structuredClone(prior.pass_parts);
    let nextPart = prior.next_part;
    const newPart = new Map<Channel, Part>();
    for (const [ch, stats] of spooled.stats) {
      const part = nextPart;
      await mkdir(join(build.dir, `ch=${ch}`), { recursive: true });
      const written = await writeChannelParquet(engine, ch, stats, join(build.dir, partFile(ch, part)), options.onWarning);
      newPart.set(ch, { part, ...written });
      if (part !== 0) (passParts[ch] ??= []).push(part);
    }
    if (spooled.stats.size > 0) nextPart++;
    checkpoint('parts-written');

    // The previous generation's parts and quarantine files, carried over as hard links.
    const carried = plan.state && previous ? prior.quarantine : [];
    for (const name of carried) await linkOrCopy(join(previous!.dir, STATE_DIR, name), join(stateDir, name));
    for (const ch of CHANNELS) {
      const old = plan.state && previous ? previousParts(previous.manifest, ch) : [];
      for (const p of old) {
        await mkdir(join(build.dir, `ch=${ch}`), { recursive: true });
        await linkOrCopy(join(previous!.dir, partFile(ch, p.part)), join(build.dir, partFile(ch, p.part)));
      }
      const all = [...old, ...(newPart.has(ch) ? [newPart.get(ch)!] : [])];
      if (all.length) parts.set(ch, all);
    }
    checkpoint('linked');

    // Markers and tokens, from the parts as they are (a merge below changes files, not rows).
    const sourceOf = (ch: Channel, list = parts.get(ch)) =>
      list?.length ? `read_parquet([${list.map((p) => sqlString(join(build.dir, partFile(ch, p.part)))).join(', ')}], hive_partitioning = false)` : undefined;
    const fresh = (ch: Channel) => (newPart.has(ch) ? sourceOf(ch, [newPart.get(ch)!]) : undefined);
    const l2 = parts.get('l2_snap_1s');
    const derived = await deriveMarkers(engine.query, {
      sources: { metar_obs: sourceOf('metar_obs'), event_windows: sourceOf('event_windows'), l2_snap_1s: sourceOf('l2_snap_1s'), book_events: sourceOf('book_events') },
      shockThreshold: options.shockThreshold,
      snapshotsUptoUs: l2 ? Math.max(...l2.map((p) => p.maxUs)) : null,
      previous:
        plan.state && previous
          ? {
              markers: previous.manifest.markers,
              shocks: prior.shocks,
              changed: new Set(MARKER_SOURCES.filter((ch) => newPart.has(ch))),
              newSnapshotsFromUs: newPart.get('l2_snap_1s')?.minUs ?? null,
            }
          : undefined,
    });
    const tokenFacts = await addTokenFacts(engine.query, prior.token_facts, { l2_snap_1s: fresh('l2_snap_1s'), nowcast_1m: fresh('nowcast_1m'), markets: fresh('markets') });
    const markets = plan.state && previous && !newPart.has('markets') ? previous.manifest.markets : await deriveMarkets(engine.query, sourceOf('markets'));

    // A closed day becomes one part-0000 per channel; a live one merges its pass parts now and then.
    const merge = async (ch: Channel, which: Part[], into: number): Promise<void> => {
      const temp = join(build.dir, `ch=${ch}`, `.merge-${into}.parquet`);
      const written = await mergeParts(engine!, ch, which.map((p) => ({ path: join(build.dir, partFile(ch, p.part)), rows: p.rows, minUs: p.minUs, maxUs: p.maxUs })), temp);
      for (const p of which) await rm(join(build.dir, partFile(ch, p.part)));
      await rename(temp, join(build.dir, partFile(ch, into)));
      parts.set(ch, [...parts.get(ch)!.filter((p) => !which.includes(p)), { part: into, ...written }]);
    };
    if (mode === 'quarantine') {
      for (const [ch, list] of parts) {
        if (list.length > 1) await merge(ch, list, 0);
        else if (list[0]!.part !== 0) {
          await rename(join(build.dir, partFile(ch, list[0]!.part)), join(build.dir, partFile(ch, 0)));
          parts.set(ch, [{ ...list[0]!, part: 0 }]);
        }
      }
      for (const ch of Object.keys(passParts) as Channel[]) delete passParts[ch];
      nextPart = 1;
    } else {
      const due = (Object.entries(passParts) as [Channel, number[]][]).filter(([, numbers]) => numbers.length >= ROLLUP_PARTS);
      for (const [ch, numbers] of due) {
        await merge(ch, parts.get(ch)!.filter((p) => numbers.includes(p.part)), nextPart);
        delete passParts[ch];
      }
      if (due.length) nextPart++;
    }
    checkpoint('merged');
    engine.close();
    engine = null;

    // The state and manifest of the new generation.
    const tails: { file: string; rejected: Rejected }[] = [];
    const journals: JournalState[] = [];
    for (const [index, known] of plan.journals.entries()) {
      const read = spooled.progress.find((p) => p.index === index);
      const was = prior.journals[index];
      const js: JournalState = read
        ? { name: known.name, offset: read.offset, line: read.line, before: '', ended_open: read.endedOpen, tail: read.tail, tail_end: read.tailEnd }
        : (was ?? { name: known.name, offset: 0, line: 1, before: '', ended_open: false, tail: null, tail_end: 0 });
      if (read || !was) js.before = await bytesBefore(known.path, js.offset);
      journals.push(js);
      if (js.tail) tails.push({ file: known.name, rejected: js.tail as Rejected });
    }
    const newCodes = { ...prior.quarantined_by_code } as Record<string, number>;
    for (const [code, n] of Object.entries(spooled.quarantinedByCode)) newCodes[code] = (newCodes[code] ?? 0) + n!;
    const tailLines = spooled.progress.filter((p) => p.tail).length;
    const base = prior.counts;
    const stats = [...spooled.stats.values()];
    const state: DayState = {
      ...prior,
      ids: { file: prior.ids.file, count: await firstReads.appendTo(idsPath, prior.ids.count) },
      journals,
      next_part: nextPart,
      pass_parts: passParts,
      counts: {
        lines_read: base.lines_read + spooled.linesRead - tailLines,
        blank_lines: base.blank_lines + spooled.blankLines,
        duplicates: base.duplicates + spooled.duplicates,
        quarantined: base.quarantined + spooled.quarantined,
        upgraded: base.upgraded + stats.reduce((n, s) => n + s.upgraded, 0),
      },
      quarantined_by_code: newCodes,
      quarantine: [...carried, ...(spooled.quarantined > 0 ? [passQuarantine] : [])],
      shocks: derived.shocks,
      token_facts: tokenFacts,
    };
    if (spooled.quarantined === 0) await rm(join(stateDir, passQuarantine), { force: true });

    const channels: Partial<Record<Channel, ChannelManifest>> = {};
    for (const [ch, list] of parts) {
      const sorted = [...list].sort((a, b) => a.minUs - b.minUs || a.part - b.part);
      const versions = new Map<string, number>(Object.entries(plan.state && previous ? (previous.manifest.channels[ch]?.schema_versions ?? {}) : {}));
      for (const [v, n] of spooled.stats.get(ch)?.versions ?? []) versions.set(String(v), (versions.get(String(v)) ?? 0) + n);
      channels[ch] = {
        rows: sorted.reduce((n, p) => n + p.rows, 0),
        min_ts: isoFromMicros(Math.min(...sorted.map((p) => p.minUs))),
        max_ts: isoFromMicros(Math.max(...sorted.map((p) => p.maxUs))),
        bytes: sorted.reduce((n, p) => n + p.bytes, 0),
        schema_versions: Object.fromEntries([...versions].sort((x, y) => Number(x[0]) - Number(y[0]))),
        parts: sorted.map((p) => ({ part: p.part, file: partFile(ch, p.part), rows: p.rows, bytes: p.bytes })),
        row_groups: sorted.flatMap((p) => p.rowGroups.map((g) => ({ part: p.part, rows: g.rows, min_ts: isoFromMicros(g.minUs), max_ts: isoFromMicros(g.maxUs) }))),
      };
    }
    const eventsWritten = Object.values(channels).reduce((n, c) => n + c.rows, 0);
    const manifest: Manifest = {
      manifest_version: MANIFEST_VERSION,
      generation: build.generation,
      closed: mode === 'quarantine',
      station_id: day.station_id,
      date: day.date,
      time_zone: timeZone,
      day_start_utc: new Date(startMs).toISOString(),
      day_end_utc: new Date(endMs).toISOString(),
      generated_at: new Date((options.now ?? Date.now)()).toISOString(),
      totals: {
        lines_read: state.counts.lines_read + tails.length,
        blank_lines: state.counts.blank_lines,
        events_written: eventsWritten,
        duplicates_dropped: state.counts.duplicates,
        quarantined: state.counts.quarantined + tails.length,
        upgraded: state.counts.upgraded,
      },
      tokens: tokensOf(tokenFacts),
      markets,
      channels,
      markers: derived.markers,
    };
    const checked = manifestSchema.safeParse(manifest);
    if (!checked.success) throw new CompactionError(`internal error: manifest does not match its schema: ${describeZodError(checked.error)}`);
    if (manifest.totals.lines_read !== eventsWritten + manifest.totals.duplicates_dropped + manifest.totals.quarantined) {
      throw new CompactionError(`internal error: ${manifest.totals.lines_read} lines read but ${eventsWritten} written + ${manifest.totals.duplicates_dropped} duplicates + ${manifest.totals.quarantined} quarantined`);
    }

    await rm(workDir, { recursive: true, force: true });
    await writeFile(join(stateDir, STATE_FILE), stateJson(state));
    await writeFile(join(build.dir, '_manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await syncBuild(build, parts, state);
    checkpoint('manifest-written');

    const generationDir = await publishBuild(root, day, build);
    checkpoint('generation-renamed');
    await switchDay(root, day, build.generation);
    checkpoint('switched');

    const quarantinePath = await publishQuarantine(
      root.quarantineDir(day),
      state.quarantine.map((name) => join(generationDir, STATE_DIR, name)),
      tails,
    );
    checkpoint('quarantine-published');
    idsKept.set(keptIdsKey, { file: state.ids.file, count: state.ids.count, reads: firstReads });
    for (const key of [...idsKept.keys()].slice(0, -2)) idsKept.delete(key);
    return { manifest, generation: build.generation, spooled, pendingLines: spooled.pendingLines, quarantinePath, quarantinedByCode: codesOf(state), idsFile: state.ids.file };
  } finally {
    engine?.close();
    await rm(build.dir, { recursive: true, force: true });
  }
}

/** fsync every file of the build and the folders holding them. */
async function syncBuild(build: Build, parts: Map<Channel, Part[]>, state: DayState): Promise<void> {
  const files = [join(build.dir, '_manifest.json'), join(build.dir, STATE_DIR, STATE_FILE), ...state.quarantine.map((n) => join(build.dir, STATE_DIR, n))];
  for (const [ch, list] of parts) for (const p of list) files.push(join(build.dir, partFile(ch, p.part)));
  await Promise.all(files.map(fsyncFile));
  await Promise.all([...[...parts.keys()].map((ch) => join(build.dir, `ch=${ch}`)), join(build.dir, STATE_DIR), build.dir].map(fsyncDir));
}

/** Up to 32 bytes of the file before `offset`, base64 (to notice a rewritten journal). */
async function bytesBefore(path: string, offset: number): Promise<string> {
  const n = Math.min(32, offset);
  if (n === 0) return '';
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(n);
    await handle.read(bytes, 0, n, offset - n);
    return bytes.toString('base64');
  } finally {
    await handle.close();
  }
}
