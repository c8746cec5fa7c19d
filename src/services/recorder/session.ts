/**
 * Running the recorder: the two ways the rest of the app uses it.
 *
 *   startRecording  a live session: a Source pushes messages, the recorder stamps them with the
 *                   session clock's now (wall clock, or the simulator's virtual clock when it runs
 *                   accelerated), a timer advances the cadence work, events go to the journal and
 *                   the ring buffers, and `feed` serves the live protocol. The writer sheds by
 *                   policy if the disk falls behind (reported in health).
 *   recordDay       the fast path for synthesizing a past day: the same recorder driven by message
 *                   time as fast as possible, with backpressure (await the writer) instead of shedding.
 */
import { wallClock, type Clock, type Scheduler } from '../clock';
import { DataRoot } from '../data-root';
import type { LiveFeed } from '../live-feed';
import type { MarketToken, Source, SourceMessage, SourceStatus } from '../sources/source';
import { getStation } from '../../shared/stations';
import { resolveRecordingConfig, type RecordingConfig, type RecordingConfigInput } from './config';
import { readRecordedHistory } from './journal-history';
import { JournalWriter, type JournalFs, type JournalWriterOptions, type JournalWriterStats } from './journal-writer';
import type { AnyEvent } from '../../shared/schemas';
import { Recorder, type RecorderOptions, type RecorderStats, type Rejection, type WriterHealth } from './recorder';
import { RingBuffers } from './ring-buffers';

export interface SessionStats {
  station_id: string;
  started_ms: number;
  /** The recorder's current instant (clock time). */
  now_ms: number;
  recorder: RecorderStats;
  journal: JournalWriterStats;
  /** Each upstream's latest state as its source reported it (for the LIVE badge and the CLI). */
  sources: SourceStatus[];
  /** Exceptions thrown while handling a message (each also printed); the message is skipped. */
  errors: number;
}

export interface StartRecordingOptions {
  dataRoot: string | DataRoot;
  source: Source;
  /** Default: the wall clock. Pass the simulator's virtual clock to record accelerated time. */
  clock?: Clock;
  config?: RecordingConfigInput;
  /** Real milliseconds between cadence ticks (snapshots, health, window closes). Default 20. */
  tickMs?: number;
  /** Sees every event the recorder emits, after the journal and ring buffers (e.g. the ClickHouse sink); must not block. */
  onEvent?: (event: AnyEvent) => void;
  /** Told at once when journal writes start failing (errno and message) and when they work again. */
  onWriteFailure?: JournalWriterOptions['onWriteFailure'];
  /** The journal's file operations (tests inject failing disks). */
  journalFs?: JournalFs;
}

export interface RecordingSession {
  readonly station_id: string;
  readonly feed: LiveFeed;
  readonly config: RecordingConfig;
  stats(): SessionStats;
  /** Open or extend a MANUAL event window now. */
  markWindow(durationMs: number, detail: string): void;
  /** Stop the source, close the open window, write a last health record, flush and close the journal. */
  stop(): Promise<SessionStats>;
}

function dataRootOf(root: string | DataRoot): DataRoot {
  return typeof root === 'string' ? new DataRoot(root) : root;
}

export async function startRecording(options: StartRecordingOptions): Promise<RecordingSession> {
  const config = resolveRecordingConfig(options.config);
  const { source } = options;
  const clock = options.clock ?? wallClock;
  const station_id = source.info.station_id;
  getStation(station_id); // unknown stations fail here, with the list of known ones
  const startMs = clock.now();
  const dataRoot = dataRootOf(options.dataRoot);
  // A restart mid-day: what today's journal already holds is not recorded again.
  const history = await readRecordedHistory(dataRoot, station_id, startMs);
  const writer = new JournalWriter({
    dataRoot,
    station_id,
    config: config.journal,
    shed: true,
    fs: options.journalFs,
    onWriteFailure: options.onWriteFailure,
  });
  const ring = new RingBuffers({ station_id, config: config.ring, startMs });
  const recorder = new Recorder({
    station_id,
    tokens: source.info.tokens,
    config,
    startMs,
    emit: (event) => {
      writer.enqueue(event);
      ring.push(event);
      options.onEvent?.(event);
    },
    reject: (r) => writer.reject(r),
    requestBook: source.requestBook ? (token) => source.requestBook!(token) : undefined,
    writerHealth: () => writer.stats(),
    history,
  });

  let errors = 0;
  let stopped = false;
  const guarded = (work: () => void) => {
    try {
      work();
    } catch (e) {
      errors++;
      console.error(`recorder: ${(e as Error).stack ?? e}`);
    }
  };
  let publishScheduled = false;
  const schedulePublish = () => {
    if (publishScheduled) return;
    publishScheduled = true;
    setImmediate(() => {
      publishScheduled = false;
      ring.publish();
    });
  };

  const stats = (): SessionStats => ({
    station_id,
    started_ms: startMs,
    now_ms: recorder.time,
    recorder: recorder.stats(),
    journal: writer.stats(),
    sources: recorder.sources(),
    errors,
  });

  await source.start({
    push(message: SourceMessage) {
      if (stopped) return;
      guarded(() => recorder.ingest(message, clock.now()));
      schedulePublish();
    },
    reject: (r) => {
      if (stopped) return;
      guarded(() => recorder.sourceRejected(r, clock.now()));
      schedulePublish();
    },
    status: (s) => {
      if (stopped) return;
      guarded(() => recorder.sourceStatus(s, clock.now()));
      schedulePublish();
    },
  });
  guarded(() => recorder.advanceTo(startMs)); // initial BOOK_RESYNC_STARTs and book requests, once the source runs
  const timer = setInterval(() => {
    guarded(() => recorder.advanceTo(clock.now()));
    ring.publish();
  }, options.tickMs ?? 20);

  let stopping: Promise<SessionStats> | null = null;
  return {
    station_id,
    feed: ring,
    config,
    stats,
    markWindow(durationMs, detail) {
      guarded(() => recorder.markWindow(clock.now(), durationMs, detail));
      schedulePublish();
    },
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await source.stop();
        stopped = true;
        guarded(() => recorder.finish(clock.now()));
        ring.publish();
        await writer.close();
        return stats();
      })();
      return stopping;
    },
  };
}

