/** `helios clickhouse ddl|load|verify`: the optional ClickHouse store (docs/spec.md §8, analytics only). */
import { parseArgs } from 'node:util';
import type { Command } from './command';
import { CliError } from '../cli-error';
import { existingDataRoot } from '../data-root-arg';
import type { DataRoot, DayRef } from '../../services/data-root';
import { readConfigSection } from '../../services/config-file';
import { clickhouseConfigFromUrl, clickhouseConfigSchema, schemaSql, type ClickHouseConfig } from '../../services/clickhouse';
import { STATION_ID_PATTERN } from '../../shared/stations';
import { DATE_PATTERN } from '../../shared/time';

const usage = `usage: npm run -s helios -- clickhouse <ddl|load|verify> [options]

  ddl                        print the schema (CREATE DATABASE/TABLE statements)
  load   --data DIR --from D --to D
                             load compacted days from Parquet; a channel of a day ClickHouse already
                             holds exactly is skipped, so running it again changes nothing
  verify --data DIR --from D --to D
                             compare rows and a checksum per day and channel with the Parquet

  --clickhouse URL   http://[user@]host:port[/database] (default http://127.0.0.1:8123, database
                     helios); the password comes from $HELIOS_CLICKHOUSE_PASSWORD (or the variable
                     named by password_env)
  --config FILE      a JSON file whose "clickhouse" section sets url, database, user, password_env,
                     ttl_days, … (see docs/data-format.md); --clickhouse overrides its url
  --station S        only this station (load, verify)
  --ttl-days N       ddl: the TTL clause (default 90; 0 = none, as on servers older than 19.6)

Exit status: 0 on success (verify: every day matches), 1 when the server fails or verify finds a
difference, 2 for bad arguments.`;

async function configFrom(values: { clickhouse?: string; config?: string }): Promise<ClickHouseConfig> {
  try {
    const base = values.config ? await readConfigSection(values.config, 'clickhouse', clickhouseConfigSchema) : clickhouseConfigSchema.parse({});
    return values.clickhouse ? clickhouseConfigFromUrl(values.clickhouse, base) : base;
  } catch (e) {
    throw new CliError(`clickhouse: ${(e as Error).message}`);
  }
}

async function daysFrom(values: { data?: string; from?: string; to?: string; station?: string }): Promise<{ dataRoot: DataRoot; days: DayRef[] }> {
  if (!values.data) throw new CliError(`clickhouse: --data DIR is required\n${usage}`);
  for (const flag of ['from', 'to'] as const) {
    if (!values[flag] || !DATE_PATTERN.test(values[flag]!)) throw new CliError(`clickhouse: --${flag} YYYY-MM-DD is required`);
  }
  if (values.station && !STATION_ID_PATTERN.test(values.station)) throw new CliError(`clickhouse: invalid --station ${JSON.stringify(values.station)}`);
  const dataRoot = await existingDataRoot('clickhouse', values.data);
  const days = (await dataRoot.parquetDays()).filter(
    (d) => d.date >= values.from! && d.date <= values.to! && (!values.station || d.station_id === values.station),
  );
  if (days.length === 0) throw new CliError(`clickhouse: no compacted day from ${values.from} to ${values.to} under ${dataRoot.root}/parquet`);
  return { dataRoot, days };
}

export const clickhouseCommand: Command = {
  name: 'clickhouse',
  summary: 'optional ClickHouse store: print its schema, bulk-load days from Parquet, verify them',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    let values;
    try {
      ({ values } = parseArgs({
        args: rest,
        options: {
          data: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          station: { type: 'string' },
          clickhouse: { type: 'string' },
          config: { type: 'string' },
          'ttl-days': { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      throw new CliError(`clickhouse: ${(e as Error).message}\n${usage}`);
    }
    if (sub === 'ddl') {
      const config = await configFrom(values);
      const ttlText = values['ttl-days'] ?? String(config.ttl_days);
      if (!/^\d+$/.test(ttlText)) throw new CliError(`clickhouse: --ttl-days must be a whole number, got ${JSON.stringify(ttlText)}`);
      process.stdout.write(schemaSql(config.database, Number(ttlText) || null));
      return 0;
    }
    if (sub !== 'load' && sub !== 'verify') throw new CliError(`clickhouse: expected ddl, load or verify${sub ? `, got ${JSON.stringify(sub)}` : ''}\n${usage}`);
    const config = await configFrom(values);
    const { dataRoot, days } = await daysFrom(values);
    const { connectClickHouse, prepareServer, loadDays, verifyDays } = await import('../../services/clickhouse');
    const { openDuck } = await import('../../services/duckdb');
    const http = connectClickHouse(config);
    const duck = await openDuck();
    try {
      if (sub === 'load') {
        const server = await prepareServer(http, config);
        console.error(`ClickHouse ${server.version} at ${config.url}, database ${config.database}`);
        for (const lack of server.lacks) console.error(`helios clickhouse: warning: the server lacks ${lack}`);
        for (const d of server.drift) console.error(`helios clickhouse: warning: schema differs: ${d}`);
        const started = Date.now();
        const loads = await loadDays({
          dataRoot,
          http,
          duck,
          config,
          days,
          onChannel: (l) => console.log(`${l.station_id} ${l.date} ${l.ch.padEnd(13)} ${l.rows.toLocaleString('en-US').padStart(10)} rows  ${l.outcome === 'loaded' ? 'loaded' : 'already there'}`),
        });
        const loaded = loads.filter((l) => l.outcome === 'loaded');
        console.log(
          `${days.length} day(s): ${loaded.reduce((n, l) => n + l.rows, 0).toLocaleString('en-US')} rows loaded in ${loaded.length} channel-day(s), ${loads.length - loaded.length} already there; ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        return 0;
      }
      const checks = await verifyDays({
        dataRoot,
        http,
        duck,
        database: config.database,
        days,
        onCheck: (c) =>
          console.log(
            `${c.station_id} ${c.date} ${c.ch.padEnd(13)} Parquet ${String(c.parquet_rows).padStart(9)}  ClickHouse ${String(c.clickhouse_rows).padStart(9)} (${c.clickhouse_stored} stored)  ${c.ok ? 'ok' : 'DIFFERENT'}`,
          ),
      });
      const bad = checks.filter((c) => !c.ok).length;
      console.log(bad ? `${bad} of ${checks.length} channel-days differ` : `all ${checks.length} channel-days match (rows and checksum)`);
      return bad ? 1 : 0;
    } catch (e) {
      throw new CliError(`clickhouse ${sub}: ${(e as Error).message.split('\n')[0]}`, 1);
    } finally {
      duck.close();
      await http.close();
    }
  },
};
