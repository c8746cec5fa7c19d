/**
 * The day's market as recorded: title, settlement rules (verbatim), resolution source, and the
 * winning bucket once the market resolved — the manifest's `markets` entry for the day's own date
 * (built by the compactor from the `markets` channel). A day recorded without listings (the
 * simulator, or before the recorder kept them) has none, and the UI says "rules not recorded".
 */
import type { Manifest } from '../../shared/manifest';

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

const NONE: MarketInfo = { title: null, slug: null, event_id: null, rules: null, resolution_source: null, winner: null };

/** What the manifest records about the market that settles on the day's own date. */
export function marketInfo(manifest: Pick<Manifest, 'date' | 'markets'> | null): MarketInfo {
  const market = manifest?.markets.find((m) => m.market_date === manifest.date);
  if (!market) return NONE;
  return {
    title: market.title,
    slug: market.slug,
    event_id: market.venue_event_id,
    rules: market.rules?.trim() ? market.rules : null,
    resolution_source: market.resolution_source?.trim() ? market.resolution_source : null,
    winner: market.winner,
  };
}
