import { describe, expect, test } from 'vitest';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import { History } from '../../src/renderer/src/store/history';
import { attachPlayer, createSessionStore } from '../../src/renderer/src/store/session-store';
import { FakePlayer } from './fake-player';
import { syntheticDay, TOKENS } from './synthetic-day';

const day = syntheticDay({ start_ms: Date.parse('2026-01-29T15:45:00.000Z'), minutes: 25 });
const eventsUpTo = (ms: number) => day.events.filter((e) => Date.parse(e.ts_ingest_utc) <= ms);

/** A frame scheduler the test fires by hand. */
function manualFrames() {
  const queue: (() => void)[] = [];
  return {
    schedule: (cb: () => void) => void queue.push(cb),
    fire() {
      const due = queue.splice(0);
      due.forEach((cb) => cb());
      return due.length;
    },
    get pending() {
      return queue.length;
    },
  };
}

describe('session store fed by a player', () => {
  test('many player states between two frames reach the store as one update, in order', () => {
    const store = createSessionStore();
    const frames = manualFrames();
    const player = new FakePlayer(day.events, day);
    attachPlayer(store, new History(), player, { kind: 'replay', markers: [], schedule: frames.schedule });
    let updates = 0;
    store.subscribe(() => updates++);
    player.setPlaybackSpeed(60);
    for (let i = 0; i < 50; i++) player.advance(16); // 50 states ≈ 48 s of day
    expect(updates).toBe(0); // nothing rendered before the frame
    expect(frames.fire()).toBe(1);
    expect(updates).toBe(1);
    const state = store.getState();
    expect(state.framesApplied).toBe(52); // setListener + setSpeed + 50 advances
    const expected = applyEvents(emptyChannelState(), eventsUpTo(player.state.current_ms!));
    expect(state.channels.books).toEqual(expected.books);
    expect(state.clock?.current_ms).toBe(player.state.current_ms);
  });

  test('a new seek_id drops the old state: the book after a seek equals the book from playing there', () => {
    const store = createSessionStore();
    const frames = manualFrames();
    const player = new FakePlayer(day.events, day);
    attachPlayer(store, new History(), player, { kind: 'replay', markers: [], schedule: frames.schedule });
    // Play to near the end, then seek back to the gap (book_ok false on the first token).
    player.setPlaybackSpeed(600);
    player.advance(2000);
    frames.fire();
    const target = day.start_ms + 20 * 60_000 + 1500;
    player.seekPlayback(target);
    frames.fire();
    const played = applyEvents(emptyChannelState(), eventsUpTo(target));
    const seeked = store.getState().channels;
    expect(seeked.books).toEqual(played.books);
    expect(seeked.books[TOKENS[0]!]!.book_ok).toBe(false);
    expect(seeked.metar?.event_id).toBe(played.metar?.event_id);
    expect(seeked.at_ms).toBeLessThanOrEqual(target);
  });

  test('switching players resets the store and the history', () => {
    const store = createSessionStore();
    const frames = manualFrames();
    const history = new History();
    const first = new FakePlayer(day.events, day);
    const detach = attachPlayer(store, history, first, { kind: 'replay', markers: [], schedule: frames.schedule });
    first.seekPlayback(day.end_ms);
    frames.fire();
    expect(Object.keys(store.getState().channels.books)).toHaveLength(3);
    expect(history.price.get(TOKENS[0]!)!.length).toBeGreaterThan(100);
    detach();
    first.advance(10); // a detached player no longer reaches the store
    const live = new FakePlayer([], day, 'live');
    attachPlayer(store, history, live, { kind: 'live', schedule: frames.schedule });
    frames.fire();
    expect(store.getState().kind).toBe('live');
    expect(store.getState().channels.books).toEqual({});
    expect(history.price.size).toBe(0);
  });

  test('live sessions derive timeline markers from the stream; replay keeps the manifest’s', () => {
    const store = createSessionStore();
    const frames = manualFrames();
    const live = new FakePlayer(day.events, day, 'live');
    attachPlayer(store, new History(), live, { kind: 'live', schedule: frames.schedule });
    live.advance(day.end_ms - day.start_ms);
    frames.fire();
    const markers = store.getState().markers;
    expect(markers.filter((m) => m.kind === 'METAR').map((m) => Date.parse(m.ts))).toEqual(day.metar_ms);
    const windows = markers.filter((m) => m.kind === 'WINDOW');
    expect(windows).toHaveLength(1);
    expect(windows[0]!.end_ts).not.toBeNull(); // the close replaced the open
    expect(markers.some((m) => m.kind === 'GAP')).toBe(true);
    expect(markers.some((m) => m.kind === 'RESYNC')).toBe(true);
  });
});

describe('history', () => {
  test('appends are cheap; going back inserts and tells the chart to redraw', () => {
    const history = new History();
    const snaps = day.events.filter((e) => e.ch === 'l2_snap_1s' && e.token_id === TOKENS[1]);
    history.ingest(snaps.slice(100, 200));
    const series = history.price.get(TOKENS[1]!)!;
    expect(series.length).toBe(100);
    expect(series.rewrites).toBe(0);
    history.ingest(snaps.slice(50, 60)); // after a seek backwards
    expect(series.length).toBe(110);
    expect(series.rewrites).toBeGreaterThan(0);
    expect([...series.t]).toEqual([...series.t].sort((a, b) => a - b));
    history.ingest(snaps.slice(100, 110)); // the same seconds again replace, not duplicate
    expect(series.length).toBe(110);
  });
});