/** A source that can run as fast as possible and says when it has delivered everything. */
export type FiniteSource = Source & { readonly finished: Promise<void> };

interface RecordDayCommon {
  dataRoot: string | DataRoot;
  /** First instant recorded (e.g. local midnight of the day). */
  startMs: number;
  /** End of the recording (exclusive): nothing is recorded at or after it. Default: the last message. */
  endMs?: number;
  config?: RecordingConfigInput;
  /** Stop early, still flushing and closing cleanly. */
  signal?: AbortSignal;
  /** Called about every `progressEveryMs` of recorded time (default one hour). */
  onProgress?(stats: SessionStats): void;
  progressEveryMs?: number;
  /** Sees every event the recorder emits, after the journal writer; must not block. */
  onEvent?: (event: AnyEvent) => void;
  /** Told at once when journal writes start failing and when they work again (the synthesis waits for the disk meanwhile). */
  onWriteFailure?: JournalWriterOptions['onWriteFailure'];
  journalFs?: JournalFs;
}

export type RecordDayOptions = RecordDayCommon &
  (
    | {
        station_id: string;
        /** The operating cone. */
        tokens: readonly MarketToken[];
        /** In receive-time order. Messages before `startMs` are recorded at `startMs`. */
        messages: Iterable<SourceMessage>;
      }
    | {
        /**
         * Builds the source (e.g. `new SimulatorSource({ date, speed: Infinity, scheduler })`). Unlike
         * a plain message list, a source answers book requests, so gaps resync as they would live.
         * The scheduler holds the source back whenever the journal writer is behind.
         */
        source(scheduler: Scheduler): FiniteSource;
      }
  );

/** Cadence work is advanced in steps of this much recorded time, so a quiet stretch cannot pile up. */
const ADVANCE_STEP_MS = 60_000;

/**
 * Synthesize a recording as fast as the writer can take it: the recorder is driven by message
 * time, and instead of shedding, the producer waits for the writer (backpressure).
 */
export async function recordDay(options: RecordDayOptions): Promise<SessionStats> {
  const config = resolveRecordingConfig(options.config);
  const highWater = Math.max(1000, Math.min(20_000, config.journal.maxQueueEvents >> 1));
  let writer: JournalWriter | null = null;
  let station_id = '';
  const stats = (recorder: Recorder): SessionStats => ({
    station_id,
    started_ms: options.startMs,
    now_ms: recorder.time,
    recorder: recorder.stats(),
    journal: writer!.stats(),
    sources: recorder.sources(),
    errors: 0,
  });
  const recorder = await driveDay({
    ...options,
    config,
    output(station) {
      station_id = station;
      const w = (writer = new JournalWriter({
        dataRoot: dataRootOf(options.dataRoot),
        station_id,
        config: config.journal,
        shed: false,
        fs: options.journalFs,
        onWriteFailure: options.onWriteFailure,
        signal: options.signal,
      }));
      const emit = (event: AnyEvent) => {
        w.enqueue(event);
        options.onEvent?.(event);
      };
      return { emit, reject: (r) => w.reject(r), writerHealth: () => w.stats(), behind: () => w.queueDepth >= highWater, drain: () => w.drain() };
    },
    progress: options.onProgress && { everyMs: options.progressEveryMs ?? 3_600_000, report: (r) => options.onProgress!(stats(r)) },
  });
  await writer!.close();
  return stats(recorder);
}

