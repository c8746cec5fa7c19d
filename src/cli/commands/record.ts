/**
 * `helios record`: record a source into a data root's journal.
 *   --source sim (default)   the embedded simulator; `--day` synthesizes a whole past local day as
 *                            fast as possible, `--speed max` a slice of today, `--speed N` (default
 *                            1) records live at N× virtual speed until `--for` or a signal.
 *   --config FILE            the real sources a sources config turns on, live (wall time) until
 *                            `--for` or a signal; every upstream frame is also kept in <data>/raw.
 *   --source capture:DIR     a raw capture played back through the recorder, as fast as possible.
 */
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error';
import { dataRootToWrite } from '../data-root-arg';
import type { Command } from './command';
import type { WriteFailure } from '../../services/recorder/journal-writer';
import { recordDay, startRecording, type SessionStats } from '../../services/recorder/session';
import { SimulatorSource } from '../../services/sources/simulator';
import { DEFAULT_STATION, getStation } from '../../shared/stations';
import { DATE_PATTERN, localDayBoundsUtc, stationDate } from '../../shared/time';
import type { DataRoot } from '../../services/data-root';
import { readRecordingConfig, type RecordingConfigInput } from '../../services/recorder/config';
import { recordCapture } from '../../services/sources/capture/capture-source';
import { loadSourcesConfig, SourcesConfigError } from '../../services/sources/config';
import { LiveSources } from '../../services/sources/live-sources';
import type { SourceStatus } from '../../services/sources/source';
import type { AnyEvent } from '../../shared/schemas';
import packageJson from '../../../package.json';

const usage = `usage: npm run -s helios -- record --data DIR (--source sim [options] | --config FILE [--for 30s] | --source capture:DIR)

Records a source into DIR/journal/station=<S>/date=<D>/*.ndjson (D = station-local date).

  --data DIR          data root (created if missing, and said so; a file or a folder of
                      other things is refused)
  --config FILE       the real sources of a sources config (see config/sources.example.json):
                      Polymarket, METAR, PWS, the HELIOS model ingest endpoint. Live, until --for
                      (wall time) or Ctrl-C; upstream frames and responses also go to DIR/raw/
  --source sim        the embedded simulator (the default without --config)
  --source capture:D  play the raw capture under D (a day, a station or a whole DIR/raw folder)
                      back through the recorder, as fast as possible
  --for DURATION      how long to record: 500ms, 30s, 15m, 2h (simulator: recorded time; --config:
                      wall time; default: until Ctrl-C / SIGTERM; with --day: the whole day)
  --speed N|max       simulator: virtual-clock speed of a live recording (default 1); max =
                      synthesize [now, now + --for) as fast as possible
  --day YYYY-MM-DD    simulator: synthesize that whole station-local day as fast as possible (with
                      --speed N: play it from its local midnight at N× instead)
  --seed N            simulator seed (default 1)
  --station ID        station (default KLGA; a capture says its own)
  --tokens N          bucket tokens in the simulated market, 6–12 (default 8)
  --progress          print a progress line every second (max speed: every 15 recorded minutes)
  --settings FILE     recording settings (JSON: window lengths, trigger thresholds, journal, …;
                      see src/services/recorder/config.ts; e.g. a setting copied from \`helios sweep\`)
  --clickhouse URL    also stream to ClickHouse: http://[user@]host:port[/database] (password from
                      $HELIOS_CLICKHOUSE_PASSWORD); batches wait in DIR/spool/clickhouse while the
                      server is down (see helios clickhouse)

SIGINT / SIGTERM stop the recording cleanly (flushed, files closed). Prints a one-line summary.`;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new CliError(`--for: expected a duration like 30s, 15m, 2h or 500ms, got "${text}"`);
  const ms = Number(m[1]) * UNITS[m[2] ?? 's']!;
  if (!(ms > 0)) throw new CliError(`--for must be positive, got "${text}"`);
  return ms;
}

function describeDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 6000) / 10}m`;
  return `${Math.round(ms / 360_000) / 10}h`;
}

/** `sources clob=connected metar=failing(HTTP 503; retry in 60 s) pws=not_configured;` (nothing when there are none) */
function sourcesPart(statuses: readonly SourceStatus[]): string[] {
  if (statuses.length === 0) return [];
  return [`sources ${statuses.map((s) => `${s.source}=${s.state}${s.state === 'failing' && s.detail ? `(${s.detail})` : ''}`).join(' ')};`];
}

export function summaryLine(stats: SessionStats, mode: string): string {
  const events = Object.entries(stats.recorder.events).filter(([, n]) => n > 0);
  const total = events.reduce((sum, [, n]) => sum + n, 0);
  const dropped = Object.entries(stats.journal.dropped).filter(([, n]) => n > 0);
  const droppedTotal = dropped.reduce((sum, [, n]) => sum + n, 0);
  const rejected = Object.values(stats.recorder.rejected).reduce((sum, n) => sum + (n ?? 0), 0);
  const files = stats.journal.files.filter((f) => f.endsWith('.ndjson'));
  const j = stats.journal;
  const parts = [
    `recorded ${describeDuration(stats.now_ms - stats.started_ms)} of ${stats.station_id} (${mode}):`,
    `${total} events (${events.map(([ch, n]) => `${ch}=${n}`).join(' ')});`,
    `written ${j.events_written} (${j.bytes_written} bytes on disk${j.cut_line_bytes > 0 ? `, the last ${j.cut_line_bytes} of them a line cut off by the failed write` : ''});`,
    ...(j.unwritten_events > 0 ? [`NOT WRITTEN ${j.unwritten_events} (the disk never took them);`] : []),
    `dropped ${droppedTotal}${dropped.length ? ` (${dropped.map(([ch, n]) => `${ch}=${n}`).join(' ')})` : ''};`,
    `rejected ${rejected};`,
    `windows ${stats.recorder.windows}; gaps ${stats.recorder.gaps}; resyncs ${stats.recorder.resyncs};`,
    ...sourcesPart(stats.sources),
    `${files.length} file(s): ${files.join(', ')}`,
  ];
  if (j.write_errors > 0) parts.push(`; WRITE ERRORS ${j.write_errors}: ${j.last_error}`);
  if (stats.errors > 0) parts.push(`; ${stats.errors} recorder error(s), see above`);
  return parts.join(' ');
}

/** Printed the moment journal writes start failing (saying what happens `meanwhile`), and when they work again. */
export function writeFailureLine(failure: WriteFailure | null, meanwhile: string): string {
  return failure ? `record: WRITE FAILING (${failure.code}): ${failure.message} — ${meanwhile}; retrying every second` : 'record: writing again';
}

function progressLine(stats: SessionStats): string {
  const total = Object.values(stats.recorder.events).reduce((a, b) => a + b, 0);
  const dropped = Object.values(stats.journal.dropped).reduce((a, b) => a + b, 0);
  return [`progress at=${new Date(stats.now_ms).toISOString()} events=${total} enqueued=${total - dropped} written=${stats.journal.events_written} dropped=${dropped}`, ...sourcesPart(stats.sources)].join(' ');
}

async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        source: { type: 'string' },
        config: { type: 'string' },
        data: { type: 'string' },
        for: { type: 'string' },
        speed: { type: 'string' },
        day: { type: 'string' },
        seed: { type: 'string', default: '1' },
        station: { type: 'string' },
        tokens: { type: 'string', default: '8' },
        progress: { type: 'boolean', default: false },
        settings: { type: 'string' },
        clickhouse: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${usage}`);
  }
  if (!values.data) throw new CliError(`--data DIR is required\n\n${usage}`);
  const forMsOf = () => (values.for !== undefined ? parseDuration(values.for) : undefined);
  let config: RecordingConfigInput | undefined;
  try {
    config = values.settings === undefined ? undefined : await readRecordingConfig(values.settings);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const common = { data: values.data, settings: config, clickhouse: values.clickhouse };
  if (values.config !== undefined) {
    if (values.source !== undefined) throw new CliError('--config records the sources it configures: leave out --source');
    if (values.day !== undefined || values.speed !== undefined) throw new CliError('--day and --speed are for the simulator; --config records live, in wall time');
    return recordSources(values.config, forMsOf(), values.progress, common);
  }
  const capture = /^capture:(.+)$/.exec(values.source ?? '')?.[1];
  if (capture !== undefined) {
    if (values.for !== undefined) throw new CliError('--for does not apply to a capture: it is played back whole');
    return playCapture(capture, values.station, common);
  }
  if ((values.source ?? 'sim') !== 'sim') throw new CliError(`--source: expected sim or capture:DIR, got "${values.source}"`);
  let station: string;
  try {
    station = getStation(values.station ?? DEFAULT_STATION).id;
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
  const tokens = Number(values.tokens);
  if (!Number.isInteger(tokens) || tokens < 6 || tokens > 12) throw new CliError(`--tokens must be an integer 6–12, got "${values.tokens}"`);
  const forMs = forMsOf();
  const speedText = values.speed ?? (values.day !== undefined ? 'max' : '1');
  const speed = speedText === 'max' ? 'max' : Number(speedText);
  if (speed !== 'max' && !(speed > 0 && speed <= 10_000)) throw new CliError(`--speed must be a number in (0, 10000] or "max", got "${speedText}"`);
  if (values.day !== undefined && !DATE_PATTERN.test(values.day)) throw new CliError(`--day must be YYYY-MM-DD, got "${values.day}"`);
  if (speed === 'max' && values.day === undefined && forMs === undefined) throw new CliError('--speed max needs --for (or use --day for a whole day)');
  const dataRoot = await dataRootToWrite('record', values.data);

  return withClickHouse(values.clickhouse, dataRoot, (onEvent) => withSignals(async (abort) => {
    if (speed === 'max') {
      // Synthesis as fast as possible, by message time.
      let from: number;
      let to: number;
      let date: string;
      if (values.day !== undefined) {
        date = values.day;
        const [start, end] = localDayBoundsUtc(date, getStation(station).timeZone);
        from = start;
        to = forMs !== undefined ? Math.min(end, start + forMs) : end;
      } else {
        from = Date.now();
        date = stationDate(from, station);
        const [, end] = localDayBoundsUtc(date, getStation(station).timeZone);
        to = Math.min(end, from + forMs!); // --for was required above; the simulator makes one local day at a time
      }
      const stats = await recordDay({
        dataRoot,
        source: (scheduler) => new SimulatorSource({ station, seed, tokens, date, start: from, to, speed: Infinity, scheduler }),
        startMs: from,
        endMs: to,
        config,
        signal: abort.signal,
        progressEveryMs: values.progress ? 15 * 60_000 : undefined,
        onProgress: values.progress ? (s) => console.log(progressLine(s)) : undefined,
        onWriteFailure: (f) => console.error(writeFailureLine(f, 'the synthesis waits for the disk')),
        onEvent,
      });
      console.log(summaryLine(stats, values.day !== undefined ? `day ${date}, seed ${seed}, max speed` : `seed ${seed}, max speed`));
      return stats.journal.write_errors > 0 ? 1 : 0;
    }

    // Live: the simulator on a virtual clock at `speed` (from now, or from the day's local midnight).
    const source = new SimulatorSource({ station, seed, tokens, speed, ...(values.day !== undefined ? { date: values.day } : {}) });
    const session = await startRecording({
      dataRoot,
      source,
      clock: source.clock,
      config,
      onEvent,
      onWriteFailure: (f) => console.error(writeFailureLine(f, 'recording goes on in memory, shedding by policy')),
    });
    const started = source.clock.now();
    const progress = values.progress ? setInterval(() => console.log(progressLine(session.stats())), 1000) : null;
    let dayOver = false; // the simulator covers one local day
    source.finished.then(
      () => (dayOver = true),
      () => (dayOver = true),
    );
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (abort.signal.aborted || dayOver || (forMs !== undefined && source.clock.now() - started >= forMs)) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    if (progress) clearInterval(progress);
    const stats = await session.stop();
    console.log(summaryLine(stats, `seed ${seed}, ${speed}x`));
    return stats.journal.write_errors > 0 || stats.errors > 0 ? 1 : 0;
  }));
}

/** Run `work` with SIGINT / SIGTERM turned into an abort signal. */
async function withSignals(work: (abort: AbortController) => Promise<number>): Promise<number> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work(abort);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Run `work` with its events also streamed to ClickHouse when `--clickhouse URL` is given; the sink is drained after. */
async function withClickHouse(url: string | undefined, dataRoot: DataRoot, work: (onEvent: ((event: AnyEvent) => void) | undefined) => Promise<number>): Promise<number> {
  const sink = url ? await startClickHouseSink(url, dataRoot) : null;
  try {
    return await work(sink ? (event) => sink.push(event) : undefined);
  } finally {
    if (sink) {
      const s = await sink.stop({ drainMs: 30_000 });
      console.log(
        `clickhouse: sent ${s.sent_rows} rows in ${s.sent_batches} batches${s.spooled_batches ? `; ${s.spooled_batches} batch(es) left in ${dataRoot.clickhouseSpoolDir()} for the next run` : ''}${s.dropped_rows ? `; ${s.dropped_rows} rows dropped (spool full)` : ''}${s.rejected_batches ? `; ${s.rejected_batches} batch(es) refused, see the spool's rejected/` : ''}`,
      );
    }
  }
}

/** Wait until `forMs` of wall time has passed or the signal fires. */
function recordUntil(signal: AbortSignal, forMs: number | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = forMs === undefined ? null : setTimeout(resolve, forMs);
    signal.addEventListener('abort', () => {
      if (timer) clearTimeout(timer);
      resolve();
    });
  });
}

