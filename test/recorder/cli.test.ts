/** `helios record` as a user runs it: real processes, the embedded simulator, the journal on disk. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli-error';
import { recordCommand } from '../../src/cli/commands/record';
import { parseLine } from '../../src/shared/registry';
import type { AnyEvent } from '../../src/shared/schemas';
import { readJournal } from './journal-files';

const repo = resolve(__dirname, '../..');
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function helios(args: string[], onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c;
    pending += c;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) onLine?.(l, (s) => child.kill(s));
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

function journalEvents(root: string): AnyEvent[] {
  const files = readJournal(root);
  expect(files.length).toBeGreaterThan(0);
  return files.flatMap((f) => {
    expect(f.tail, `${f.name} ends with a complete line`).toBe('');
    return f.lines.map((line) => {
      const parsed = parseLine(line);
      if (!parsed.ok) throw new Error(`${f.name}: ${parsed.reason}`);
      return parsed.event;
    });
  });
}

function summaryCounts(stdout: string): Record<string, number> {
  const summary = stdout.split('\n').find((l) => l.startsWith('recorded '))!;
  const inner = /events \(([^)]*)\)/.exec(summary)![1]!;
  return Object.fromEntries(inner.split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k!, Number(v)]));
}

function countByChannel(events: AnyEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.ch] = (out[e.ch] ?? 0) + 1;
  return out;
}

describe('helios record', () => {
  it('--for 30s --speed 60 records the simulator and exits cleanly with a one-line summary', async () => {
    const root = mkdtempSync(join(tmpdir(), 'helios-cli-'));
    roots.push(root);
    const r = await helios(['record', '--source', 'sim', '--data', root, '--for', '30s', '--speed', '60', '--day', '2026-01-29', '--seed', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^recorded 3\d(\.\d)?s of KLGA \(seed 3, 60x\): \d+ events \(l2_snap_1s=\d+ .*written \d+ \(\d+ bytes on disk\); dropped 0; .*1 file\(s\): .*date=2026-01-29/);
    const events = journalEvents(root);
    expect(countByChannel(events)).toEqual(summaryCounts(r.stdout));
    // 8 tokens × ~30 snapshots, all on the local day (which started at 2026-01-29T05:00Z)
    expect(countByChannel(events).l2_snap_1s).toBeGreaterThanOrEqual(8 * 30);
  });

  it('--day synthesizes at max speed; the journal holds exactly what the summary says', async () => {
    const root = mkdtempSync(join(tmpdir(), 'helios-cli-'));
    roots.push(root);
    const r = await helios(['record', '--source', 'sim', '--data', root, '--day', '2026-01-29', '--for', '20m']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^recorded 20m of KLGA \(day 2026-01-29, seed 1, max speed\)/);
    const events = journalEvents(root);
    const counts = countByChannel(events);
    expect(counts).toEqual(summaryCounts(r.stdout));
    expect(counts.l2_snap_1s).toBe(8 * 20 * 60);
    expect(new Set(readJournal(root).map((f) => f.date))).toEqual(new Set(['2026-01-29']));
  });

  it('SIGTERM mid-recording flushes, closes and summarizes: no torn line', async () => {
    const root = mkdtempSync(join(tmpdir(), 'helios-cli-'));
    roots.push(root);
    let signalled = false;
    const r = await helios(['record', '--source', 'sim', '--data', root, '--day', '2026-01-29', '--speed', '30', '--progress'], (line, kill) => {
      if (!signalled && line.startsWith('progress ')) {
        signalled = true;
        kill('SIGTERM');
      }
    });
    expect(signalled).toBe(true);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nrecorded .* of KLGA \(seed 1, 30x\)/);
    const events = journalEvents(root);
    expect(countByChannel(events)).toEqual(summaryCounts(r.stdout));
    expect(events.at(-1)!.ch).toBe('health'); // the final record written on stop
  });

  it('records with the settings of a --settings file (e.g. a setting copied from helios sweep)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'helios-cli-'));
    roots.push(root);
    const settingsDir = mkdtempSync(join(tmpdir(), 'helios-cli-settings-'));
    roots.push(settingsDir);
    const settings = join(settingsDir, 'settings.json'); // not inside the data root: that would be a folder of other things
    writeFileSync(settings, JSON.stringify({ windows: { metarS: 75 }, triggers: { midShockTicks: 6 } }));
    const r = await helios(['record', '--source', 'sim', '--data', root, '--day', '2026-01-29', '--for', '90m', '--settings', settings]);
    expect(r.code).toBe(0);
    const metarWindows = journalEvents(root).filter((e) => e.ch === 'event_windows' && e.state === 'open' && e.reason === 'METAR');
    expect(metarWindows.length).toBeGreaterThan(0);
    for (const w of metarWindows) if (w.ch === 'event_windows') expect(Date.parse(w.end_ts) - Date.parse(w.start_ts)).toBe(75_000);
    writeFileSync(settings, JSON.stringify({ windows: { metarS: 30 } }));
    const bad = await recordCommand.run(['--data', root, '--settings', settings]).then(() => null, (e: unknown) => e);
    expect(bad).toBeInstanceOf(CliError);
    expect((bad as CliError).message).toMatch(/recording settings .*settings\.json: .*windows\.metarS/);
  }, 60_000);

  it('rejects bad options with a clear message (a CliError: exit code 2, no stack trace)', async () => {
    const attempt = (args: string[]) => recordCommand.run(args).then(() => null, (e: unknown) => e);
    const cases: [string[], string][] = [
      [['--data', '/tmp/x', '--for', '10x'], '--for: expected a duration like 30s'],
      [['--source', 'kafka', '--data', '/tmp/x'], 'expected sim or capture:DIR, got "kafka"'],
      [['--source', 'sim'], '--data DIR is required'],
      [['--data', '/tmp/x', '--speed', 'fast'], '--speed must be a number'],
      [['--data', '/tmp/x', '--day', '29/01/2026'], '--day must be YYYY-MM-DD'],
      [['--data', '/tmp/x', '--station', 'XXXX'], 'unknown station "XXXX"'],
      [['--data', '/tmp/x', '--speed', 'max'], '--speed max needs --for'],
      [['--data', '/tmp/x', '--bogus'], "Unknown option '--bogus'"],
    ];
    for (const [args, message] of cases) {
      const e = await attempt(args);
      expect(e, args.join(' ')).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(2);
      expect((e as CliError).message).toContain(message);
    }
  });
});
