/**
 * The live side of the app, as one plain Node service (the desktop app runs it in its recorder
 * utility process, `npm run web` in its own process): LIVE recorded into a data root, the current
 * day compacted periodically (and the previous day finally after local midnight), and one LiveFeed
 * for the UI that stays valid across the midnight rollover and a switch of sources.
 *
 * LIVE runs either the embedded simulator or the real sources of a sources config (LiveSources:
 * Polymarket, METAR, PWS, the model ingest), and can be switched between them while running
 * (`switchSources`). A simulated market covers one station-local day, so at midnight the
 * simulator's recording is closed and the next day's starts; the real sources follow the day
 * themselves (discovery lists the new day's markets, the journal splits by date). Subscribers are
 * moved over and get the new recording's hello + backfill.
 */
import { startPeriodicCompaction } from './compactor';
import { retentionPolicySchema, startDailyRetention, type RetentionPolicyInput } from './retention';
import type { ClickHouseConfigInput } from './clickhouse';
import { DataRoot } from './data-root';
import { ensureDemoData } from './demo';
import type { LiveFeed } from './live-feed';
import { startRecording, type RecordingSession } from './recorder';
import type { WriteFailure } from './recorder/journal-writer';
import type { AnyEvent } from '../shared/schemas';
import { resolveSourcesConfig } from './sources/config';
import { LiveSources } from './sources/live-sources';
import { SimulatorSource } from './sources/simulator';
import type { SourceStatus } from './sources/source';
import type { LiveSourcesState, SourcesConfigInput } from '../shared/sources-config';
import type { ChannelGroup } from '../shared/channels';
import type { ServerMessage } from '../shared/protocol';
import { localDayBoundsUtc, stationDate } from '../shared/time';
import { getStation } from '../shared/stations';

export const LIVE_STATION = 'KLGA';
/** How often the current day is compacted again, so today is replayable while it is recorded. */
export const COMPACT_EVERY_MS = 10 * 60_000;

export interface LiveStartOptions {
  data_root: string;
  /**
   * Synthesize a demo past day first when the root has no compacted day (blocks until done; the
   * desktop app synthesizes in a separate process instead and passes false).
   */
  demo?: boolean;
  station?: string;
  /** Compaction interval; default COMPACT_EVERY_MS. */
  compact_every_ms?: number;
  /** Instant the simulated live clock starts at (UTC ms); default now. Tests start near midnight. */
  start_ms?: number;
  /** What to record; default the simulator. */
  sources?: LiveSourcesChoice;
  /** App version, for the real sources' User-Agent. */
  version?: string;
  /** Run retention daily with this policy (docs/spec.md §8 defaults for what it leaves out); absent = never. */
  retention?: RetentionPolicyInput;
  /** Also stream what is recorded to ClickHouse (off when absent). */
  clickhouse?: ClickHouseConfigInput;
}

/** The simulator, or the real sources of a config with its secrets (by environment variable name). */
export type LiveSourcesChoice = { kind: 'simulator' } | { kind: 'real'; config: SourcesConfigInput; secrets: Record<string, string> };

export type LiveLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface LiveSession {
  station_id: string;
  feed: LiveFeed;
  /** What runs and the state of each upstream. */
  sources(): LiveSourcesState;
  /** Called when `sources()` changes; returns an unsubscribe function. */
  onSources(listener: (state: LiveSourcesState) => void): () => void;
  /** Stop what runs and record `choice` instead; rejects (recording nothing) when it cannot start. */
  switchSources(choice: LiveSourcesChoice): Promise<void>;
  stop(): Promise<void>;
}

const SIMULATOR_STATUS = (at_ms: number): SourceStatus => ({ source: 'simulator', state: 'connected', detail: 'the embedded KLGA simulator', at_ms });

/**
 * A LiveFeed whose source can be swapped: subscribers stay subscribed and are re-attached to the
 * new feed (which greets them with its own hello and backfill).
 */
export class RelayFeed implements LiveFeed {
  private current: LiveFeed | null = null;
  private readonly subscriptions = new Set<{
    groups: readonly ChannelGroup[];
    listener: (message: ServerMessage) => void;
    detach: (() => void) | null;
  }>();

  subscribe(groups: readonly ChannelGroup[], listener: (message: ServerMessage) => void): () => void {
    const sub = { groups, listener, detach: this.current?.subscribe(groups, listener) ?? null };
    this.subscriptions.add(sub);
    return () => {
      if (!this.subscriptions.delete(sub)) return;
      sub.detach?.();
    };
  }

  switchTo(feed: LiveFeed): void {
    this.current = feed;
    for (const sub of this.subscriptions) {
      sub.detach?.();
      sub.detach = feed.subscribe(sub.groups, sub.listener);
    }
  }
}