/** Where a day driven by `driveDay` goes; with backpressure, the producer waits while `behind()`. */
export interface DayOutput {
  emit(event: AnyEvent): void;
  reject?(rejection: Rejection): void;
  writerHealth?(): WriterHealth;
  behind?(): boolean;
  drain?(): Promise<void>;
}

export type DriveDayOptions = Omit<RecordDayCommon, 'dataRoot' | 'config' | 'onProgress' | 'progressEveryMs' | 'onEvent' | 'onWriteFailure' | 'journalFs'> &
  (Pick<Extract<RecordDayOptions, { messages: unknown }>, 'station_id' | 'tokens' | 'messages'> | Pick<Extract<RecordDayOptions, { source: unknown }>, 'source'>) & {
    config: RecordingConfig;
    /** Called once the station is known (from the source), before anything is recorded. */
    output(station_id: string): DayOutput;
    /** Window policies evaluated beside the recording one (the window sweep). */
    shadowPolicies?: RecorderOptions['shadowPolicies'];
    progress?: { everyMs: number; report(recorder: Recorder): void };
  };

/**
 * A recorder driven by message time over a day (or `[startMs, endMs)` of it), as fast as the
 * output takes it: the engine of `recordDay`, and of the window sweep on regenerated inputs.
 */
export async function driveDay(options: DriveDayOptions): Promise<Recorder> {
  let out: DayOutput | null = null;
  const behind = () => out?.behind?.() === true;
  const scheduler: Scheduler = {
    now: () => Date.now(),
    schedule(fn, delayMs) {
      let cancelled = false;
      const run = () => {
        if (!cancelled) fn();
      };
      if (delayMs > 0) {
        const t = setTimeout(run, delayMs);
        return () => clearTimeout(t);
      }
      if (behind()) void out!.drain!().then(run);
      else setImmediate(run);
      return () => {
        cancelled = true;
      };
    },
  };
  const source = 'source' in options ? options.source(scheduler) : null;
  const station_id = source ? source.info.station_id : (options as { station_id: string }).station_id;
  const tokens = source ? source.info.tokens : (options as { tokens: readonly MarketToken[] }).tokens;
  getStation(station_id);
  const o = (out = options.output(station_id));
  const recorder = new Recorder({
    station_id,
    tokens,
    config: options.config,
    startMs: options.startMs,
    emit: (event) => o.emit(event),
    reject: o.reject,
    requestBook: source?.requestBook ? (token) => source.requestBook!(token) : undefined,
    writerHealth: o.writerHealth,
    shadowPolicies: options.shadowPolicies,
  });
  const wait = async () => {
    if (behind()) await o.drain!();
  };
  let nextProgress = options.progress ? options.startMs + options.progress.everyMs : Infinity;
  const progress = () => {
    if (recorder.time >= nextProgress) {
      options.progress!.report(recorder);
      nextProgress += options.progress!.everyMs;
    }
  };
  const advanceTo = async (target: number) => {
    while (recorder.time < target) {
      recorder.advanceTo(Math.min(target, recorder.time + ADVANCE_STEP_MS));
      await wait();
      progress();
    }
  };

  recorder.advanceTo(options.startMs);
  if (source) {
    let ended = false;
    const finish = () => {
      if (!ended) {
        ended = true;
        void source.stop();
      }
    };
    options.signal?.addEventListener('abort', finish, { once: true });
    await source.start({
      push(message) {
        if (ended) return;
        if (options.endMs !== undefined && message.received_ms >= options.endMs) return finish();
        recorder.ingest(message, message.received_ms);
        progress();
      },
      reject: (r) => recorder.sourceRejected(r),
      status: (s) => recorder.sourceStatus(s),
    });
    await source.finished;
    ended = true;
    options.signal?.removeEventListener('abort', finish);
  } else {
    let count = 0;
    for (const message of (options as { messages: Iterable<SourceMessage> }).messages) {
      if (options.signal?.aborted) break;
      if (options.endMs !== undefined && message.received_ms >= options.endMs) break;
      if (message.received_ms - recorder.time > 1000) await advanceTo(message.received_ms);
      recorder.ingest(message, message.received_ms);
      if ((++count & 255) === 0) {
        await wait();
        progress();
      }
    }
  }
  // endMs is exclusive: the last instant recorded is 1 ms before it (so nothing spills into the next day).
  const end = options.signal?.aborted || options.endMs === undefined ? recorder.time : options.endMs - 1;
  await advanceTo(end);
  recorder.finish(end);
  return recorder;
}
