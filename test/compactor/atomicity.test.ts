/**
 * Crash safety: `helios compact` is SIGKILLed while DuckDB is writing a part file. Readers must
 * never see that half-written file — before the first complete run nothing at all, afterwards the
 * previous complete files and manifest — and the next run must clean up and complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compactDay } from '../../src/services/compactor';
import { DataRoot } from '../../src/services/data-root';
import { duck, line, snapshot, TOKEN_A, tempRoot, type Duck } from './helpers';
import { writeSyntheticDay } from './synthetic-day';

const DAY = { station_id: 'KLGA', date: '2026-01-29' };
let root: string;
let dayDir: string;
let db: Duck;

/** Start `helios compact`, SIGKILL it as soon as a temporary part file appears; resolves to what was seen. */
function killWhileWritingParquet(): Promise<{ tempSeen: string; exit: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compact', '--data', root, '--station', 'KLGA', '--date', DAY.date], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let tempSeen = '';
    const poll = setInterval(() => {
      for (const ch of existsSync(dayDir) ? readdirSync(dayDir).filter((n) => n.startsWith('ch=')) : []) {
        const temp = readdirSync(join(dayDir, ch)).find((n) => n.startsWith('.part-0000.parquet.') && n.endsWith('.tmp'));
        if (temp && !tempSeen) {
          tempSeen = join(ch, temp);
          child.kill('SIGKILL');
        }
      }
    }, 2);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (!tempSeen) reject(new Error(`compaction ended (code ${code}) before a temporary part file was seen: ${stderr}`));
      else resolve({ tempSeen, exit: signal ?? String(code) });
    });
  });
}

const visibleParts = () =>
  readdirSync(dayDir)
    .filter((n) => n.startsWith('ch='))
    .flatMap((ch) => readdirSync(join(dayDir, ch)).filter((n) => n.endsWith('.parquet')).map((n) => `${ch}/${n}`));

beforeAll(async () => {
  root = tempRoot();
  dayDir = join(root, 'parquet', 'station=KLGA', `date=${DAY.date}`);
  writeSyntheticDay({ dir: join(root, 'journal', 'station=KLGA', `date=${DAY.date}`), startMs: Date.parse('2026-01-29T15:00:00Z'), hours: 0.25, levels: 20 });
  db = await duck();
}, 60_000);

afterAll(() => {
  db?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('killing a compaction mid-write', () => {
  it('leaves nothing visible on a first compaction, and the next run completes', async () => {
    const killed = await killWhileWritingParquet();
    expect(killed.exit).toBe('SIGKILL');
    expect(visibleParts()).toEqual([]);
    expect(existsSync(join(dayDir, '_manifest.json'))).toBe(false);
    expect(await new DataRoot(root).listDays()).toEqual([]);

    const result = await compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date });
    expect(result.manifest.totals.quarantined).toBe(0);
    // The killed run's temporaries, work folder and lock are gone; only published names remain.
    const leftovers = readdirSync(dayDir).filter((n) => n.startsWith('.'));
    expect(leftovers).toEqual([]);
    for (const ch of Object.keys(result.manifest.channels)) expect(readdirSync(join(dayDir, `ch=${ch}`))).toEqual(['part-0000.parquet']);
  }, 120_000);

  it('keeps the previous complete files and manifest visible when a re-compaction is killed', async () => {
    const root_ = new DataRoot(root);
    const before = await root_.readManifest(DAY);
    // The recorder appended more of the day since.
    appendFileSync(join(root, 'journal', 'station=KLGA', `date=${DAY.date}`, 'late.ndjson'), line(snapshot(TOKEN_A, '2026-01-29T16:00:00.500Z', 0.5)) + '\n');

    await killWhileWritingParquet();
    const during = await root_.readManifest(DAY);
    expect(during).toEqual(before);
    for (const [ch, c] of Object.entries(during.channels)) {
      const [row] = await db.all(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(dayDir, c.file)}')`);
      expect(row, ch).toEqual({ n: c.rows });
    }

    const after = await compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date });
    expect(after.manifest.channels.l2_snap_1s!.rows).toBe(before.channels.l2_snap_1s!.rows + 1);
    expect(readdirSync(dayDir).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);
});