export async function startLiveSession(options: LiveStartOptions, log: LiveLog): Promise<LiveSession> {
  const dataRoot = new DataRoot(options.data_root);
  const station = getStation(options.station ?? LIVE_STATION);
  if (options.demo) {
    const demo = await ensureDemoData(dataRoot, { station: station.id, onProgress: (m) => log('info', `demo: ${m}`) });
    if (demo.created) log('info', `demo day ${demo.station_id} ${demo.date} synthesized`);
  }

  let sink: import('./clickhouse').ClickHouseSink | null = null;
  if (options.clickhouse) {
    const { ClickHouseSink, clickhouseConfigSchema } = await import('./clickhouse'); // only when configured
    sink = new ClickHouseSink({ config: clickhouseConfigSchema.parse(options.clickhouse), spoolDir: dataRoot.clickhouseSpoolDir(), log: (level, m) => log(level, `clickhouse: ${m}`) });
    await sink.start();
  }

  const feed = new RelayFeed();
  let stopped = false;
  let recording: RecordingSession | null = null;
  let rolling: Promise<void> | null = null;
  /** Bumped on every switch: a simulator day ending after a switch must not roll over. */
  let generation = 0;
  let state: LiveSourcesState = { kind: options.sources?.kind ?? 'simulator', statuses: [], error: null };
  const listeners = new Set<(state: LiveSourcesState) => void>();
  const publish = (next: LiveSourcesState) => {
    state = next;
    for (const l of listeners) l(state);
  };

  /** Where every recording's events also go, and how a failing journal is reported. */
  const outputs = {
    onEvent: sink ? (e: AnyEvent) => sink!.push(e) : undefined,
    onWriteFailure: (f: WriteFailure | null) => (f ? log('error', `journal writes failing (${f.code}): ${f.message}`) : log('info', 'journal writes work again')),
  };

  /** Record the simulated market of the local day that contains `startMs`, until its end. */
  const recordDayFrom = async (startMs: number, gen: number): Promise<void> => {
    const source = new SimulatorSource({ station: station.id, start: startMs, speed: 1 });
    recording = await startRecording({ dataRoot, source, clock: source.clock, ...outputs });
    feed.switchTo(recording.feed);
    publish({ kind: 'simulator', statuses: [SIMULATOR_STATUS(Date.now())], error: null });
    log('info', `recording ${station.id} ${stationDate(startMs, station.id)} (simulator, ${source.info.tokens.length} tokens)`);
    const [, dayEnd] = localDayBoundsUtc(stationDate(startMs, station.id), station.timeZone);
    source.finished.then(
      // the day's market ends at local midnight: the next day's starts there
      () => rollOver(dayEnd, gen),
      (e: unknown) => {
        log('error', `the simulator failed: ${(e as Error).message}; restarting the recording`);
        rollOver(Math.min(source.clock.now(), dayEnd - 1), gen);
      },
    );
  };

  const rollOver = (nextStartMs: number, gen: number): void => {
    if (stopped || gen !== generation) return;
    rolling = (async () => {
      await recording?.stop();
      if (stopped || gen !== generation) return;
      await recordDayFrom(nextStartMs, gen);
      if (stopped) await recording?.stop(); // stop() came while the next day was starting
    })()
      .catch((e: unknown) => log('error', `could not start the next recording: ${(e as Error).message}`))
      .finally(() => {
        rolling = null;
      });
  };

  const recordReal = async (choice: Extract<LiveSourcesChoice, { kind: 'real' }>): Promise<void> => {
    const config = resolveSourcesConfig(choice.config, choice.secrets);
    if (config.station !== station.id) throw new Error(`the sources config records ${config.station}; LIVE records ${station.id}`);
    let sources: LiveSources | null = null;
    const statuses = () => sources && publish({ kind: 'real', statuses: sources.statuses(), error: null });
    sources = await LiveSources.create({
      config,
      dataRoot,
      version: options.version,
      log: (level, message) => log(level, `sources: ${message}`),
      onStatus: () => statuses(),
    });
    recording = await startRecording({ dataRoot, source: sources, clock: sources.clock, ...outputs });
    feed.switchTo(recording.feed);
    statuses();
    log('info', `recording ${station.id} live from the real sources (${sources.info.tokens.length} tokens so far)`);
  };

  const start = async (choice: LiveSourcesChoice): Promise<void> => {
    const gen = ++generation;
    await rolling;
    await recording?.stop();
    recording = null;
    try {
      if (choice.kind === 'simulator') await recordDayFrom(options.start_ms ?? Date.now(), gen);
      else await recordReal(choice);
    } catch (e) {
      publish({ kind: choice.kind, statuses: [], error: (e as Error).message });
      throw e;
    }
  };

  const first = options.sources ?? { kind: 'simulator' };
  // Real sources that cannot start leave LIVE idle with the reason (the user can fix or switch); the simulator must start.
  await start(first).catch((e: unknown) => {
    if (first.kind === 'simulator') throw e;
    log('error', `the real sources did not start: ${(e as Error).message}`);
  });
  const compaction = startPeriodicCompaction({
    dataRoot,
    station: station.id,
    everyMs: options.compact_every_ms ?? COMPACT_EVERY_MS,
    onCompacted: (r, kind) =>
      log('info', `compacted ${r.station} ${r.date} (${kind}): ${r.manifest.totals.events_written} events in ${Math.round(r.elapsedMs)} ms`),
    onError: (e, date) => log('error', `compacting ${station.id} ${date} failed: ${e.message}`),
    onWarning: (m, date) => log('warn', `compacting ${station.id} ${date}: ${m}`),
  });

  const retention = options.retention
    ? startDailyRetention({
        dataRoot,
        policy: retentionPolicySchema.parse(options.retention),
        onReport: (r) => {
          const kept = r.items.filter((i) => i.outcome !== 'deleted');
          log('info', `retention: freed ${r.freed} bytes (${r.items.length - kept.length} day folders deleted)`);
          for (const i of kept) log(i.outcome === 'failed' ? 'error' : 'warn', `retention: kept ${i.tree} ${i.day.station_id} ${i.day.date}: ${i.detail ?? i.reason}`);
        },
        onError: (e) => log('error', `retention failed: ${e.message}`),
      })
    : null;

  return {
    station_id: station.id,
    feed,
    sources: () => state,
    onSources(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    switchSources: (choice) => start(choice),
    async stop() {
      stopped = true;
      await rolling;
      await recording?.stop(); // close the journal first: nothing recorded is lost
      await compaction.stop();
      await retention?.stop();
      await sink?.stop();
    },
  };
}
