/**
 * Older schema versions still accepted on read, each with its upgrade to the next version.
 * Adding a version: freeze the old schema here, bump the current one in `schemas.ts`, and write
 * the one-step upgrade. The registry chains upgrades, so v1 → v2 → v3 needs no extra code.
 */
import { z } from 'zod';
import type { Channel } from './channels';
import { bookMetrics, type Level } from './book';
import { envelopeShape } from './schemas';

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

export interface LegacyVersion {
  schema: z.ZodType;
  /** Turns a parsed event of this version into raw input for the next version's schema. */
  upgrade: (parsed: never) => unknown;
}

export const LEGACY_VERSIONS: Partial<Record<Channel, Record<number, LegacyVersion>>> = {
  l2_snap_1s: { 1: { schema: l2Snap1sV1, upgrade: upgradeL2Snap1sV1 } },
};
