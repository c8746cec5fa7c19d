/**
 * Before the first insert: what the server can do (Debian ships 18.16, from 2018) and the schema
 * created to match. What an old server lacks is detected, not assumed from its version, and said
 * once in the log:
 *  - table TTL (ClickHouse ≥ 19.6): without it nothing expires on the server; drop old monthly
 *    partitions yourself (`ALTER TABLE … DROP PARTITION 202601`);
 *  - `insert_deduplication_token` (≥ 22.x) and block deduplication of non-replicated tables: a
 *    retried batch may be stored twice until ReplacingMergeTree merges it away; `FINAL` (or
 *    `OPTIMIZE … FINAL`) gives exact counts meanwhile.
 */
import { CLICKHOUSE_CHANNELS, createDatabaseSql, createTableSql, tableColumns, type ClickHouseChannel } from './schema';
import { ClickHouseServerError, type ClickHouseHttp } from './http';
import type { ClickHouseConfig } from './config';
import { sqlString } from '../../shared/sql';

export interface ClickHouseServerInfo {
  version: string;
  ttl: boolean;
  deduplicationToken: boolean;
  /** What this server lacks that the sink would use, in words (empty on a current server). */
  lacks: string[];
  /** Existing tables whose columns differ from this build's (inserts into them will be set aside). */
  drift: string[];
}

const PROBE = '_helios_probe_ttl';

export async function prepareServer(http: ClickHouseHttp, config: ClickHouseConfig): Promise<ClickHouseServerInfo> {
  const [{ v: version }] = (await http.query<{ v: string }>('SELECT version() AS v')) as [{ v: string }];
  await http.command(createDatabaseSql(config.database));
  const db = `\`${config.database}\``;
  let ttl = true;
  try {
    await http.command(`CREATE TABLE IF NOT EXISTS ${db}.${PROBE} (d Date) ENGINE = MergeTree ORDER BY d TTL d + toIntervalDay(1)`);
  } catch (e) {
    if (!(e instanceof ClickHouseServerError)) throw e;
    ttl = false;
  }
  await http.command(`DROP TABLE IF EXISTS ${db}.${PROBE}`);
  const [{ n }] = (await http.query<{ n: string | number }>("SELECT count() AS n FROM system.settings WHERE name = 'insert_deduplication_token'")) as [{ n: string }];
  const deduplicationToken = Number(n) > 0;
  for (const ch of CLICKHOUSE_CHANNELS) await http.command(createTableSql(config.database, ch, ttl ? config.ttl_days : null));

  const drift: string[] = [];
  const existing = await http.query<{ table: string; name: string; type: string }>(
    `SELECT table, name, type FROM system.columns WHERE database = ${sqlString(config.database)}`,
  );
  for (const ch of CLICKHOUSE_CHANNELS) {
    const have = new Map(existing.filter((c) => c.table === ch).map((c) => [c.name, c.type]));
    const differ = tableColumns(ch as ClickHouseChannel).filter((c) => have.get(c.name) !== c.type).map((c) => `${c.name} ${c.type}`);
    if (differ.length) drift.push(`${config.database}.${ch} lacks or types differently: ${differ.join(', ')}`);
  }

  const lacks: string[] = [];
  if (!ttl) lacks.push(`table TTL (ClickHouse ≥ 19.6): rows are not expired after ${config.ttl_days} days; drop old monthly partitions by hand`);
  if (!deduplicationToken) {
    lacks.push('insert_deduplication_token: a retried batch may be stored twice until ReplacingMergeTree merges it; count with FINAL');
  }
  return { version, ttl, deduplicationToken, lacks, drift };
}
