/**
 * One huge journal line must not fail the day (issue #13, item 5): a 600 MB line (a sparse file,
 * so the test writes almost nothing) is quarantined as `too_long` with its first bytes, without
 * ever being held in memory, and the 1,000 good lines around it are compacted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { compactDay } from '../../src/services/compactor';
import { line, snapshot, TOKEN_A, tempRoot } from './helpers';

const HUGE = 600 * 1024 * 1024;
const START = '{"schema_version":2,"ch":"l2_snap_1s","pad":"';
let root: string;

beforeAll(() => {
  root = tempRoot('helios-huge-');
  const dir = join(root, 'journal', 'station=KLGA', 'date=2026-01-29');
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, 'a.ndjson'), 'w');
  const good = (from: number) => Array.from({ length: 500 }, (_, i) => line(snapshot(TOKEN_A, new Date(Date.parse('2026-01-29T15:00:00Z') + (from + i) * 1000).toISOString(), 0.5)) + '\n').join('');
  let at = writeSync(fd, good(0));
  at += writeSync(fd, START);
  ftruncateSync(fd, at + HUGE); // a hole: 600 MB of zero bytes that take no disk
  writeSync(fd, '"}\n' + good(500), at + HUGE);
  closeSync(fd);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a journal line of 600 MB', () => {
  it('is quarantined as too_long without being read whole, and the rest of the day compacts', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const result = await compactDay({ dataRoot: root, station: 'KLGA', date: '2026-01-29', threads: 1 }).finally(() => clearInterval(sampler));
    expect(result.manifest.totals).toMatchObject({ lines_read: 1001, events_written: 1000, quarantined: 1 });
    expect(result.quarantinedByCode).toEqual({ too_long: 1 });
    const [record] = readFileSync(result.quarantinePath!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(record).toMatchObject({ line: 501, code: 'too_long' });
    expect(record.reason).toBe(`the line is ${(START.length + HUGE + 2).toLocaleString('en-US')} bytes, over the 16 MiB line limit; raw holds its first 4,096 bytes`);
    expect(record.raw.startsWith(START)).toBe(true);
    // Never near the line's size in memory (a chunk of the file at a time).
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
    console.log(`huge line: 600 MB line quarantined, RSS grew by at most ${((peak - before) / 2 ** 20).toFixed(0)} MB`);
  }, 120_000);
});
