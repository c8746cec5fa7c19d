/**
 * `helios clickhouse load|verify|ddl` and `helios record --clickhouse` against a real
 * clickhouse-server started here: the bulk load is idempotent, and the rows the live sink sends
 * are the rows the bulk load writes from the Parquet of the same day, value for value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compactDay } from '../../src/services/compactor';
import { DataRoot } from '../../src/services/data-root';
import { CLICKHOUSE_CHANNELS, schemaSql } from '../../src/services/clickhouse';
import { tableColumns } from '../../src/services/clickhouse/schema';
import { clickhouseServerCommand, NOT_INSTALLED, TestClickHouse } from '../../scripts/clickhouse-server';
import { recordAndCompact, tempDir } from './fixtures';

const run = promisify(execFile);
const REPO = join(__dirname, '../..');
const helios = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: REPO, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('the ClickHouse schema in the repo', () => {
  it('is what the code creates (regenerate: helios clickhouse ddl)', async () => {
    const file = await readFile(join(REPO, 'src/services/clickhouse/schema.sql'), 'utf8');
    expect(file.replace(/^--.*\n/gm, '').replace(/^\n/, '')).toBe(schemaSql('helios', 90));
  });
});

const installed = clickhouseServerCommand() !== null;
if (!installed) console.warn(`${NOT_INSTALLED}: the ClickHouse tests are skipped`);

describe.skipIf(!installed)('ClickHouse bulk load and record --clickhouse (real server)', () => {
  let server: TestClickHouse;
  let root: string;
  beforeAll(async () => {
    server = await TestClickHouse.start();
    root = await tempDir('helios-clickhouse-load-');
    await recordAndCompact(root, { date: '2026-03-07', minutes: 10 });
    await recordAndCompact(root, { date: '2026-03-08', minutes: 10, seed: 2 }); // the spring-forward day
  }, 180_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('loads days from Parquet, verifies them, and a second load changes nothing', async () => {
    const url = `${server.url}/helios_bulk`;
    const first = await helios(['clickhouse', 'load', '--data', root, '--from', '2026-03-01', '--to', '2026-03-31', '--clickhouse', url]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^ClickHouse \d+\.\d+/m);
    expect(first.stdout).toMatch(/^KLGA 2026-03-07 l2_snap_1s +[\d,]+ rows +loaded$/m);
    expect(first.stdout).not.toMatch(/already there$/m);
    const stored = await server.sql('SELECT date, count() FROM helios_bulk.l2_snap_1s GROUP BY date ORDER BY date FORMAT TSV');

    const verify = await helios(['clickhouse', 'verify', '--data', root, '--from', '2026-03-01', '--to', '2026-03-31', '--clickhouse', url]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/all \d+ channel-days match \(rows and checksum\)/);

    const again = await helios(['clickhouse', 'load', '--data', root, '--from', '2026-03-01', '--to', '2026-03-31', '--clickhouse', url]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/loaded$/m);
    expect(again.stdout).toMatch(/: 0 rows loaded in 0 channel-day\(s\), \d+ already there/);
    expect(await server.sql('SELECT date, count() FROM helios_bulk.l2_snap_1s GROUP BY date ORDER BY date FORMAT TSV')).toBe(stored);

    // a row lost on the server shows in verify, and the next load puts it back
    await server.sql("ALTER TABLE helios_bulk.health DELETE WHERE date = '2026-03-08' AND ts_ingest_utc_us % 7 = 0");
    await waitMutations(server);
    const broken = await helios(['clickhouse', 'verify', '--data', root, '--from', '2026-03-08', '--to', '2026-03-08', '--clickhouse', url]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^KLGA 2026-03-08 health .* DIFFERENT$/m);
    const repair = await helios(['clickhouse', 'load', '--data', root, '--from', '2026-03-08', '--to', '2026-03-08', '--clickhouse', url]);
    expect(repair.stdout).toMatch(/^KLGA 2026-03-08 health +[\d,]+ rows +loaded$/m);
    const fixed = await helios(['clickhouse', 'verify', '--data', root, '--from', '2026-03-08', '--to', '2026-03-08', '--clickhouse', url]);
    expect(fixed.code, fixed.stdout).toBe(0);
    // merged after the load: no duplicate left even without FINAL
    const [parquet, plain] = [/^KLGA 2026-03-08 health +Parquet +(\d+)/m.exec(fixed.stdout)![1], /^KLGA 2026-03-08 health .*\((\d+) stored\)/m.exec(fixed.stdout)![1]];
    expect(plain).toBe(parquet);
  }, 240_000);

  it('record --clickhouse streams the rows the bulk load would write, value for value', async () => {
    const rec = await tempDir('helios-clickhouse-record-');
    const r = await helios(['record', '--source', 'sim', '--data', rec, '--day', '2026-03-09', '--for', '10m', '--clickhouse', `http://helios@127.0.0.1:${server.httpPort}/helios_rec`], {
      HELIOS_CLICKHOUSE_PASSWORD: 's3cret',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^clickhouse: sent \d+ rows in \d+ batches$/m);
    await compactDay({ dataRoot: new DataRoot(rec), station: 'KLGA', date: '2026-03-09', threads: 0 });
    const verify = await helios(['clickhouse', 'verify', '--data', rec, '--from', '2026-03-09', '--to', '2026-03-09', '--clickhouse', `${server.url}/helios_rec`]);
    expect(verify.code, verify.stdout).toBe(0);

    // the same day through the bulk load, into another database
    const load = await helios(['clickhouse', 'load', '--data', rec, '--from', '2026-03-09', '--to', '2026-03-09', '--clickhouse', `${server.url}/helios_cmp`]);
    expect(load.code, load.stderr).toBe(0);
    for (const ch of CLICKHOUSE_CHANNELS) {
      const columns = tableColumns(ch).map((c) => `\`${c.name}\``).join(', ');
      const rows = (db: string) => server.sql(`SELECT ${columns} FROM ${db}.${ch} FINAL ORDER BY event_id FORMAT JSONEachRow`);
      const [live, bulk] = [await rows('helios_rec'), await rows('helios_cmp')];
      expect(live.length, ch).toBeGreaterThan(0);
      expect(live, ch).toBe(bulk);
    }
    // and loading it where the sink already put it changes nothing
    const over = await helios(['clickhouse', 'load', '--data', rec, '--from', '2026-03-09', '--to', '2026-03-09', '--clickhouse', `${server.url}/helios_rec`, ]);
    expect(over.stdout).toMatch(/: 0 rows loaded in 0 channel-day\(s\)/);
  }, 240_000);

  it('says what is wrong, in one line', async () => {
    const bad = await helios(['clickhouse', 'load', '--data', root, '--from', '2026-03-01', '--to', '2026-03-31', '--clickhouse', 'http://127.0.0.1:9/x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^helios: clickhouse load: .*ECONNREFUSED|^helios: clickhouse load: connect/);
    const none = await helios(['clickhouse', 'verify', '--data', root, '--from', '2020-01-01', '--to', '2020-01-02']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe(`helios: clickhouse: no compacted day from 2020-01-01 to 2020-01-02 under ${root}/parquet`);
    const url = await helios(['clickhouse', 'ddl', '--clickhouse', 'http://u:pw@host:8123/db']);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/password in the environment/);
  }, 60_000);
});

async function waitMutations(server: TestClickHouse): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await server.sql('SELECT count() FROM system.mutations WHERE is_done = 0')).trim() === '0') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('mutation did not finish');
}
