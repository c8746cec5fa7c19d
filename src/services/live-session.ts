/**
 * The live side of the app, as one plain Node service (the desktop app runs it in its recorder
 * utility process, `npm run web` in its own process): the embedded simulator recorded live into a
 * data root, the current day compacted periodically (and the previous day finally after local
 * midnight), and one LiveFeed for the UI that stays valid across the midnight rollover.
 *
 * A simulated market covers one station-local day, so at midnight the day's recording is closed and
 * the next day's starts; subscribers are moved over and get the new day's hello + backfill.
 */
import { startPeriodicCompaction } from './compactor';
import { retentionPolicySchema, startDailyRetention, type RetentionPolicyInput } from './retention';
import type { ClickHouseConfigInput } from './clickhouse';
import { DataRoot } from './data-root';
import { ensureDemoData } from './demo';
import type { LiveFeed } from './live-feed';
import { startRecording, type RecordingSession } from './recorder';
import { SimulatorSource } from './sources/simulator';
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
  /** Run retention daily with this policy (SPEC §8 defaults for what it leaves out); absent = never. */
  retention?: RetentionPolicyInput;
  /** Also stream what is recorded to ClickHouse (off when absent). */
  clickhouse?: ClickHouseConfigInput;
}

export type LiveLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface LiveSession {
  station_id: string;
  feed: LiveFeed;
  stop(): Promise<void>;
}

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
  let recording: RecordingSession;
  let rolling: Promise<void> | null = null;

  /** Record the simulated market of the local day that contains `startMs`, until its end. */
  const recordDayFrom = async (startMs: number): Promise<void> => {
    const source = new SimulatorSource({ station: station.id, start: startMs, speed: 1 });
    recording = await startRecording({
      dataRoot,
      source,
      clock: source.clock,
      onEvent: sink ? (e) => sink!.push(e) : undefined,
      onWriteFailure: (f) => (f ? log('error', `journal writes failing (${f.code}): ${f.message}`) : log('info', 'journal writes work again')),
    });
    feed.switchTo(recording.feed);
    log('info', `recording ${station.id} ${stationDate(startMs, station.id)} (simulator, ${source.info.tokens.length} tokens)`);
    const [, dayEnd] = localDayBoundsUtc(stationDate(startMs, station.id), station.timeZone);
    source.finished.then(
      // the day's market ends at local midnight: the next day's starts there
      () => rollOver(dayEnd),
      (e: unknown) => {
        log('error', `the simulator failed: ${(e as Error).message}; restarting the recording`);
        rollOver(Math.min(source.clock.now(), dayEnd - 1));
      },
    );
  };

  const rollOver = (nextStartMs: number): void => {
    if (stopped) return;
    rolling = (async () => {
      await recording.stop();
      if (stopped) return;
      await recordDayFrom(nextStartMs);
      if (stopped) await recording.stop(); // stop() came while the next day was starting
    })()
      .catch((e: unknown) => log('error', `could not start the next recording: ${(e as Error).message}`))
      .finally(() => {
        rolling = null;
      });
  };

  await recordDayFrom(options.start_ms ?? Date.now());
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
    async stop() {
      stopped = true;
      await rolling;
      await recording.stop(); // close the journal first: nothing recorded is lost
      await compaction.stop();
      await retention?.stop();
      await sink?.stop();
    },
  };
}
