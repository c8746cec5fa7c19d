/**
 * Compaction passes of a live recorder run in a child process of their own at the lowest priority
 * (issue #12): the caller's process does none of the work. Also the built entry
 * (out/main/compact-process.js, what the desktop app's recorder process forks) compacts a day and
 * finds its validator worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { constants, getPriority } from 'node:os';
import { join } from 'node:path';
import { compactInChildProcess, CHILD_DEFAULTS } from '../../src/services/compactor/child-compaction';
import type { FromCompactProcess, ToCompactProcess } from '../../src/services/compactor/compact-process';
import { tempRoot } from './helpers';
import { writeSyntheticDay } from './synthetic-day';

const DATE = '2026-01-29';
let root: string;

beforeAll(() => {
  root = tempRoot('helios-child-');
  writeSyntheticDay({ dir: join(root, 'journal', 'station=KLGA', `date=${DATE}`), startMs: Date.parse(`${DATE}T15:00:00Z`), hours: 0.5, tokens: 4, levels: 10 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a pass in a child process', () => {
  it('runs in another process, at the lowest priority, and returns the result', async () => {
    const lock = join(root, 'parquet', 'station=KLGA', '.gen', `date=${DATE}`, 'compact.lock');
    const seen: { pid: number; priority: number }[] = [];
    const poll = setInterval(() => {
      try {
        const pid = (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid;
        if (!seen.some((s) => s.pid === pid)) seen.push({ pid, priority: getPriority(pid) });
      } catch {
        // not there (yet, or any more)
      }
    }, 5);
    const result = await compactInChildProcess({ dataRoot: root, station: 'KLGA', date: DATE, tailMode: 'pending', nowMs: Date.parse('2026-01-29T20:00:00Z'), ...CHILD_DEFAULTS }).finally(() => clearInterval(poll));
    expect(result).toMatchObject({ pass: 'full', threads: 1, manifest: { generated_at: '2026-01-29T20:00:00.000Z', closed: false } });
    expect(result.manifest.totals.events_written).toBeGreaterThan(10_000);
    expect(seen).toEqual([{ pid: expect.any(Number), priority: constants.priority.PRIORITY_LOW }]);
    expect(seen[0]!.pid).not.toBe(process.pid);
    expect(getPriority()).not.toBe(constants.priority.PRIORITY_LOW);
  }, 60_000);

  it('reports a day it cannot compact as the error compactDay throws', async () => {
    const error = await compactInChildProcess({ dataRoot: root, station: 'KLGA', date: '2026-02-01', nowMs: 0 }).catch((e) => e);
    expect(error.constructor.name).toBe('NoJournalError');
    expect(error.message).toMatch(/^KLGA 2026-02-01: no journal/);
  }, 60_000);
});

describe('the built compaction process (out/main/compact-process.js)', () => {
  const built = join(import.meta.dirname, '../../out/main/compact-process.js');

  it.runIf(existsSync(built))('compacts the day it is sent, on its validator worker', async () => {
    const child = fork(built, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    const messages: FromCompactProcess[] = [];
    child.on('message', (m) => messages.push(m as FromCompactProcess));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.send({ type: 'compact', id: 1, options: { dataRoot: root, station: 'KLGA', date: DATE, nowMs: 0, threads: 1, rebuild: true } } satisfies ToCompactProcess);
    child.on('message', (m) => (m as FromCompactProcess).type !== 'warning' && child.disconnect());
    expect(await exited).toBe(0);
    expect(messages.filter((m) => m.type === 'warning')).toEqual([]);
    const done = messages.find((m): m is Extract<FromCompactProcess, { type: 'done' }> => m.type === 'done');
    expect(done?.result).toMatchObject({ pass: 'full', threads: 1, manifest: { closed: true } });
  }, 60_000);

  it.runIf(!existsSync(built))('needs `npx electron-vite build` (skipped here)', () => {});
});
