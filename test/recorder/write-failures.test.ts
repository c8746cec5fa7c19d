/**
 * Issue #13 item 2: journal write failures are loud, typed and exact. A read-only or full disk is
 * reported at once with its real errno (in stats, health, the callback the CLI prints from), the
 * recording keeps going and sheds only by policy (counted), a short write resumes at the first byte
 * missing (no torn or doubled line), and what is counted as written is exactly what is on disk.
 * Failing disks are injected (faulty-disk.ts); where the machine allows mounting a tmpfs, the same
 * is shown on a real read-only and a real full file system.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataRoot } from '../../src/services/data-root';
import { makeDirectory } from '../../src/services/files';
import { resolveRecordingConfig, type RecordingConfigInput } from '../../src/services/recorder/config';
import { JournalWriter, type WriteFailure } from '../../src/services/recorder/journal-writer';
import { recordDay, startRecording } from '../../src/services/recorder/session';
import type { SourceMessage } from '../../src/services/sources/source';
import { parseLine } from '../../src/shared/registry';
import type { AnyEvent, Health } from '../../src/shared/schemas';
import { sampleEvents, T0 } from '../fixtures/events';
import { FaultyDisk } from './faulty-disk';
import { readJournal } from './journal-files';
import { SteadySource, cone } from './fixtures/steady-source';
import { A, B, T0 as T1, TOKENS, Venue, ladder } from './helpers';

const roots: string[] = [];
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'helios-wfail-'));
  roots.push(dir);
  return dir;
}
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** `n` events of every channel's kind, one millisecond apart, as the recorder hands them on. */
function events(n: number, from = 0): AnyEvent[] {
  const out: AnyEvent[] = [];
  for (let i = from; out.length < n; i++) out.push(...Object.values(sampleEvents(T0 + i)).slice(0, n - out.length));
  return out;
}

/** A writer over `disk` (a real one when undefined), reporting its failures into `failures`. */
function writer(root: string, disk: FaultyDisk | undefined, failures: (WriteFailure | null)[], journal: RecordingConfigInput['journal'] = {}) {
  const config = resolveRecordingConfig({ journal: { flushIntervalMs: 5, fsync: 'none', ...journal } }).journal;
  return new JournalWriter({ dataRoot: new DataRoot(root), station_id: 'KLGA', config, fs: disk, retryMs: 20, onWriteFailure: (f) => failures.push(f) });
}

/** Every journal line on disk, checked: complete lines parse, each event once. */
function onDisk(root: string) {
  const files = readJournal(root);
  const lines = files.flatMap((f) => f.lines);
  const ids = lines.map((l) => {
    const parsed = parseLine(l);
    if (!parsed.ok) throw new Error(`a line on disk does not parse (${parsed.reason}): ${l.slice(0, 120)}`);
    return parsed.event.event_id;
  });
  return {
    lines: lines.length,
    distinct: new Set(ids).size,
    tail: files.map((f) => f.tail).join(''),
    bytes: files.reduce((n, f) => n + statSync(f.path).size, 0),
  };
}

