import { beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, readFile, rm, stat, symlink, truncate, utimes, writeFile, readdir, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DataRoot } from '../../src/services/data-root';
import { applyRetention, planRetention, retentionPolicySchema, startDailyRetention, type RetentionPolicyInput, type RetentionReport } from '../../src/services/retention';
import { minusMonths } from '../../src/services/retention/policy';
import { openQueryDatabase } from '../../src/services/query';
import { copyParquetDay, recordAndCompact, tempDir } from './fixtures';

const run = promisify(execFile);
const DATE = '2026-01-10';
/** Local noon 30 days after DATE: the journal (14 days) has expired, the Parquet (24 months) not. */
const NOW_30_DAYS = Date.parse('2026-02-09T17:00:00Z');
const policy = (p: RetentionPolicyInput = {}) => retentionPolicySchema.parse(p);

let template: string;

beforeAll(async () => {
  template = await tempDir('helios-retention-template-');
  await recordAndCompact(template, { date: DATE });
}, 120_000);

async function freshRoot(): Promise<DataRoot> {
  const dir = await tempDir('helios-retention-');
  await cp(template, dir, { recursive: true, preserveTimestamps: true });
  return new DataRoot(dir);
}

const day = (date = DATE, station_id = 'KLGA') => ({ station_id, date });

/** A journal day (one small file) written `ageMs` before its copied Parquet was generated. */
async function journalBefore(root: DataRoot, d: { station_id: string; date: string }, generatedAt: string, ageMs = 3_600_000): Promise<void> {
  const dir = root.journalDir(d);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'a.ndjson'), '{"ch":"health"}\n');
  const t = new Date(Date.parse(generatedAt) - ageMs);
  await utimes(join(dir, 'a.ndjson'), t, t);
}

