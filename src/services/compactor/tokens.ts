/**
 * The manifest's `tokens`: every token with an L2 snapshot that day, labelled with the latest
 * bucket its snapshots carried, in the order of the day's last nowcast buckets (the market's own
 * order); tokens without a known bucket come last, by id.
 */
import type { Manifest } from '../../shared/manifest';
import type { Query } from './markers';

export async function deriveTokens(q: Query, sources: { l2_snap_1s?: string; nowcast_1m?: string }): Promise<Manifest['tokens']> {
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
  const rank = (bucket: string | null) => (bucket !== null && order.has(bucket) ? order.get(bucket)! : Number.MAX_SAFE_INTEGER);
  return rows
    .map((r) => ({ token_id: String(r.token_id), market_id: String(r.market_id), bucket: r.bucket == null ? null : String(r.bucket) }))
    .sort((a, b) => rank(a.bucket) - rank(b.bucket) || (a.bucket ?? '~').localeCompare(b.bucket ?? '~') || a.token_id.localeCompare(b.token_id));
}
