/**
 * What a replay session reads its events from: a day from some instant on, in replay order
 * (ts_ingest_utc, then event id), a batch at a time, already as the JSON the server sends. Two
 * readers provide it: the day's replay copy (`replay-copy.ts`, a closed day merged and serialized
 * once) and `DayStream` (every part file merged on the fly, for days without a copy).
 */
export interface OrderedEvents {
  /** The next events with ts_ingest_utc < `untilUs`, at most `limits.maxEvents`, ending after the event that passes `limits.maxBytes`. */
  next(untilUs: number, limits: BatchLimits): Promise<EventBatch>;
  close(): Promise<void>;
}

export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
}

export interface EventBatch {
  /** The events' JSON texts joined by commas (empty when there are none), UTF-8. */
  json: Buffer;
  count: number;
  /** Ingest time (epoch µs) of the batch's last event (NaN when empty). */
  lastUs: number;
  /** Whether a limit ended the batch: events before `untilUs` may remain. */
  full: boolean;
}

export const NO_EVENTS: EventBatch = Object.freeze({ json: Buffer.alloc(0), count: 0, lastUs: NaN, full: false });