describe('retention of journal days', () => {
  it('deletes an expired journal day whose Parquet is complete, and only that', async () => {
    const root = await freshRoot();
    const journalBytes = (await readdir(root.journalDir(day()))).length;
    expect(journalBytes).toBeGreaterThan(0);
    const plan = await planRetention({ dataRoot: root, policy: policy(), nowMs: NOW_30_DAYS });
    expect(plan.items).toMatchObject([{ tree: 'journal', day: day(), action: 'delete' }]);
    expect(plan.bytes).toBeGreaterThan(1_000_000);
    expect(existsSync(root.journalDir(day()))).toBe(true); // a plan deletes nothing

    const manifestBefore = await readFile(root.manifestFile(day()), 'utf8');
    const report = await applyRetention({ dataRoot: root, policy: policy(), nowMs: NOW_30_DAYS });
    expect(report.items.map((i) => i.outcome)).toEqual(['deleted']);
    expect(report.freed).toBe(plan.bytes);
    expect(existsSync(root.journalDir(day()))).toBe(false);
    expect(await readFile(root.manifestFile(day()), 'utf8')).toBe(manifestBefore);
    expect((await readdir(join(root.root, 'journal', 'station=KLGA'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('keeps a journal day that is not expired yet', async () => {
    const root = await freshRoot();
    const plan = await planRetention({ dataRoot: root, policy: policy(), nowMs: Date.parse('2026-01-20T17:00:00Z') });
    expect(plan.items).toEqual([]);
  });

  it('keeps an expired journal day whose Parquet is missing, damaged or older than the journal, and says why', async () => {
    const root = await freshRoot();
    const manifest = JSON.parse(await readFile(root.manifestFile(day()), 'utf8')) as { generated_at: string; channels: Record<string, { file: string; rows: number; bytes: number }> };
    const gen = manifest.generated_at;
    const cases: [string, (d: { station_id: string; date: string }) => Promise<void>, RegExp][] = [
      ['2026-01-01', async () => {}, /its Parquet is missing/],
      ['2026-01-02', async (d) => truncate(join(root.parquetDayDir(d), manifest.channels.l2_snap_1s!.file), 1000), /damaged: l2_snap_1s has 1000 bytes, the manifest says/],
      ['2026-01-03', async (d) => writeFile(root.manifestFile(d), '{"manifest_version": 1, "cut'), /damaged/],
      ['2026-01-04', async (d) => rm(join(root.parquetDayDir(d), manifest.channels.health!.file)), /damaged: ch=health\/part-0000.parquet is missing/],
      [
        '2026-01-05',
        async (d) => {
          // same size, footer magic overwritten
          const file = join(root.parquetDayDir(d), manifest.channels.metar_obs!.file);
          const bytes = await readFile(file);
          bytes.write('XXXX', bytes.length - 4);
          await writeFile(file, bytes);
        },
        /damaged: metar_obs is unreadable/,
      ],
      [
        '2026-01-06',
        async (d) => {
          const m = JSON.parse(await readFile(root.manifestFile(d), 'utf8'));
          m.channels.health.rows += 1;
          await writeFile(root.manifestFile(d), JSON.stringify(m));
        },
        /damaged: health holds \d+ rows, the manifest says/,
      ],
      ['2026-01-07', async (d) => utimes(join(root.journalDir(d), 'a.ndjson'), new Date(Date.parse(gen) + 60_000), new Date(Date.parse(gen) + 60_000)), /its Parquet \(compacted .*\) is older than the journal/],
      ['2026-01-08', async (d) => writeFile(join(root.parquetDayDir(d), '.compact.lock'), String(process.pid)), /its day is being compacted/],
    ];
    for (const [date, damage] of cases) {
      if (date !== '2026-01-01') await copyParquetDay(root.root, day(), day(date));
      await journalBefore(root, day(date), gen);
      await damage(day(date));
    }
    const plan = await planRetention({ dataRoot: root, policy: policy(), nowMs: NOW_30_DAYS });
    const report = await applyRetention({ dataRoot: root, policy: policy(), nowMs: NOW_30_DAYS });
    for (const [date, , reason] of cases) {
      const planned = plan.items.find((i) => i.day.date === date)!;
      expect(planned, date).toMatchObject({ tree: 'journal', action: 'keep' });
      expect(planned.reason, date).toMatch(reason);
      expect(report.items.find((i) => i.day.date === date)?.outcome, date).toBe('kept');
      expect(existsSync(root.journalDir(day(date))), date).toBe(true);
    }
    // the healthy day of the fixture went
    expect(report.items.find((i) => i.day.date === DATE)?.outcome).toBe('deleted');
  });

  it('treats raw captures like journals', async () => {
    const root = await freshRoot();
    const gen = (await root.readManifest(day())).generated_at;
    for (const [date, age] of [[DATE, 3_600_000], ['2026-01-09', 3_600_000]] as const) {
      const dir = root.rawDir(day(date));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'clob-0000.ndjson'), '{"frame":1}\n');
      const t = new Date(Date.parse(gen) - age);
      await utimes(join(dir, 'clob-0000.ndjson'), t, t);
    }
    const report = await applyRetention({ dataRoot: root, policy: policy({ journal_days: 100 }), nowMs: NOW_30_DAYS });
    expect(report.items.map((i) => [i.tree, i.day.date, i.outcome])).toEqual([
      ['raw', '2026-01-09', 'kept'],
      ['raw', DATE, 'deleted'],
    ]);
    expect(report.items[0]!.reason).toMatch(/its Parquet is missing/);
    expect(existsSync(root.rawDir(day()))).toBe(false);
    expect(existsSync(root.journalDir(day()))).toBe(true);
  });

  it('removes what a killed run left hidden, and nothing of the compactor', async () => {
    const root = await freshRoot();
    const stationDir = join(root.root, 'journal', 'station=KLGA');
    const leftover = join(stationDir, '.retention-999999-0badf00d-date=2025-12-01');
    await mkdir(leftover);
    await writeFile(join(leftover, 'x.ndjson'), 'x\n');
    const compactorTemp = join(root.parquetDayDir(day()), '.work-999999-0badf00d');
    await mkdir(compactorTemp);
    await applyRetention({ dataRoot: root, policy: policy(), nowMs: Date.parse('2026-01-11T17:00:00Z') });
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(compactorTemp)).toBe(true);
  });
});

describe('retention of Parquet days', () => {
  it('keeps the event windows of an expired day until they expire too', async () => {
    const root = await freshRoot();
    const db = await openQueryDatabase(root);
    const windowRows = async (schema: string) => {
      const out: Record<string, number> = {};
      for (const ch of db.channels.parquet) {
        const n = (await db.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${schema}${ch} WHERE window_id IS NOT NULL`)).getRowObjectsJS()[0]!.n as number;
        if (n > 0) out[ch] = n;
      }
      return out;
    };
    const before = await windowRows('');
    db.close();
    expect(before.l2_deltas).toBeGreaterThan(0);
    expect(before.event_windows).toBeGreaterThan(0);
    await mkdir(root.quarantineDir(day()), { recursive: true });
    await writeFile(join(root.quarantineDir(day()), 'quarantine.ndjson'), '{}\n');

    const at25Months = Date.parse(`${minusMonths(DATE, -25)}T17:00:00Z`);
    const report = await applyRetention({ dataRoot: root, policy: policy(), nowMs: at25Months });
    expect(report.items.map((i) => [i.tree, i.outcome])).toEqual([
      ['journal', 'deleted'],
      ['parquet', 'deleted'],
      ['quarantine', 'deleted'],
    ]);
    const parquetItem = report.items[1]!;
    expect(parquetItem.windowRows).toBe(Object.values(before).reduce((a, b) => a + b, 0));
    expect(existsSync(root.parquetDayDir(day()))).toBe(false);
    expect(existsSync(root.quarantineDir(day()))).toBe(false);

    const after = await openQueryDatabase(root);
    expect(after.channels.parquet).toEqual([]);
    expect(after.channels.windows).toEqual(expect.arrayContaining(['l2_snap_1s', 'l2_deltas', 'event_windows', 'metar_obs']));
    after.close();
    const db2 = await openQueryDatabase(root);
    const kept: Record<string, number> = {};
    for (const ch of Object.keys(before)) {
      kept[ch] = (await db2.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM windows.${ch}`)).getRowObjectsJS()[0]!.n as number;
    }
    db2.close();
    expect(kept).toEqual(before);

    const at61Months = Date.parse(`${minusMonths(DATE, -61)}T17:00:00Z`);
    const later = await applyRetention({ dataRoot: root, policy: policy(), nowMs: at61Months });
    expect(later.items.map((i) => [i.tree, i.outcome])).toEqual([['windows', 'deleted']]);
    expect(existsSync(root.windowsDayDir(day()))).toBe(false);
  });

  it('keeps nothing extra with windows_months 0', async () => {
    const root = await freshRoot();
    const report = await applyRetention({ dataRoot: root, policy: policy({ windows_months: 0 }), nowMs: Date.parse(`${minusMonths(DATE, -25)}T17:00:00Z`) });
    expect(report.items.find((i) => i.tree === 'parquet')).toMatchObject({ outcome: 'deleted', windowRows: undefined });
    expect(existsSync(join(root.root, 'windows'))).toBe(false);
  });

  it('removes a day that is a link into .gen/ together with its generation', async () => {
    const root = await freshRoot();
    const stationDir = join(root.root, 'parquet', 'station=KLGA');
    const gen = join(stationDir, '.gen', 'g-0001');
    await mkdir(join(stationDir, '.gen'));
    await rename(root.parquetDayDir(day()), gen);
    await symlink(join('.gen', 'g-0001'), root.parquetDayDir(day()));
    // the journal check reads through the link
    const plan = await planRetention({ dataRoot: root, policy: policy(), nowMs: NOW_30_DAYS });
    expect(plan.items).toMatchObject([{ tree: 'journal', action: 'delete' }]);
    const report = await applyRetention({ dataRoot: root, policy: policy({ windows_months: 0 }), nowMs: Date.parse(`${minusMonths(DATE, -25)}T17:00:00Z`) });
    expect(report.items.map((i) => [i.tree, i.outcome])).toEqual([
      ['journal', 'deleted'],
      ['parquet', 'deleted'],
    ]);
    expect(existsSync(gen)).toBe(false);
    expect(await readdir(join(stationDir, '.gen'))).toEqual([]);
    expect((await readdir(stationDir)).filter((n) => n !== '.gen')).toEqual([]);
  });
});

describe('daily retention (the app setting)', () => {
  it('runs after the first delay, then every period, never overlapping; stop waits for a run', async () => {
    const root = await freshRoot();
    const reports: RetentionReport[] = [];
    const daily = startDailyRetention({ dataRoot: root, policy: policy({ journal_days: 1 }), firstDelayMs: 20, everyMs: 150, onReport: (r) => reports.push(r), onError: (e) => reports.push(e as never) });
    await new Promise((r) => setTimeout(r, 600));
    await daily.stop();
    const count = reports.length;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(reports[0]!.items.map((i) => [i.tree, i.outcome])).toEqual([['journal', 'deleted']]);
    expect(reports[1]!.items).toEqual([]);
    expect(existsSync(root.journalDir(day()))).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(reports.length).toBe(count); // stopped
  });
});

describe('policy', () => {
  it('rejects a Parquet retention shorter than the journal retention', () => {
    expect(() => policy({ journal_days: 60, parquet_months: 1 })).toThrow(/parquet_months must cover/);
  });
  it('counts months by the calendar', () => {
    expect(minusMonths('2026-03-31', 1)).toBe('2026-02-28');
    expect(minusMonths('2026-01-10', 24)).toBe('2024-01-10');
    expect(minusMonths('2024-02-29', 12)).toBe('2023-02-28');
  });
});

describe('helios retention (CLI)', () => {
  const cli = (args: string[]) =>
    run('npx', ['tsx', 'src/cli/main.ts', 'retention', ...args], { cwd: join(__dirname, '../..') }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('prints the dry run with sizes, deletes with --apply, and takes the policy from flags and a config file', async () => {
    const root = await freshRoot();
    // the fixture day is far in the past of the real clock: every tree's age is up
    const config = join(root.root, 'helios.json');
    await writeFile(config, JSON.stringify({ retention: { parquet_months: 1200, windows_months: 0 }, sources: { other: 'section' } }));
    const dry = await cli(['--data', root.root, '--config', config]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^would delete +journal +KLGA 2026-01-10 +\d+\.\d MB +older than 14 days; its Parquet is complete$/m);
    expect(dry.stdout).toMatch(/would free \d+\.\d MB \(1 journal day\); policy: journal 14 d, raw 14 d, Parquet 1200 mo, windows 0 mo\. Run with --apply/);
    expect(existsSync(root.journalDir(day()))).toBe(true);

    const flags = await cli(['--data', root.root, '--config', config, '--journal-days', '30000']);
    expect(flags.stdout).toMatch(/^nothing past the policy/m);

    const applied = await cli(['--data', root.root, '--config', config, '--apply']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^deleted +journal +KLGA 2026-01-10/m);
    expect(applied.stdout).toMatch(/freed \d+\.\d MB \(1 journal day\)/);
    expect(existsSync(root.journalDir(day()))).toBe(false);
    expect((await stat(root.manifestFile(day()))).isFile()).toBe(true);
  });

  it('exits 2 with one line for bad arguments and a bad config', async () => {
    const root = await freshRoot();
    const config = join(root.root, 'bad.json');
    await writeFile(config, JSON.stringify({ retention: { journal_days: 'seven' } }));
    for (const args of [['--data', root.root, '--journal-days', '-3'], ['--data', root.root, '--config', config], ['--data', root.root, '--journal-days', '400', '--parquet-months', '6'], ['--apply']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(/^helios: retention: /);
    }
  });
});
