/**
 * The manifest's `tokens`: every token with an L2 snapshot that day, labelled with the latest
 * bucket its snapshots carried and the market date its latest `markets` listing gave it, in the
 * order of the day's last nowcast buckets (the market's own order); tokens without a known bucket
 * come last, by id. And its `markets`: per market date the latest listing and the winner.
 *
 * What the tokens take is kept in the day's state as facts with their times, so an incremental
 * pass reads only its new rows and keeps the latest of each; the markets (a few rows a day) are
 * derived from all of the channel's rows when it got new ones.
 */
import type { Manifest } from '../../shared/manifest';
import type { Query } from './markers';

export interface TokenFacts {
  /** token → its latest market id and latest non-null bucket, each with the ingest time (µs) it was seen at. */
  tokens: Record<string, { market_id: string; market_us: number; bucket: string | null; bucket_us: number }>;
  /** token → the market date of its latest listing and that listing's ingest time (µs). */
  listed: Record<string, { market_date: string; ts_us: number }>;
  /** The buckets of the latest nowcast and its ingest time (µs). */
  nowcast: { ts_us: number; buckets: string[] } | null;
}

/** `facts` updated with the rows of `sources` (table expressions over new rows). */
export async function addTokenFacts(q: Query, facts: TokenFacts, sources: { l2_snap_1s?: string; nowcast_1m?: string; markets?: string }): Promise<TokenFacts> {
  const tokens = { ...facts.tokens };
  if (sources.l2_snap_1s) {
    const rows = await q(
      `SELECT token_id, arg_max(market_id, ts_ingest_utc) AS market_id, epoch_us(max(ts_ingest_utc)) AS market_us,
              arg_max(bucket, ts_ingest_utc) FILTER (WHERE bucket IS NOT NULL) AS bucket,
              epoch_us(max(ts_ingest_utc) FILTER (WHERE bucket IS NOT NULL)) AS bucket_us
       FROM ${sources.l2_snap_1s} GROUP BY token_id`,
    );
    for (const r of rows) {
      const token = String(r.token_id);
      const had = tokens[token];
      const marketUs = Number(r.market_us as bigint);
      const bucketUs = r.bucket_us == null ? -Infinity : Number(r.bucket_us as bigint);
      const newerMarket = !had || marketUs > had.market_us;
      const newerBucket = r.bucket != null && (!had || had.bucket === null || bucketUs > had.bucket_us);
      tokens[token] = {
        market_id: newerMarket ? String(r.market_id) : had!.market_id,
        market_us: newerMarket ? marketUs : had!.market_us,
        bucket: newerBucket ? String(r.bucket) : (had?.bucket ?? null),
        bucket_us: newerBucket ? bucketUs : (had?.bucket_us ?? 0),
      };
    }
  }
  const listed = { ...facts.listed };
  if (sources.markets) {
    const rows = await q(
      `SELECT tok.token_id AS token_id, arg_max(market_date, ts_ingest_utc) AS market_date, epoch_us(max(ts_ingest_utc)) AS ts_us
       FROM (SELECT market_date, ts_ingest_utc, unnest(tokens) AS tok FROM ${sources.markets} WHERE kind = 'listed') GROUP BY tok.token_id`,
    );
    for (const r of rows) {
      const token = String(r.token_id);
      const tsUs = Number(r.ts_us as bigint);
      if (!listed[token] || tsUs > listed[token]!.ts_us) listed[token] = { market_date: String(r.market_date), ts_us: tsUs };
    }
  }
  let nowcast = facts.nowcast;
  if (sources.nowcast_1m) {
    const [last] = await q(
      `SELECT epoch_us(ts_ingest_utc) AS ts_us, list_transform(p_bucket, x -> x.bucket) AS buckets FROM ${sources.nowcast_1m} ORDER BY ts_ingest_utc DESC, event_id DESC LIMIT 1`,
    );
    if (last && (nowcast === null || Number(last.ts_us as bigint) > nowcast.ts_us)) {
      nowcast = { ts_us: Number(last.ts_us as bigint), buckets: (last.buckets as string[] | null) ?? [] };
    }
  }
  return { tokens, listed, nowcast };
}

/** The manifest's token list from the facts. */
export function tokensOf(facts: TokenFacts): Manifest['tokens'] {
  const order = new Map<string, number>();
  (facts.nowcast?.buckets ?? []).forEach((b, i) => order.set(b, i));
  const rank = (bucket: string | null) => (bucket !== null && order.has(bucket) ? order.get(bucket)! : Number.MAX_SAFE_INTEGER);
  return Object.entries(facts.tokens)
    .map(([token_id, t]) => ({ token_id, market_id: t.market_id, bucket: t.bucket, market_date: facts.listed[token_id]?.market_date ?? null }))
    .sort((a, b) => rank(a.bucket) - rank(b.bucket) || (a.bucket ?? '~').localeCompare(b.bucket ?? '~') || a.token_id.localeCompare(b.token_id));
}

export async function deriveMarkets(q: Query, markets: string | undefined): Promise<Manifest['markets']> {
  if (!markets) return [];
  const rows = await q(
    `SELECT kind, market_date, venue_event_id, slug, title, rules, resolution_source, winning_asset_id, token_id, bucket
     FROM ${markets} ORDER BY ts_ingest_utc, event_id`,
  );
  const byDate = new Map<string, Manifest['markets'][number]>();
  for (const r of rows) {
    const date = String(r.market_date);
    const str = (v: unknown) => (v == null ? null : String(v));
    const market = byDate.get(date) ?? { market_date: date, venue_event_id: null, slug: null, title: null, rules: null, resolution_source: null, winner: null };
    if (r.kind === 'listed') {
      Object.assign(market, { venue_event_id: str(r.venue_event_id), slug: str(r.slug), title: str(r.title), rules: str(r.rules), resolution_source: str(r.resolution_source) });
    } else if (r.kind === 'resolved' && r.winning_asset_id != null && r.winning_asset_id === r.token_id) market.winner = str(r.bucket);
    byDate.set(date, market);
  }
  return [...byDate.values()].sort((a, b) => a.market_date.localeCompare(b.market_date));
}
