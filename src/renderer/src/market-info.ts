/**
 * The day's market as recorded: title, settlement rules (verbatim), resolution source, and the
 * winning bucket once the market resolved. The recorder keeps each event's rules with the day (a
 * `markets` record in the manifest); a day recorded before that has none, and the UI says "rules
 * not recorded" and shows what the manifest does say (station, date, buckets). Read leniently: the
 * fields a manifest lacks are simply absent.
 */
import { z } from 'zod';
import type { Manifest } from '../../shared/manifest';

const text = z.string().max(100_000);
const recordedMarket = z.looseObject({
  market_date: text.optional(),
  event_id: text.optional(),
  slug: text.optional(),
  title: text.optional(),
  rules: text.optional(),
  resolution_source: text.optional(),
  resolved: z
    .looseObject({
      winning_token_id: text.nullable().optional(),
      winning_bucket: text.nullable().optional(),
      winning_outcome: text.nullable().optional(),
      at: text.nullable().optional(),
    })
    .nullable()
    .optional(),
});
const recordedMarkets = z.union([z.array(recordedMarket), recordedMarket.transform((m) => [m])]);

export interface MarketInfo {
  title: string | null;
  slug: string | null;
  event_id: string | null;
  /** Null: the rules were not recorded with this day. */
  rules: string | null;
  resolution_source: string | null;
  /** The winning bucket's label, once the market resolved and the winner was recorded. */
  winner: string | null;
}

/** What the manifest records about the day's market (the one whose date is the day's). */
export function marketInfo(manifest: Pick<Manifest, 'date' | 'tokens'> | null): MarketInfo {
  const none: MarketInfo = { title: null, slug: null, event_id: null, rules: null, resolution_source: null, winner: null };
  if (!manifest) return none;
  const parsed = recordedMarkets.safeParse((manifest as unknown as { markets?: unknown }).markets);
  if (!parsed.success) return none;
  const market = parsed.data.find((m) => m.market_date === manifest.date) ?? parsed.data.find((m) => m.market_date === undefined);
  if (!market) return none;
  const winnerToken = market.resolved?.winning_token_id;
  const winner =
    market.resolved?.winning_bucket ??
    (winnerToken ? (manifest.tokens.find((t) => t.token_id === winnerToken)?.bucket ?? null) : null) ??
    market.resolved?.winning_outcome ??
    null;
  return {
    title: market.title ?? null,
    slug: market.slug ?? null,
    event_id: market.event_id ?? null,
    rules: market.rules?.trim() ? market.rules : null,
    resolution_source: market.resolution_source?.trim() ? market.resolution_source : null,
    winner,
  };
}
