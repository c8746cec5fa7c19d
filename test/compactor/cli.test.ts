/** `npm run -s helios -- compact`: summary lines, exit status, messages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { journalDir, line, snapshot, TOKEN_A, tempRoot, writeJournalFile } from './helpers';

let root: string;
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compact', ...args], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });

beforeAll(() => {
  root = tempRoot();
  writeJournalFile(journalDir(root, 'KLGA', '2026-01-29'), 'a.ndjson', [line(snapshot(TOKEN_A, '2026-01-29T15:00:00Z', 0.5)), 'garbage', line(snapshot(TOKEN_A, '2026-01-29T15:00:01Z', 0.5))]);
  writeJournalFile(journalDir(root, 'KLGA', '2026-01-30'), 'a.ndjson', [line(snapshot(TOKEN_A, '2026-01-30T15:00:00Z', 0.5))]);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('helios compact', () => {
  it('compacts every day with a journal, exits 0 despite quarantined lines, one line per day + total', () => {
    const r = cli('--data', root);
    expect(r.status).toBe(0);
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^KLGA 2026-01-29: 3 lines → 2 rows in 1 channel \(.* Parquet from .* NDJSON\), 0 duplicates dropped, 1 quarantined \(not_json 1\) → quarantine\/station=KLGA\/date=2026-01-29\/quarantine\.ndjson; [\d.]+ s$/);
    expect(out[1]).toMatch(/^KLGA 2026-01-30: 1 lines → 1 rows in 1 channel .* 0 quarantined; [\d.]+ s$/);
    expect(out[2]).toMatch(/^compacted 2 of 2 days: 3 rows, 1 quarantined; [\d.]+ s$/);
    expect(r.stderr).toBe(''); // no progress output when stderr is not a terminal
    expect(existsSync(join(root, 'parquet', 'station=KLGA', 'date=2026-01-30', '_manifest.json'))).toBe(true);
  });

  it('reads only what is new on the next run, everything with --rebuild', () => {
    writeJournalFile(journalDir(root, 'KLGA', '2026-01-29'), 'b.ndjson', [line(snapshot(TOKEN_A, '2026-01-29T15:00:02Z', 0.5))]);
    const next = cli('--data', root, '--station', 'KLGA', '--date', '2026-01-29');
    expect(next.status).toBe(0);
    expect(next.stdout).toMatch(/^KLGA 2026-01-29: 4 lines → 3 rows in 1 channel .*; [\d.]+ s \(1 new lines\)\n$/);
    expect(cli('--data', root, '--station', 'KLGA', '--date', '2026-01-29').stdout).toMatch(/\(nothing new\)\n$/);
    expect(cli('--data', root, '--station', 'KLGA', '--date', '2026-01-29', '--rebuild').stdout).toMatch(/^KLGA 2026-01-29: 4 lines → 3 rows .*; [\d.]+ s\n$/);
  });

  it('exits 1 with a clear message when a requested day has no journal', () => {
    const r = cli('--data', root, '--station', 'KLGA', '--date', '2026-02-01');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`helios compact: KLGA 2026-02-01: no journal (expected ${join(root, 'journal', 'station=KLGA', 'date=2026-02-01')})`);
  });

  it('exits 2 on bad arguments', () => {
    const r = cli('--station', 'KLGA');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^helios: compact: --data DIR is required/);
  });
});
