import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChannelGroup } from '../../src/shared/channels';
import type { ServerMessage } from '../../src/shared/protocol';
import { GROUPS } from '../../src/shared/channels';
import { localDayBoundsUtc } from '../../src/shared/time';
import type { LiveFeed } from '../../src/services/live-feed';
import { RelayFeed, startLiveSession } from '../../src/services/live-session';

function fakeFeed(name: string) {
  const active = new Set<(m: ServerMessage) => void>();
  const feed: LiveFeed = {
    subscribe(groups, listener) {
      active.add(listener);
      listener({ type: 'hello', protocol: 1, mode: 'live', station_id: name, date: null, groups: [...groups] });
      return () => active.delete(listener);
    },
  };
  return { feed, active };
}

describe('RelayFeed (one feed for the UI across day rollovers)', () => {
  it('attaches early subscribers when a feed arrives and moves everyone to the next one', () => {
    const relay = new RelayFeed();
    const got: string[] = [];
    const off = relay.subscribe(['l2'], (m) => m.type === 'hello' && got.push(m.station_id));
    const a = fakeFeed('day1');
    relay.switchTo(a.feed);
    const b = fakeFeed('day2');
    relay.switchTo(b.feed);
    expect(got).toEqual(['day1', 'day2']);
    expect(a.active.size).toBe(0); // detached from the old day
    expect(b.active.size).toBe(1);
    off();
    expect(b.active.size).toBe(0);
    relay.switchTo(fakeFeed('day3').feed);
    expect(got).toEqual(['day1', 'day2']);
  });
});

describe('live session (simulator → recorder → journal, feed, periodic compaction)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'helios-live-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records live into the data root and rolls over to the next day at local midnight', async () => {
    const [, dayEnd] = localDayBoundsUtc('2026-01-29', 'America/New_York');
    const logs: string[] = [];
    const session = await startLiveSession(
      { data_root: dir, start_ms: dayEnd - 1500, compact_every_ms: 3_600_000 },
      (level, message) => logs.push(`${level} ${message}`),
    );
    const hellos: ServerMessage[] = [];
    const events: string[] = [];
    const off = session.feed.subscribe(GROUPS as ChannelGroup[], (m) => {
      if (m.type === 'hello') hellos.push(m);
      if (m.type === 'events') for (const e of m.events) events.push(e.ts_nyc.slice(0, 10));
    });
    await vi.waitFor(() => expect(events).toContain('2026-01-30'), { timeout: 15_000, interval: 100 });
    off();
    await session.stop();

    expect(session.station_id).toBe('KLGA');
    expect(hellos).toHaveLength(2); // the first day's market, then the next day's
    expect(events).toContain('2026-01-29');
    const days = await readdir(join(dir, 'journal', 'station=KLGA'));
    expect(days.sort()).toEqual(['date=2026-01-29', 'date=2026-01-30']);
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
    expect(logs.filter((l) => l.includes('recording KLGA'))).toEqual([
      expect.stringContaining('recording KLGA 2026-01-29'),
      expect.stringContaining('recording KLGA 2026-01-30'),
    ]);
  }, 60_000);
});