/** What every way of recording takes: the data root, recording settings (`--settings`), a ClickHouse URL. */
interface RecordCommon {
  /** The --data folder (created once the rest of the command is known to be right). */
  data: string;
  settings: RecordingConfigInput | undefined;
  clickhouse: string | undefined;
}

async function recordSources(file: string, forMs: number | undefined, progress: boolean, { data, settings, clickhouse }: RecordCommon): Promise<number> {
  let config;
  try {
    config = await loadSourcesConfig(file);
  } catch (e) {
    if (e instanceof SourcesConfigError) throw new CliError(e.message);
    throw e;
  }
  const dataRoot = await dataRootToWrite('record', data);
  return withClickHouse(clickhouse, dataRoot, (onEvent) => withSignals(async (abort) => {
    let sources: LiveSources;
    try {
      sources = await LiveSources.create({ config, dataRoot, version: packageJson.version, log: (_level, message) => console.error(`sources: ${message}`) });
    } catch (e) {
      throw new CliError(`could not start the sources: ${(e as Error).message}`, 1);
    }
    const session = await startRecording({
      dataRoot,
      source: sources,
      clock: sources.clock,
      config: settings,
      onEvent,
      onWriteFailure: (f) => console.error(writeFailureLine(f, 'recording goes on in memory, shedding by policy')),
    });
    if (sources.ingestPort !== null) console.error(`sources: model ingest on ws://127.0.0.1:${sources.ingestPort}/`);
    const ticker = progress ? setInterval(() => console.log(progressLine(session.stats())), 1000) : null;
    await recordUntil(abort.signal, forMs);
    if (ticker) clearInterval(ticker);
    const stats = await session.stop(); // the states in its summary are those while recording (a stopping source tells the recorder nothing more)
    console.log(summaryLine(stats, `sources ${file}`));
    return stats.journal.write_errors > 0 || stats.errors > 0 ? 1 : 0;
  }));
}

