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
import { DataRoot } from '../data-root';
import type { LiveFeed } from '../live-feed';
import type { MarketToken, Source, SourceMessage } from '../sources/source';
import { getStation } from '../../shared/stations';
import type { AnyEvent } from '../../shared/schemas';
import { resolveRecordingConfig, type RecordingConfig, type RecordingConfigInput } from './config';
import { JournalWriter, type JournalWriterStats } from './journal-writer';
import { Recorder, type RecorderStats } from './recorder';
import { RingBuffers } from './ring-buffers';

export interface Clock {
  now(): number;
}

export const wallClock: Clock = { now: () => Date.now() };

export interface SessionStats {
  station_id: string;
  started_ms: number;
  /** The recorder's current instant (clock time). */
  now_ms: number;
  recorder: RecorderStats;
  journal: JournalWriterStats;
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
  const writer = new JournalWriter({ dataRoot: dataRootOf(options.dataRoot), station_id, config: config.journal, shed: true });
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
    errors,
  });

  await source.start({
    push(message: SourceMessage) {
      if (stopped) return;
      guarded(() => recorder.ingest(message, clock.now()));
      schedulePublish();
    },
    reject: (r) => writer.reject({ at_ms: r.received_ms, source: r.source, reason: r.reason, input: r.input }),
    status: () => {},
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

/** Wall time and timers as a paced source (the simulator) takes them; see `recordDay`. */
export interface Scheduler {
  now(): number;
  /** Run `fn` after `delayMs` (≤ 0: as soon as possible). Returns a cancel function. */
  schedule(fn: () => void, delayMs: number): () => void;
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
  const behind = () => writer !== null && writer.queueDepth >= highWater;
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
      if (behind()) void writer!.drain().then(run);
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
  writer = new JournalWriter({ dataRoot: dataRootOf(options.dataRoot), station_id, config: config.journal, shed: false });
  const w = writer;
  const recorder = new Recorder({
    station_id,
    tokens,
    config,
    startMs: options.startMs,
    emit: (event) => {
      w.enqueue(event);
      options.onEvent?.(event);
    },
    reject: (r) => w.reject(r),
    requestBook: source?.requestBook ? (token) => source.requestBook!(token) : undefined,
    writerHealth: () => w.stats(),
  });
  const stats = (): SessionStats => ({
    station_id,
    started_ms: options.startMs,
    now_ms: recorder.time,
    recorder: recorder.stats(),
    journal: w.stats(),
    errors: 0,
  });
  const progressEvery = options.progressEveryMs ?? 3_600_000;
  let nextProgress = options.startMs + progressEvery;
  const progress = () => {
    if (options.onProgress && recorder.time >= nextProgress) {
      options.onProgress(stats());
      nextProgress += progressEvery;
    }
  };
  const advanceTo = async (target: number) => {
    while (recorder.time < target) {
      recorder.advanceTo(Math.min(target, recorder.time + ADVANCE_STEP_MS));
      if (behind()) await w.drain();
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
      reject: (r) => w.reject({ at_ms: r.received_ms, source: r.source, reason: r.reason, input: r.input }),
      status: () => {},
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
        if (behind()) await w.drain();
        progress();
      }
    }
  }
  // endMs is exclusive: the last instant recorded is 1 ms before it (so nothing spills into the next day).
  const end = options.signal?.aborted || options.endMs === undefined ? recorder.time : options.endMs - 1;
  await advanceTo(end);
  recorder.finish(end);
  await w.close();
  return stats();
}
