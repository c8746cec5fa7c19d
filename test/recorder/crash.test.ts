/**
 * The crash guarantee, shown on a real process: SIGKILL a recording mid-stream, then read the
 * journal back. Every line parses except possibly a torn last one, and what is missing is bounded
 * by the flush interval: everything the process had enqueued by (its last report − flush interval −
 * scheduling slack) is on disk, and everything it reported written is too.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parseLine } from '../../src/shared/registry';
import { readJournal } from './journal-files';

const FLUSH_MS = 100;
/** Timer and scheduling jitter allowed on a loaded 2-core machine, on top of the flush interval. */
const SLACK_MS = 300;

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

interface Progress {
  t: number;
  enqueued: number;
  written: number;
}

it('SIGKILL mid-stream: the journal stays readable and loses at most the unflushed tail', async () => {
  root = mkdtempSync(join(tmpdir(), 'helios-crash-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/recording-child.ts'), root, String(FLUSH_MS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const reports: Progress[] = [];
  let buffered = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const m = /^progress (\S+) (\d+) (\d+)$/.exec(line);
        if (!m) continue;
        reports.push({ t: Number(m[1]), enqueued: Number(m[2]), written: Number(m[3]) });
        const first = reports.find((r) => r.written > 0);
        // kill once it has been writing for a while
        if (first && reports.at(-1)!.t - first.t > 1500 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      }
    });
    child.on('exit', () => resolve());
  });
  expect(await exited).toBe('SIGKILL');

  const files = readJournal(root);
  expect(files.length).toBeGreaterThan(0);
  let lines = 0;
  for (const f of files) {
    for (const line of f.lines) {
      const parsed = parseLine(line);
      expect(parsed.ok ? 'ok' : parsed.reason).toBe('ok');
    }
    lines += f.lines.length;
    // a torn tail, if any, is only ever the end of the file: never followed by a newline
    if (f.tail) expect(parseLine(f.tail).ok).toBe(false);
  }

  const last = reports.at(-1)!;
  const boundAt = last.t - FLUSH_MS - SLACK_MS;
  const safe = [...reports].reverse().find((r) => r.t <= boundAt)!;
  const lost = last.enqueued - lines;
  const rate = (last.enqueued - reports[0]!.enqueued) / ((last.t - reports[0]!.t) / 1000);
  console.log(
    `crash test: ${lines} lines on disk; last report enqueued=${last.enqueued} written=${last.written}; ` +
      `missing vs last report: ${lost} events ≈ ${Math.round((Math.max(0, lost) / rate) * 1000)} ms at ${Math.round(rate)} events/s ` +
      `(flush interval ${FLUSH_MS} ms)`,
  );
  expect(lines).toBeGreaterThanOrEqual(last.written); // what it said was written is there
  expect(lines).toBeGreaterThanOrEqual(safe.enqueued); // what it enqueued ≥ flush interval + slack before the end is there
  expect(safe.enqueued).toBeGreaterThan(1000);
});