async function playCapture(dir: string, station: string | undefined, { data, settings, clickhouse }: RecordCommon): Promise<number> {
  const dataRoot = await dataRootToWrite('record', data);
  return withClickHouse(clickhouse, dataRoot, (onEvent) => withSignals(async (abort) => {
    let result;
    try {
      result = await recordCapture({
        dir,
        dataRoot,
        station,
        config: settings,
        signal: abort.signal,
        onEvent,
        onWriteFailure: (f) => console.error(writeFailureLine(f, 'the playback waits for the disk')),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || /no raw capture|cannot tell the station|several stations|unknown station/.test((e as Error).message)) {
        throw new CliError((e as Error).message);
      }
      throw e;
    }
    console.log(summaryLine(result.stats, `capture ${dir}, ${result.summary.files.length} file(s)`));
    return result.stats.journal.write_errors > 0 ? 1 : 0;
  }));
}

async function startClickHouseSink(url: string, dataRoot: DataRoot) {
  const { ClickHouseSink, clickhouseConfigFromUrl } = await import('../../services/clickhouse');
  let config;
  try {
    config = clickhouseConfigFromUrl(url);
  } catch (e) {
    throw new CliError(`--clickhouse: ${(e as Error).message}`);
  }
  const sink = new ClickHouseSink({ config, spoolDir: dataRoot.clickhouseSpoolDir(), log: (level, message) => console.error(`clickhouse ${level}: ${message}`) });
  await sink.start();
  return sink;
}

export const recordCommand: Command = {
  name: 'record',
  summary: 'record the simulator, the real sources (--config) or a raw capture into a data root journal',
  usage,
  run,
};
