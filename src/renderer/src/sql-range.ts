/** A range of the day as a query the SQL console starts from (every table has ts_ingest_utc). */
import type { TimeRange } from './store/ui-store';

const iso = (ms: number) => new Date(ms).toISOString();

export function rangeSql(range: TimeRange, table = 'l2_snap_1s'): string {
  return `-- the selected range, ${iso(range.from)} – ${iso(range.to)} (UTC); every table has ts_ingest_utc
SELECT *
FROM ${table}
WHERE ts_ingest_utc >= TIMESTAMPTZ '${iso(range.from)}' AND ts_ingest_utc < TIMESTAMPTZ '${iso(range.to)}'
ORDER BY ts_ingest_utc`;
}
