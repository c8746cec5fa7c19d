/**
 * Older schema versions still accepted on read, each with its upgrade to the next version.
 * Adding a version: freeze the old schema here, bump the current one in `schemas.ts`, and write
 * the one-step upgrade. The registry chains upgrades, so v1 → v2 → v3 needs no extra code.
 */
import { z } from 'zod';
import type { Channel } from './channels';
import { bookMetrics, type Level } from './book';
import {
  asWindDirection,
  channelSchema,
  cloudLayer,
  count,
  crossedIsFlagged,
  envelopeShape,
  finite,
  id,
  isoUtc,
  levelsUpTo,
  price,
  qcState,
  reported,
} from './schemas';

/**
 * l2_snap_1s v1 — the shape of the original design note: levels as `[price, size]` tuples, an
 * optional upstream `update_id` instead of `seq`, no resync epoch, no BBO/mid, no `book_ok`.
 */
const tuple = z.tuple([z.number().min(0).max(1), z.number().nonnegative()]);
const l2Snap1sV1 = z.object({
  schema_version: z.literal(1),
  ch: z.literal('l2_snap_1s'),
  ...envelopeShape,
  market_id: z.string().min(1).max(200),
  token_id: z.string().min(1).max(200),
  update_id: z.number().int().nonnegative().nullable().optional(),
  bids: z.array(tuple).max(200),
  asks: z.array(tuple).max(200),
});

function upgradeL2Snap1sV1(v1: z.output<typeof l2Snap1sV1>): unknown {
  const { update_id, bids: bidTuples, asks: askTuples, ...envelope } = v1;
  const bids: Level[] = bidTuples.map(([p, s]) => ({ p, s }));
  const asks: Level[] = askTuples.map(([p, s]) => ({ p, s }));
  return {
    ...envelope,
    schema_version: 2,
    seq: update_id ?? 0,
    resync_epoch_id: 0,
    bids,
    asks,
    ...bookMetrics(bids, asks),
    // v1 had no integrity marker; a v1 recorder wrote only books it believed in.
    book_ok: true,
  };
}

/**
 * The versions before #13 tightened the schemas to what docs/spec.md means. Their sizes, speeds and
 * distances were any non-negative number, the snapshot's spread could be negative on a trusted
 * book, the wind direction any number in 0–360 and the features record empty. Upgrades carry a
 * line over where the old value has a meaning under the new rule (a crossed book becomes
 * untrusted, a wind direction that is not whole tens becomes not reported); what has none (a size
 * beyond 2^53, no feature at all) then fails the new version and is quarantined with its reason.
 */
const looseSize = z.number().nonnegative();
const looseLevels = levelsUpTo(Infinity);

/** l2_snap_1s v2: seq/epoch integrity and BBO metrics; sizes unbounded, a crossed book could be book_ok. */
const l2Snap1sV2 = channelSchema('l2_snap_1s', 2, {
  market_id: id,
  token_id: id,
  bucket: z.string().min(1).max(64).nullable().optional(),
  seq: count,
  resync_epoch_id: count,
  bids: looseLevels,
  asks: looseLevels,
  best_bid: price.nullable(),
  best_ask: price.nullable(),
  mid: price.nullable(),
  spread: z.number().min(-1).max(1).nullable(),
  microprice: price.nullable(),
  imbalance: z.number().min(-1).max(1).nullable(),
  book_ok: z.boolean(),
});

function upgradeL2Snap1sV2(v2: z.output<typeof l2Snap1sV2>): unknown {
  return { ...v2, schema_version: 3, book_ok: v2.book_ok && crossedIsFlagged(v2) };
}

const l2DeltasV1 = channelSchema('l2_deltas', 1, {
  market_id: id,
  token_id: id,
  seq: count,
  side: z.enum(['bid', 'ask']),
  p: price,
  s: looseSize,
  hash: z.string().max(200).nullable().optional(),
});

const tapeTradesV1 = channelSchema('tape_trades', 1, {
  market_id: id,
  token_id: id,
  p: price,
  s: looseSize,
  side: z.enum(['buy', 'sell']).nullable(),
  trade_id: z.string().max(200).nullable(),
});

const metarObsV1 = channelSchema('metar_obs', 1, {
  obs_time_utc: isoUtc,
  report_type: z.enum(['METAR', 'SPECI']).default('METAR'),
  raw: z.string().min(4).max(2000),
  temp_c: reported(finite),
  dewpoint_c: reported(finite),
  wind_dir_deg: reported(z.number().min(0).max(360)),
  wind_kt: reported(looseSize),
  gust_kt: reported(looseSize),
  visibility_sm: reported(looseSize),
  altim_inhg: reported(z.number().positive()),
  clouds: z.array(cloudLayer).default([]),
  temp_c_precise: reported(finite),
  judge_aligned_temp: reported(z.number().int()),
  qc: qcState.default('OK'),
});

const features1mV1 = channelSchema('features_1m', 1, {
  model_run: z.string().max(200).nullable(),
  features: z.record(z.string().max(64), finite.nullable()),
  staleness_s: z.record(z.string().max(64), z.number().nonnegative()),
});

/** The next version, where nothing but the version number changed for values that have a meaning. */
const nextVersion = (event: { schema_version: number }): unknown => ({ ...event, schema_version: event.schema_version + 1 });

export interface LegacyVersion {
  schema: z.ZodType;
  /** Turns a parsed event of this version into raw input for the next version's schema. */
  upgrade: (parsed: never) => unknown;
}

export const LEGACY_VERSIONS: Partial<Record<Channel, Record<number, LegacyVersion>>> = {
  l2_snap_1s: {
    1: { schema: l2Snap1sV1, upgrade: upgradeL2Snap1sV1 },
    2: { schema: l2Snap1sV2, upgrade: upgradeL2Snap1sV2 },
  },
  l2_deltas: { 1: { schema: l2DeltasV1, upgrade: nextVersion } },
  tape_trades: { 1: { schema: tapeTradesV1, upgrade: nextVersion } },
  metar_obs: {
    1: {
      schema: metarObsV1,
      upgrade: (v1: z.output<typeof metarObsV1>) => ({ ...v1, schema_version: 2, wind_dir_deg: asWindDirection(v1.wind_dir_deg) }),
    },
  },
  features_1m: { 1: { schema: features1mV1, upgrade: nextVersion } },
};
