/** `helios query`: one SQL statement over every compacted day, whatever the day layout. */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, rename, symlink } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import { DataRoot } from '../../src/services/data-root';
import { runQuery, type QueryFormat } from '../../src/services/query';
import { openDuck } from '../../src/services/duckdb';
import { recordAndCompact, tempDir } from './fixtures';

const run = promisify(execFile);
const REPO = join(__dirname, '../..');
const helios = (args: string[]) =>
  run('npx', ['tsx', 'src/cli/main.ts', 'query', ...args], { cwd: REPO }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

let root: DataRoot;
const perDay: Record<string, number> = {};

beforeAll(async () => {
  root = new DataRoot(await tempDir('helios-query-'));
  for (const [date, seed] of [['2026-02-01', 1], ['2026-02-02', 2], ['2026-02-03', 3]] as const) {
    await recordAndCompact(root.root, { date, seed, minutes: 5 });
    perDay[date] = (await root.readManifest({ station_id: 'KLGA', date })).channels.l2_snap_1s!.rows;
  }
  // day 2 as a link into .gen/ (a generation), day 3 with its channel in two part files
  const station = join(root.root, 'parquet', 'station=KLGA');
  await mkdir(join(station, '.gen'));
  await rename(join(station, 'date=2026-02-02'), join(station, '.gen', 'g-0001'));
  await symlink(join('.gen', 'g-0001'), join(station, 'date=2026-02-02'));
  const ch = join(station, 'date=2026-02-03', 'ch=l2_snap_1s');
  const duck = await openDuck();
  await duck.run(`COPY (FROM '${ch}/part-0000.parquet' WHERE token_id < (SELECT median(token_id) FROM '${ch}/part-0000.parquet')) TO '${ch}/part-0001.parquet' (FORMAT parquet)`);
  await duck.run(`COPY (FROM '${ch}/part-0000.parquet' WHERE token_id >= (SELECT median(token_id) FROM '${ch}/part-0000.parquet')) TO '${ch}/part-0002.parquet' (FORMAT parquet)`);
  duck.close();
  await rename(join(ch, 'part-0000.parquet'), join(ch, '.part-0000.parquet.old'));
}, 180_000);

async function capture(sql: string, format: QueryFormat = 'table', extra: { out?: string; maxRows?: number } = {}): Promise<string> {
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  await runQuery({ dataRoot: root, sql, format, output, ...extra });
  return text;
}

describe('queries across days', () => {
  it('sees every day, linked or split into parts, with station and date from the folders', async () => {
    const csv = await capture('SELECT station, date, count(*) AS n FROM l2_snap_1s GROUP BY ALL ORDER BY ALL', 'csv');
    expect(csv).toBe(`station,date,n\n${Object.entries(perDay).map(([d, n]) => `KLGA,${d},${n}`).join('\n')}\n`);
  });

  it('prints a table, truncated at --max-rows', async () => {
    const table = await capture("SELECT date, count(*) AS n FROM health WHERE date >= DATE '2026-02-02' GROUP BY date ORDER BY date");
    expect(table).toMatch(/^date +n\n-+ +-+\n2026-02-02 +\d+\n2026-02-03 +\d+\n\(2 rows\)\n$/);
    const cut = await capture('SELECT event_id FROM health ORDER BY ts_ingest_utc', 'table', { maxRows: 3 });
    expect(cut.trim().split('\n')).toHaveLength(2 + 3 + 1);
    expect(cut).toMatch(/\(first 3 rows; more not shown/);
  });

  it('writes NDJSON, and Parquet to a file, with nested values intact', async () => {
    const json = await capture("SELECT bids, latency FROM (SELECT bids, NULL AS latency FROM l2_snap_1s WHERE book_ok LIMIT 1)", 'json');
    const row = JSON.parse(json.trim());
    expect(row.bids[0]).toEqual({ p: expect.any(Number), s: expect.any(Number) });
    const out = join(root.root, 'metars.parquet');
    await capture('SELECT date, raw, temp_c FROM metar_obs ORDER BY ts_ingest_utc', 'parquet', { out });
    const duck = await openDuck();
    const back = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM '${out}'`);
    duck.close();
    expect(Number(back[0]!.n)).toBeGreaterThanOrEqual(3);
    expect((await readFile(out)).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('answers DESCRIBE and SHOW TABLES', async () => {
    const tables = await capture('SHOW TABLES', 'csv');
    expect(tables.split('\n')).toEqual(expect.arrayContaining(['l2_snap_1s', 'metar_obs', 'event_windows']));
    expect(await capture('DESCRIBE nowcast_1m', 'csv')).toMatch(/^p_bucket,"STRUCT\(bucket VARCHAR, p DOUBLE\)\[\]"/m);
  });
});

describe('helios query (CLI)', () => {
  it('prints the result, and one line with exit 2 for a bad statement', async () => {
    const ok = await helios(['--data', root.root, 'SELECT count(DISTINCT date) AS days FROM l2_snap_1s']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('days\n----\n   3\n(1 row)\n');
    const bad = await helios(['--data', root.root, 'SELEC 1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('helios: query: Parser Error: syntax error at or near "SELEC"\n');
  }, 60_000);

  it('says in one line what is wrong with a statement', async () => {
    for (const [sql, message] of [
      ['SELECT nope FROM health', /^Binder Error: Referenced column "nope" not found in FROM clause!$/],
      ['SELECT 1; SELECT 2', /^give one SQL statement \(got 2\)$/],
      ['SELECT * FROM l2_deltas_typo', /^Catalog Error: Table with name l2_deltas_typo does not exist!$/],
      ["SELECT 'x'::INTEGER", /^Conversion Error: Could not convert string 'x' to INT32$/],
      ['   ', /^empty SQL$/],
    ] as const) {
      await expect(capture(sql), sql).rejects.toThrow(message);
    }
  });

  it('names the views there are when a channel has no Parquet here', async () => {
    const empty = await tempDir('helios-query-empty-');
    await mkdir(join(empty, 'parquet'));
    const r = await helios(['--data', empty, 'SELECT * FROM metar_obs']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('helios: query: no Parquet of metar_obs here (this data root has: no compacted day)');
  }, 30_000);

  it('writes CSV to --out', async () => {
    const out = join(root.root, 'days.csv');
    const r = await helios(['--data', root.root, '--format', 'csv', '--out', out, 'SELECT DISTINCT date FROM health ORDER BY date']);
    expect(r.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('date\n2026-02-01\n2026-02-02\n2026-02-03\n');
  }, 30_000);
});

