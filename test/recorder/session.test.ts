import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { startRecording } from '../../src/services/recorder/session';
import type { ServerMessage } from '../../src/shared/protocol';
import { parseLine } from '../../src/shared/registry';
import type { AnyEvent } from '../../src/shared/schemas';
import { SteadySource, cone } from './fixtures/steady-source';
import { readJournal } from './journal-files';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('a live session: books resync through the source, the feed streams, stop closes the window and flushes everything', async () => {
  root = mkdtempSync(join(tmpdir(), 'helios-session-'));
  const source = new SteadySource(cone(3), 5, 5);
  let now = Date.UTC(2026, 0, 29, 17, 0, 0);
  const clock = { now: () => now };
  const session = await startRecording({ dataRoot: root, source, clock, tickMs: 5 });
  const received: ServerMessage[] = [];
  session.feed.subscribe(['l2', 'windows', 'health'], (m) => received.push(m));
  const events = () => received.flatMap((m) => (m.type === 'events' ? m.events : []));

  // the recorder asked for every book at start; the source answers asynchronously
  await vi.waitFor(() => expect(events().filter((e) => e.ch === 'book_events' && e.kind === 'BOOK_RESYNC_DONE')).toHaveLength(3));
  session.markWindow(60_000, 'test');
  await vi.waitFor(() => expect(events().filter((e) => e.ch === 'l2_deltas').length).toBeGreaterThan(50));
  now += 2_500; // the virtual clock moves: snapshots at +1 s and +2 s, health at +2 s
  await vi.waitFor(() => expect(events().filter((e) => e.ch === 'l2_snap_1s').length).toBeGreaterThanOrEqual(6));

  const stats = await session.stop();
  const journal = readJournal(root).flatMap((f) => f.lines.map((l) => parseLine(l))).map((p) => (p.ok ? p.event : null));
  expect(journal.every((e) => e !== null)).toBe(true);
  const written = journal as AnyEvent[];
  expect(written.length).toBe(stats.journal.events_written);
  expect(written.length).toBe(Object.values(stats.recorder.events).reduce((a, b) => a + b, 0));
  const windows = written.filter((e) => e.ch === 'event_windows');
  expect(windows.map((w) => w.state)).toEqual(['open', 'closed']);
  expect(windows[1]).toMatchObject({ reasons: ['MANUAL'], end_ts: new Date(now).toISOString(), detail: expect.stringContaining('recording stopped') });
  expect(written.at(-1)!.ch).toBe('health');
  // what the live subscriber was streamed is exactly the tail of the journal for its groups, in order
  const streamed = events().map((e) => e.event_id);
  const subscribed = new Set(['l2_snap_1s', 'l2_deltas', 'book_events', 'event_windows', 'health']);
  expect(streamed.length).toBeGreaterThan(50);
  expect(written.filter((e) => subscribed.has(e.ch)).map((e) => e.event_id).slice(-streamed.length)).toEqual(streamed);
});
