/**
 * Every tunable of a recording session, validated with zod. Callers pass a partial object (any
 * nested field may be left out); `resolveRecordingConfig` fills the documented defaults and rejects
 * out-of-range values with a readable reason.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SHED_ORDER } from '../../shared/channels';
import { describeZodError } from '../../shared/registry';

const seconds = z.number().positive();

export const recordingConfigSchema = z.object({
  /** Levels per side in each `l2_snap_1s` (docs/spec.md §2: top 10–20). */
  snapshotLevels: z.number().int().min(10).max(20).default(10),
  /** Cadence of `health` records (docs/spec.md §2: every 1–5 s). */
  healthIntervalMs: z.number().int().min(1000).max(5000).default(2000),
  /** How long each trigger keeps (or extends) the event window open. */
  windows: z
    .object({
      metarS: z.number().min(60).max(180).default(120),
      qcOutlierS: seconds.default(120),
      midShockS: seconds.default(60),
      spreadRegimeS: seconds.default(60),
      depthCliffS: seconds.default(60),
    })
    .prefault({}),
  /**
   * Market triggers (see market-triggers.ts). Defaults aim at what an analyst wants to look at: on a
   * simulated 8-token day they open a handful of windows, not one every few minutes.
   */
  triggers: z
    .object({
      /** MID_SHOCK when |mid(t) − mid(t−1s)| exceeds this many ticks… */
      midShockTicks: z.number().positive().default(4),
      /** …and at least this much in price: on a 0.001 tick (prices under 0.04) ticks alone are noise. */
      midShockMinMove: z.number().nonnegative().max(1).default(0.02),
      /** Tick size until the venue announces one (`tick_size_change`). */
      defaultTick: z.number().positive().max(0.1).default(0.01),
      /** Spread at or above this is WIDE; ≤ 0 is LOCKED; in between NORMAL. */
      wideSpread: z.number().positive().max(1).default(0.05),
      /** A new spread regime counts only once it has held this long (a blip back does not count). */
      spreadPersistS: z.number().nonnegative().max(300).default(5),
      /** DEPTH_CLIFF when the shares on the top N levels of a side fall under depthCliffShares… */
      depthCliffLevels: z.number().int().min(1).max(20).default(5),
      depthCliffShares: z.number().nonnegative().default(100),
      /** …and to at most this fraction of that side's top-N depth at the last whole second… */
      depthCliffFraction: z.number().positive().max(1).default(0.25),
      /** …with at least this many of those top-N levels pulled or cut below half (not one cancel). */
      depthCliffMinLevels: z.number().int().min(1).max(20).default(2),
      /** After firing, a market trigger rests this long on that token (it neither opens nor extends). */
      midShockCooldownS: z.number().nonnegative().default(300),
      spreadRegimeCooldownS: z.number().nonnegative().default(900),
      depthCliffCooldownS: z.number().nonnegative().default(900),
    })
    .prefault({}),
  pws: z
    .object({
      /** A reading older than this (by its own obs time) no longer counts. */
      freshS: seconds.default(600),
      /** Fewer fresh stations than this → DEGRADED. */
      minSupport: z.number().int().min(1).default(3),
      /** A station or the cluster median moving by more than k·MAD in one update → OUTLIER_LIKELY. */
      outlierK: z.number().positive().default(4),
      /** MAD floor (°F) so that a perfectly agreeing cluster does not flag every 0.1 °F move. */
      madFloorF: z.number().nonnegative().default(0.3),
    })
    .prefault({}),
  /** Re-ask for a book if a requested resync has not arrived after this long. */
  resyncRetryMs: z.number().int().positive().default(10_000),
  journal: z
    .object({
      /** Upper bound on how long an enqueued event waits before its batch starts being written. */
      flushIntervalMs: z.number().int().min(5).max(1000).default(100),
      /** A batch this large is flushed at once, without waiting for the interval. */
      flushEvents: z.number().int().min(1).default(2000),
      /** `none`: leave it to the OS; `flush`: fsync after every batch; `interval`: at most every fsyncIntervalMs. */
      fsync: z.enum(['none', 'flush', 'interval']).default('interval'),
      fsyncIntervalMs: z.number().int().positive().default(1000),
      /** Memory bound of the queue (events not yet on disk), in events and in estimated bytes. */
      maxQueueEvents: z.number().int().min(100).default(100_000),
      maxQueueBytes: z.number().int().min(64 * 1024).default(64 * 1024 * 1024),
      /**
       * Queue fill (0–1 of the bound) at which each channel of SHED_ORDER starts being shed, in
       * that order: by default deltas at half full, snapshots at 3/4, trades when full.
       */
      shedAt: z
        .array(z.number().min(0).max(1))
        .length(SHED_ORDER.length)
        .default([0.5, 0.75, 1])
        .refine((xs) => xs.every((x, i) => i === 0 || x >= xs[i - 1]!), 'shedAt must be non-decreasing'),
      /** Start a new journal file once the current one reaches this size. */
      maxFileBytes: z.number().int().min(1024).default(512 * 1024 * 1024),
      /** Serialization runs in slices of about this long, yielding to the event loop in between. */
      sliceBudgetMs: z.number().positive().max(50).default(1),
    })
    .prefault({}),
  ring: z
    .object({
      /** How much recent history the live feed keeps per channel (docs/spec.md §5: 5–30 min). */
      minutes: z.number().min(5).max(30).default(10),
      /** Hard cap per channel, whatever the time span: at 20k deltas/s it, not the span, applies (a
       * late joiner needs only the deltas since the last 1 s snapshot). */
      maxEventsPerChannel: z.number().int().min(1000).default(50_000),
    })
    .prefault({}),
});

export type RecordingConfig = z.output<typeof recordingConfigSchema>;
export type RecordingConfigInput = z.input<typeof recordingConfigSchema>;
export type JournalConfig = RecordingConfig['journal'];
export type RingConfig = RecordingConfig['ring'];

export function resolveRecordingConfig(input: RecordingConfigInput = {}): RecordingConfig {
  const parsed = recordingConfigSchema.safeParse(input);
  if (!parsed.success) throw new Error(`invalid recording config: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** A recording settings file (a JSON object of this config, any field left out): resolved, or an error naming the file and the field. */
export async function readRecordingConfig(file: string): Promise<RecordingConfig> {
  let input: unknown;
  try {
    input = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`recording settings ${file}: ${(e as Error).message}`);
  }
  try {
    return resolveRecordingConfig(input as RecordingConfigInput);
  } catch (e) {
    throw new Error(`recording settings ${file}: ${(e as Error).message}`);
  }
}