describe('journal writer on a failing disk (injected)', () => {
  it('read-only root: the real errno at once, nothing written, events kept until shed by policy', async () => {
    const root = tempRoot();
    const disk = new FaultyDisk();
    disk.refuse = 'EROFS';
    const failures: (WriteFailure | null)[] = [];
    const w = writer(root, disk, failures, { maxQueueEvents: 100 });
    for (const e of events(300)) w.enqueue(e);
    await vi.waitFor(() => expect(failures).toHaveLength(1));
    expect(failures[0]).toEqual({ code: 'EROFS', message: expect.stringMatching(/^EROFS: read-only file system, mkdir '.*journal/) });
    const s = w.stats();
    expect(s.write_failure?.code).toBe('EROFS');
    expect(s.events_written).toBe(0);
    // 300 enqueued; the bulk channels were shed once the queue was half full, and counted
    const shed = Object.values(s.dropped).reduce((a, b) => a + b, 0);
    expect(shed).toBeGreaterThan(0);
    expect(s.unwritten_events + shed).toBe(300);
    await w.close();
    expect(w.stats().unwritten_events + shed).toBe(300);
    expect(readJournal(root)).toEqual([]);
  });

  it('EACCES is reported as EACCES', async () => {
    const disk = new FaultyDisk();
    disk.refuse = 'EACCES';
    const failures: (WriteFailure | null)[] = [];
    const w = writer(tempRoot(), disk, failures);
    w.enqueue(events(1)[0]!);
    await vi.waitFor(() => expect(failures.map((f) => f?.code)).toEqual(['EACCES']));
    await w.close();
  });

  it('a disk full in the middle of a line that frees up again: no torn or doubled line, exact counts, failure then recovery', async () => {
    const root = tempRoot();
    const disk = new FaultyDisk();
    disk.free = 7_777; // somewhere inside a line
    const failures: (WriteFailure | null)[] = [];
    const w = writer(root, disk, failures);
    const first = events(200);
    for (const e of first) w.enqueue(e);
    await vi.waitFor(() => expect(failures).toHaveLength(1));
    expect(failures[0]?.code).toBe('ENOSPC');
    // while full: the counts are what is on disk, the cut line included in the bytes only
    const full = onDisk(root);
    const s = w.stats();
    expect(s.events_written).toBe(full.lines);
    expect(s.bytes_written).toBe(full.bytes);
    expect(s.bytes_written).toBe(7_777);
    expect(s.cut_line_bytes).toBe(full.tail.length);
    expect(full.tail.length).toBeGreaterThan(0);

    disk.free = Infinity; // space freed
    await vi.waitFor(() => expect(failures).toEqual([expect.objectContaining({ code: 'ENOSPC' }), null]));
    for (const e of events(100, 1000)) w.enqueue(e);
    await w.close();
    const after = onDisk(root);
    expect(after).toMatchObject({ lines: 300, distinct: 300, tail: '' });
    expect(w.stats()).toMatchObject({ events_written: 300, bytes_written: after.bytes, unwritten_events: 0, cut_line_bytes: 0, write_failure: null });
    expect(disk.shortWrites).toBe(1);
  });

  it('a disk that never frees: close() returns, and the counts say exactly what is on disk and what is not', async () => {
    const root = tempRoot();
    const disk = new FaultyDisk();
    disk.free = 12_345;
    const failures: (WriteFailure | null)[] = [];
    const w = writer(root, disk, failures);
    for (const e of events(500)) w.enqueue(e);
    await vi.waitFor(() => expect(failures).toHaveLength(1));
    await w.close();
    const d = onDisk(root);
    const s = w.stats();
    expect(d.distinct).toBe(d.lines);
    expect(s.events_written).toBe(d.lines);
    expect(s.bytes_written).toBe(d.bytes);
    expect(s.cut_line_bytes).toBe(d.tail.length);
    expect(s.events_written + s.unwritten_events + Object.values(s.dropped).reduce((a, b) => a + b, 0)).toBe(500);
    expect(s.write_failure?.code).toBe('ENOSPC');
    expect(disk.enospc).toBeGreaterThan(0); // retried, and still full
  });
});

describe('a live recording on a failing disk (injected)', () => {
  it('health carries the errno and message while it fails and clears them when the disk frees; shedding is counted', async () => {
    const root = tempRoot();
    const disk = new FaultyDisk();
    disk.free = 5_000;
    const failures: (WriteFailure | null)[] = [];
    const session = await startRecording({
      dataRoot: root,
      source: new SteadySource(cone(4), 10, 5),
      config: { healthIntervalMs: 1000, journal: { fsync: 'none', flushIntervalMs: 20, maxQueueEvents: 2000 } },
      journalFs: disk,
      onWriteFailure: (f) => failures.push(f),
    });
    session.markWindow(3_600_000, 'journal every book change'); // ~2k deltas/s: the queue fills fast
    const health: Health[] = [];
    const off = session.feed.subscribe(['health'], (m) => {
      if (m.type === 'events' || m.type === 'backfill') for (const e of m.events) if (e.ch === 'health') health.push(e);
    });
    await vi.waitFor(() => expect(health.some((h) => h.write_error_code === 'ENOSPC')).toBe(true), { timeout: 10_000 });
    const failing = health.find((h) => h.write_error_code === 'ENOSPC')!;
    expect(failing.write_error).toMatch(/^ENOSPC: no space left on device, write '.*\.ndjson'$/);
    expect(failing.write_errors).toBeGreaterThan(0);
    await vi.waitFor(() => expect(Object.values(session.stats().journal.dropped).some((n) => n > 0)).toBe(true), { timeout: 10_000 });

    disk.free = Infinity;
    await vi.waitFor(() => expect(health.at(-1)?.write_error_code).toBeNull(), { timeout: 10_000 });
    off();
    const stats = await session.stop();
    expect(failures.map((f) => f?.code ?? null)).toEqual(['ENOSPC', null]);
    const d = onDisk(root);
    expect(d).toMatchObject({ tail: '', distinct: d.lines });
    expect(stats.journal.events_written).toBe(d.lines);
    expect(stats.journal.bytes_written).toBe(d.bytes);
    const recorded = Object.values(stats.recorder.events).reduce((a, b) => a + b, 0);
    const shed = Object.values(stats.journal.dropped).reduce((a, b) => a + b, 0);
    expect(stats.journal.events_written + shed).toBe(recorded);
    console.log(`full disk, live: ${recorded} events recorded, ${stats.journal.events_written} on disk, ${shed} shed by policy (counted), 0 lost`);
  }, 30_000);
});

describe('synthesizing a day (backpressure, no shedding) on a failing disk (injected)', () => {
  function day(n: number) {
    const v = new Venue();
    const l = ladder(0.5);
    const messages: SourceMessage[] = [v.bookMessage(A, T1 + 10, l.bids, l.asks), v.bookMessage(B, T1 + 10, l.bids, l.asks)];
    for (let k = 1; k <= n; k++) messages.push(v.change(T1 + k * 100, [[A, 'BUY', 0.45, 100 + k]]));
    return messages;
  }

  it('waits for the disk while it is full and loses nothing once it frees', async () => {
    const root = tempRoot();
    const disk = new FaultyDisk();
    disk.free = 20_000;
    const failures: (WriteFailure | null)[] = [];
    const freeing = setTimeout(() => (disk.free = Infinity), 300);
    const stats = await recordDay({ dataRoot: root, station_id: 'KLGA', tokens: TOKENS, messages: day(600), startMs: T1, endMs: T1 + 61_000, journalFs: disk, onWriteFailure: (f) => failures.push(f) });
    clearTimeout(freeing);
    const d = onDisk(root);
    const recorded = Object.values(stats.recorder.events).reduce((a, b) => a + b, 0);
    expect(failures.map((f) => f?.code ?? null)).toEqual(['ENOSPC', null]);
    expect(stats.journal).toMatchObject({ events_written: recorded, unwritten_events: 0, bytes_written: d.bytes });
    expect(Object.values(stats.journal.dropped).every((n) => n === 0)).toBe(true);
    expect(d).toMatchObject({ lines: recorded, distinct: recorded, tail: '' });
  });

  it('stops waiting when aborted, and says what did not reach the disk', async () => {
    const root = tempRoot();
    const disk = new FaultyDisk();
    disk.refuse = 'EROFS';
    const abort = new AbortController();
    const stats = await recordDay({
      dataRoot: root,
      station_id: 'KLGA',
      tokens: TOKENS,
      messages: day(600),
      startMs: T1,
      endMs: T1 + 61_000,
      journalFs: disk,
      signal: abort.signal,
      onWriteFailure: (f) => f && setTimeout(() => abort.abort(), 100),
    });
    const recorded = Object.values(stats.recorder.events).reduce((a, b) => a + b, 0);
    expect(stats.journal.events_written).toBe(0);
    expect(stats.journal.unwritten_events).toBe(recorded);
    expect(stats.journal.write_failure?.code).toBe('EROFS');
  });
});

describe('makeDirectory', () => {
  it('reports a file in the way as ENOTDIR', async () => {
    const root = tempRoot();
    writeFileSync(join(root, 'file'), '');
    await expect(makeDirectory(join(root, 'file', 'a', 'b'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

/** A real tmpfs at a fresh folder, or null where mounting is not allowed. */
function tmpfs(options: string): { dir: string; unmount(): void } | null {
  const dir = tempRoot();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return { dir, unmount: () => execFileSync('umount', [dir]) };
}

describe('on real file systems (where a tmpfs can be mounted)', () => {
  it('a read-only file system: EROFS, not the ENOENT of a recursive mkdir', async (ctx) => {
    const ro = tmpfs('size=1m,ro');
    if (!ro) return ctx.skip();
    try {
      await expect(makeDirectory(join(ro.dir, 'data', 'journal', 'station=KLGA'))).rejects.toMatchObject({ code: 'EROFS' });
      const failures: (WriteFailure | null)[] = [];
      const w = writer(join(ro.dir, 'data'), undefined, failures);
      w.enqueue(events(1)[0]!);
      await vi.waitFor(() => expect(failures[0]?.code).toBe('EROFS'));
      await w.close();
    } finally {
      ro.unmount();
    }
  });

  it('a full file system that frees up: no torn or doubled line, counts equal the disk', async (ctx) => {
    const fs = tmpfs('size=1m');
    if (!fs) return ctx.skip();
    try {
      const root = join(fs.dir, 'data');
      mkdirSync(root);
      const filler = join(fs.dir, 'filler');
      writeFileSync(filler, Buffer.alloc(1024 * 1024 - 64 * 1024)); // leaves ~64 KiB
      const failures: (WriteFailure | null)[] = [];
      const w = writer(root, undefined, failures);
      for (const e of events(400)) w.enqueue(e);
      await vi.waitFor(() => expect(w.stats().write_errors).toBeGreaterThan(0));
      expect(failures[0]?.code).toBe('ENOSPC');
      const full = onDisk(root);
      expect(w.stats()).toMatchObject({ events_written: full.lines, bytes_written: full.bytes, cut_line_bytes: full.tail.length });
      unlinkSync(filler);
      await vi.waitFor(() => expect(w.stats().events_written).toBe(400), { timeout: 5000 });
      await w.close();
      expect(failures.map((f) => f?.code ?? null)).toEqual(['ENOSPC', null]);
      const after = onDisk(root);
      expect(after).toMatchObject({ lines: 400, distinct: 400, tail: '' });
      expect(w.stats()).toMatchObject({ events_written: 400, bytes_written: after.bytes, unwritten_events: 0 });
      console.log(`real tmpfs full at ${full.bytes} bytes (${full.lines} lines + ${full.tail.length} bytes of a cut line), then freed: 400/400 lines, 0 torn, 0 doubled`);
    } finally {
      fs.unmount();
    }
  });

  it('`helios record` prints the failure the moment it starts, not only in the summary', async (ctx) => {
    const ro = tmpfs('size=1m,ro');
    if (!ro) return ctx.skip();
    try {
      const started = Date.now();
      const lines: { at: number; text: string }[] = [];
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'record', '--source', 'sim', '--data', ro.dir, '--speed', '2', '--for', '8s'], {
        cwd: resolve(__dirname, '../..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const stream of [child.stdout, child.stderr]) {
        stream.on('data', (c: Buffer) => {
          for (const text of c.toString().split('\n').filter(Boolean)) lines.push({ at: Date.now() - started, text });
        });
      }
      const code = await new Promise<number | null>((done) => child.on('close', done));
      const failing = lines.find((l) => l.text.startsWith('record: WRITE FAILING'));
      const summary = lines.find((l) => l.text.startsWith('recorded '));
      expect(failing?.text).toMatch(/^record: WRITE FAILING \(EROFS\): EROFS: read-only file system, mkdir '.*' — recording goes on in memory/);
      expect(summary?.text).toMatch(/written 0 \(0 bytes on disk\); NOT WRITTEN \d+ .*WRITE ERRORS \d+: EROFS/);
      // printed while recording: seconds before the summary
      expect(summary!.at - failing!.at).toBeGreaterThan(2000);
      expect(code).toBe(1);
    } finally {
      ro.unmount();
    }
  }, 60_000);
});
