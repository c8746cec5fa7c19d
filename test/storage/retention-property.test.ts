/**
 * Retention never deletes the only copy of a day: over random data roots (days with or without a
 * journal, a raw capture and a Parquet copy that is complete, missing, damaged in one of several
 * ways or older than the journal) and random policies, after `applyRetention` every day that had a
 * journal or raw capture still has it, or has a Parquet copy that is complete and newer than it.
 * And nothing safe to delete is left behind.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdir, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataRoot } from '../../src/services/data-root';
import { applyRetention, retentionPolicySchema } from '../../src/services/retention';
import { checkParquetDay } from '../../src/services/retention/day-check';
import { openDuck } from '../../src/services/duckdb';
import { minusDays } from '../../src/services/retention/policy';
import { copyParquetDay, recordAndCompact, tempDir } from './fixtures';

const PARQUET_STATES = ['complete', 'missing', 'stale', 'truncated', 'file_gone', 'bad_manifest', 'rows_wrong'] as const;
type ParquetState = (typeof PARQUET_STATES)[number];
const TODAY = '2026-03-01';
const NOW = Date.parse(`${TODAY}T17:00:00Z`);

let template: string;
const source = { station_id: 'KLGA', date: '2026-01-10' };

beforeAll(async () => {
  template = await tempDir('helios-retention-prop-');
  await recordAndCompact(template, { date: source.date, minutes: 3, tokens: 6 });
}, 120_000);

const daySpec = fc.record({
  station_id: fc.constantFrom('KLGA', 'KORD'),
  age: fc.integer({ min: 0, max: 40 }),
  journal: fc.boolean(),
  raw: fc.boolean(),
  parquet: fc.constantFrom(...PARQUET_STATES),
});

async function writeCopy(root: DataRoot, tree: 'journal' | 'raw', day: { station_id: string; date: string }, atMs: number): Promise<void> {
  const dir = tree === 'journal' ? root.journalDir(day) : root.rawDir(day);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${tree}-0000.ndjson`);
  await writeFile(file, `{"day":"${day.date}"}\n`);
  await utimes(file, new Date(atMs), new Date(atMs));
}

async function build(root: DataRoot, day: { station_id: string; date: string }, spec: { journal: boolean; raw: boolean; parquet: ParquetState }): Promise<void> {
  const generated = Date.parse(`${day.date}T12:00:00Z`) + 86_400_000;
  // a stale Parquet was generated before the journal's last write
  const written = spec.parquet === 'stale' ? generated + 60_000 : generated - 3_600_000;
  if (spec.journal) await writeCopy(root, 'journal', day, written);
  if (spec.raw) await writeCopy(root, 'raw', day, written);
  if (spec.parquet === 'missing') return;
  await copyParquetDay(root.root, source, day, { generatedAt: new Date(generated).toISOString(), fromRoot: template });
  const manifest = JSON.parse(await readFile(root.manifestFile(day), 'utf8'));
  const health = join(root.parquetDayDir(day), manifest.channels.health.file);
  if (spec.parquet === 'truncated') await truncate(health, 100);
  if (spec.parquet === 'file_gone') await rm(health);
  if (spec.parquet === 'bad_manifest') await writeFile(root.manifestFile(day), '{"manifest_version":');
  if (spec.parquet === 'rows_wrong') {
    manifest.channels.health.rows += 1;
    await writeFile(root.manifestFile(day), JSON.stringify(manifest));
  }
}

describe('retention (property)', () => {
  it('never deletes the only copy of a day, and deletes every expired copy that is safe to delete', async () => {
    let deletions = 0;
    let keeps = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(daySpec, { minLength: 1, maxLength: 6, selector: (d) => `${d.station_id}/${d.age}` }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        async (specs, journalDays, rawDays) => {
          const root = new DataRoot(await tempDir('helios-retention-case-'));
          const policy = retentionPolicySchema.parse({ journal_days: journalDays, raw_days: rawDays });
          try {
            const days = specs.map((s) => ({ spec: s, day: { station_id: s.station_id, date: minusDays(TODAY, s.age) } }));
            for (const { spec, day } of days) await build(root, day, spec);
            await applyRetention({ dataRoot: root, policy, nowMs: NOW });

            const duck = await openDuck();
            try {
              for (const { spec, day } of days) {
                const verdict = await checkParquetDay(duck, root, day);
                for (const tree of ['journal', 'raw'] as const) {
                  if (!spec[tree]) continue;
                  const dir = tree === 'journal' ? root.journalDir(day) : root.rawDir(day);
                  const expired = spec.age > (tree === 'journal' ? journalDays : rawDays);
                  const safe = spec.parquet === 'complete';
                  if (existsSync(dir)) {
                    keeps++;
                    // kept: it was not expired, or its Parquet was not a complete, newer copy
                    expect(expired && safe, `${tree} ${day.station_id} ${day.date} (${spec.parquet}) should have gone`).toBe(false);
                  } else {
                    deletions++;
                    // deleted: its Parquet was a complete copy, newer than it, and still is
                    expect(safe, `${tree} ${day.station_id} ${day.date} deleted with Parquet ${spec.parquet}`).toBe(true);
                    expect(verdict.ok).toBe(true);
                    expect(expired, `${tree} ${day.station_id} ${day.date} deleted before it expired`).toBe(true);
                  }
                }
                if (spec.parquet !== 'missing') expect(existsSync(root.manifestFile(day))).toBe(true);
              }
            } finally {
              duck.close();
            }
          } finally {
            await rm(root.root, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 40 },
    );
    // the generator exercised both outcomes
    expect(deletions).toBeGreaterThan(0);
    expect(keeps).toBeGreaterThan(0);
  }, 300_000);
});

