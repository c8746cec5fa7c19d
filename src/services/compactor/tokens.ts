/**
 * The manifest's `tokens`: every token with an L2 snapshot that day, labelled with the latest
 * bucket its snapshots carried and the market date its latest `markets` listing gave it, in the
 * order of the day's last nowcast buckets (the market's own order); tokens without a known bucket
 * come last, by id. And its `markets`: per market date the latest listing and the winner.
 */
import type { Manifest } from '../../shared/manifest';
import type { Query } from './markers';

export async function deriveTokens(q: Query, sources: { l2_snap_1s?: string; nowcast_1m?: string; markets?: string }): Promise<Manifest['tokens']> {
  if (!sources.l2_snap_1s) return [];
  const rows = await q(
    `SELECT token_id, arg_max(market_id, ts_ingest_utc) AS market_id, arg_max(bucket, ts_ingest_utc) FILTER (WHERE bucket IS NOT NULL) AS bucket
     FROM ${sources.l2_snap_1s} GROUP BY token_id`,
  );
  const order = new Map<string, number>();
  if (sources.nowcast_1m) {
    const [last] = await q(`SELECT list_transform(p_bucket, x -> x.bucket) AS buckets FROM ${sources.nowcast_1m} ORDER BY ts_ingest_utc DESC LIMIT 1`);
    ((last?.buckets as string[] | undefined) ?? []).forEach((b, i) => order.set(b, i));
  }
  const dates = new Map<string, string>();
  if (sources.markets) {
    const listed = await q(
      `SELECT tok.token_id AS token_id, arg_max(market_date, ts_ingest_utc) AS market_date
       FROM (SELECT market_date, ts_ingest_utc, unnest(tokens) AS tok FROM ${sources.markets} WHERE kind = 'listed') GROUP BY tok.token_id`,
    );
    for (const r of listed) dates.set(String(r.token_id), String(r.market_date));
  }
  const rank = (bucket: string | null) => (bucket !== null && order.has(bucket) ? order.get(bucket)! : Number.MAX_SAFE_INTEGER);
  return rows
    .map((r) => ({
      token_id: String(r.token_id),
      market_id: String(r.market_id),
      bucket: r.bucket == null ? null : String(r.bucket),
      market_date: dates.get(String(r.token_id)) ?? null,
    }))
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
