import { describe, expect, it } from 'vitest';
import type { ChannelGroup } from '../../src/shared/channels';
import type { ServerMessage } from '../../src/shared/protocol';
import { LivePlayer } from '../../src/shared/players/live-player';
import { ManualScheduler } from '../../src/shared/players/scheduler';
import { generateDay } from './fixtures/generate-day';
import { StoreProbe, visible } from './helpers';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';

const events = generateDay({ fromMs: Date.parse('2026-01-29T17:50:00Z'), durationMs: 5 * 60_000, tokens: 2 });

function fakeFeed() {
  let listener: ((m: ServerMessage) => void) | null = null;
  let groups: ChannelGroup[] = [];
  return {
    subscribe: (g: ChannelGroup[], l: (m: ServerMessage) => void) => {
      groups = g;
      listener = l;
      return () => {
        listener = null;
      };
    },
    send: (m: ServerMessage) => listener?.(m),
    get subscribed() {
      return listener !== null;
    },
    get groups() {
      return groups;
    },
  };
}

describe('LivePlayer', () => {
  it('turns hello/backfill/events into the same per-frame PlayerStates as the replay, without playback controls', async () => {
    const scheduler = new ManualScheduler();
    const feed = fakeFeed();
    const player = new LivePlayer(feed.subscribe, { scheduler });
    const probe = new StoreProbe(player);
    expect(feed.groups).toEqual(['l2', 'tape', 'world', 'features', 'nowcast', 'health', 'windows', 'markets']);

    const split = 200;
    const at = events[split - 1]!.ts_ingest_utc;
    feed.send({ type: 'hello', protocol: 1, mode: 'live', station_id: 'KLGA', date: null, groups: feed.groups });
    feed.send({ type: 'backfill', at, seek_id: 0, events: events.slice(0, split) });
    // three batches inside one frame → one state
    feed.send({ type: 'events', events: events.slice(split, split + 10) });
    feed.send({ type: 'events', events: events.slice(split + 10, split + 30) });
    feed.send({ type: 'events', events: events.slice(split + 30, split + 31) });
    scheduler.frame();
    expect(probe.states).toHaveLength(1);
    const s = probe.last;
    expect(s).toMatchObject({ presence: 'PRESENT', mode: 'live', station_id: 'KLGA', seek_id: 1, capabilities: [] });
    expect(s.messages).toHaveLength(split + 31);
    expect(s.current_ms).toBe(Date.parse(events[split + 30]!.ts_ingest_utc));
    expect(visible(probe.channel)).toEqual(visible(applyEvents(emptyChannelState(), events.slice(0, split + 31))));

    // a live stream can't be sought: nothing changes
    player.seekPlayback(0);
    player.pausePlayback();
    scheduler.frame();
    expect(probe.states).toHaveLength(1);

    // a new backfill (reconnect) resets consumers through a new seek_id
    feed.send({ type: 'backfill', at: events.at(-1)!.ts_ingest_utc, seek_id: 0, events: events.slice(-5) });
    scheduler.frame();
    expect(probe.last.seek_id).toBe(2);
    expect(probe.delivered).toEqual(events.slice(-5));

    player.close();
    expect(feed.subscribed).toBe(false);
  });

  it('reports a server error', () => {
    const scheduler = new ManualScheduler();
    const feed = fakeFeed();
    const probe = new StoreProbe(new LivePlayer(feed.subscribe, { scheduler }));
    feed.send({ type: 'error', message: 'recorder stopped' });
    scheduler.frame();
    expect(probe.last).toMatchObject({ presence: 'ERROR', error: 'recorder stopped' });
  });
});
