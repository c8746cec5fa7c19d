import { beforeEach, describe, expect, it } from 'vitest';
import { PLAYBACK_SPEEDS } from '../../src/shared/player';
import type { AnyEvent } from '../../src/shared/schemas';
import { MemoryEventSource } from './fixtures/memory-event-source';
import { ReplayPlayer } from '../../src/shared/players/replay-player';
import { ManualScheduler } from '../../src/shared/players/scheduler';
import { generateDay } from './fixtures/generate-day';
import { markersOf } from './fixtures/write-day';
import { Gate, StoreProbe, stateByPlaying, visible } from './helpers';

const FROM = Date.parse('2026-01-29T17:30:00Z');
const events = generateDay({ fromMs: FROM, durationMs: 90 * 60_000, tokens: 3, seed: 11 });
const markers = markersOf(events);
const START = Date.parse(events[0]!.ts_ingest_utc);
const END = Date.parse(events.at(-1)!.ts_ingest_utc);
const eventsUpTo = (from: number, to: number) =>
  events.filter((e) => {
    const t = Date.parse(e.ts_ingest_utc);
    return t > from && t <= to;
  });

let scheduler: ManualScheduler;
let gate: Gate;

async function open(options: { startMs?: number } = {}) {
  const source = new MemoryEventSource(events, { markers, delay: (kind) => (kind === 'fetch' ? gate.wait() : Promise.resolve()) });
  const player = new ReplayPlayer(source, { scheduler, ...options });
  const probe = new StoreProbe(player);
  await scheduler.flush(); // a held read-ahead must not block opening
  if (gate.isOpen) await player.idle();
  return { player, probe };
}

beforeEach(() => {
  scheduler = new ManualScheduler(16);
  gate = new Gate();
});

describe('ReplayPlayer', () => {
  it('opens paused at the first event with the state there as its first messages', async () => {
    const { probe } = await open();
    expect(probe.states[0]!.messages.length).toBeGreaterThan(0);
    const s = probe.last;
    expect(s).toMatchObject({ presence: 'PRESENT', mode: 'replay', playing: false, current_ms: START, start_ms: START, end_ms: END, seek_id: 1 });
    expect(s.capabilities).toEqual(['playbackControl', 'seek', 'setSpeed', 'step']);
    expect(visible(probe.channel)).toEqual(visible(stateByPlaying(events, START)));
  });

  it('plays events in ingest order at the chosen speed, one state per frame', async () => {
    const { player, probe } = await open();
    player.setPlaybackSpeed(10);
    await player.idle();
    const before = probe.states.length;
    player.startPlayback();
    await scheduler.advance(2000); // 125 frames
    expect(probe.last.current_ms).toBe(START + 20_000);
    expect(probe.last.presence).toBe('PRESENT');
    const played = probe.states.slice(before);
    expect(played.length).toBeLessThanOrEqual(126);
    // delivered = exactly the events of (start, start + 20 s], in replay order, each once
    const deliveredAfterOpen = played.flatMap((s) => s.messages);
    expect(deliveredAfterOpen.map((e) => e.event_id)).toEqual(eventsUpTo(START, START + 20_000).map((e) => e.event_id));
    // a frame carries only what became due by its clock
    for (const s of played) for (const e of s.messages) expect(Date.parse(e.ts_ingest_utc)).toBeLessThanOrEqual(s.current_ms!);
  });

  it.each(PLAYBACK_SPEEDS)('runs the virtual clock at %i× real time', async (speed) => {
    const { player, probe } = await open();
    player.setPlaybackSpeed(speed);
    await player.idle();
    player.startPlayback();
    await scheduler.advance(800);
    expect(probe.last.current_ms).toBe(Math.min(END, START + 800 * speed));
    expect(probe.states.some((s) => s.presence === 'BUFFERING')).toBe(false);
  });

  it('after a stalled frame resumes where it was instead of emitting a flood', async () => {
    const { player, probe } = await open();
    player.setPlaybackSpeed(60);
    await player.idle();
    player.startPlayback();
    await scheduler.advance(16);
    const at = probe.last.current_ms!;
    scheduler.skip(30_000); // 30 s without a frame
    await scheduler.advance(16);
    expect(probe.last.current_ms! - at).toBe(100 * 60); // the frame gap is capped at 100 ms
  });

  it('pause freezes the clock', async () => {
    const { player, probe } = await open();
    player.setPlaybackSpeed(5);
    player.startPlayback();
    await scheduler.advance(1000);
    player.pausePlayback();
    await scheduler.advance(16);
    const paused = probe.last;
    expect(paused.playing).toBe(false);
    const count = probe.states.length;
    await scheduler.advance(2000);
    expect(probe.states.length).toBe(count);
    expect(probe.last.current_ms).toBe(paused.current_ms);
  });

  it('shows BUFFERING and holds the clock when the next block is not loaded, then continues without losing events', async () => {
    gate.close();
    const { player, probe } = await open();
    player.setPlaybackSpeed(10);
    player.startPlayback();
    await scheduler.advance(1000);
    expect(probe.last.presence).toBe('BUFFERING');
    expect(probe.last.current_ms).toBe(START);
    expect(probe.last.playing).toBe(true);
    gate.open();
    await player.idle();
    await scheduler.advance(1000);
    expect(probe.last.presence).toBe('PRESENT');
    const at = probe.last.current_ms!;
    expect(at).toBeGreaterThan(START);
    const backfill = probe.states.find((st) => st.seek_id === 1)!.messages;
    expect(probe.delivered.slice(0, backfill.length)).toEqual(backfill);
    expect(probe.delivered.slice(backfill.length).map((e) => e.event_id)).toEqual(eventsUpTo(START, at).map((e) => e.event_id));
  });

  it('a seek starts a new seek_id whose messages rebuild the state at t, equal to playing there', async () => {
    const metar = events.find((e) => e.ch === 'metar_obs')!;
    const t = Date.parse(metar.ts_ingest_utc) + 45_500;
    const seeker = await open();
    seeker.player.seekPlayback(t);
    await seeker.player.idle();
    await scheduler.flush();
    expect(seeker.probe.last).toMatchObject({ seek_id: 2, current_ms: t, presence: 'PRESENT' });
    expect(Object.values(seeker.probe.channel.books).some((b) => b.deltas_since_snapshot > 0)).toBe(true);

    // the same instant reached by playing forward from the start (no seek)
    const walker = await open();
    walker.player.stepSeconds(1, (t - START) / 1000);
    while (walker.probe.last.current_ms !== t) {
      await walker.player.idle();
      await scheduler.advance(16);
    }
    expect(walker.probe.last.seek_id).toBe(1);
    expect(visible(seeker.probe.channel)).toEqual(visible(walker.probe.channel));
    expect(visible(seeker.probe.channel)).toEqual(visible(stateByPlaying(events, t)));
  });

  it('a seek while playing keeps playing from the new time; a seek superseded by another is dropped', async () => {
    const { player, probe } = await open();
    player.startPlayback();
    await scheduler.advance(100);
    player.seekPlayback(START + 600_000);
    player.seekPlayback(START + 1200_000);
    await player.idle();
    await scheduler.advance(1000);
    expect(probe.last.seek_id).toBe(2);
    expect(probe.last.playing).toBe(true);
    expect(probe.last.current_ms).toBe(START + 1201_000);
  });

  it('steps ±1 s: forward plays the second through, backward seeks', async () => {
    const { player, probe } = await open({ startMs: START + 300_000 });
    const t = probe.last.current_ms!;
    player.stepSeconds(1);
    await scheduler.advance(16);
    expect(probe.last).toMatchObject({ current_ms: t + 1000, seek_id: 1 });
    expect(probe.last.messages.map((e) => e.event_id)).toEqual(eventsUpTo(t, t + 1000).map((e) => e.event_id));
    player.stepSeconds(-1);
    await player.idle();
    await scheduler.flush();
    expect(probe.last).toMatchObject({ current_ms: t, seek_id: 2 });
    expect(visible(probe.channel)).toEqual(visible(stateByPlaying(events, t)));
  });

  it('jumps to the next and previous METAR, event window and shock', async () => {
    const { player, probe } = await open();
    const metars = events.filter((e): e is Extract<AnyEvent, { ch: 'metar_obs' }> => e.ch === 'metar_obs');
    expect(metars).toHaveLength(2);
    expect(player.jump('metar', 1)).toBe(true);
    await player.idle();
    await scheduler.flush();
    expect(probe.last.current_ms).toBe(Date.parse(metars[0]!.ts_ingest_utc));
    expect(probe.channel.metar?.event_id).toBe(metars[0]!.event_id);
    player.jump('metar', 1);
    await player.idle();
    await scheduler.flush();
    expect(probe.channel.metar?.event_id).toBe(metars[1]!.event_id);
    player.jump('metar', -1);
    await player.idle();
    await scheduler.flush();
    expect(probe.channel.metar?.event_id).toBe(metars[0]!.event_id);
    expect(player.jump('metar', -1)).toBe(false);

    const windows = markers.filter((m) => m.kind === 'WINDOW');
    player.jump('window', 1);
    await player.idle();
    await scheduler.flush();
    const next = windows.find((w) => Date.parse(w.ts) > Date.parse(metars[0]!.ts_ingest_utc))!;
    expect(probe.last.current_ms).toBe(Date.parse(next.ts));
    expect(Object.keys(probe.channel.open_windows)).toContain(next.window_id);

    const shocks = markers.filter((m) => m.kind === 'SHOCK');
    expect(shocks.length).toBeGreaterThan(0);
    player.seekPlayback(START);
    await player.idle();
    player.step('shock', 1);
    await player.idle();
    await scheduler.flush();
    expect(probe.last.current_ms).toBe(Date.parse(shocks[0]!.ts));
  });

  it('closing mid-load settles: nothing keeps waiting on a closed player', async () => {
    gate.close();
    const { player } = await open();
    player.setPlaybackSpeed(60); // a read-ahead is now held by the gate
    player.close();
    await player.idle(); // would never resolve if the held load still counted
    gate.open();
  });

  it('stops at the end of the day', async () => {
    const { player, probe } = await open({ startMs: END - 30_000 });
    player.setPlaybackSpeed(600);
    player.startPlayback();
    await scheduler.advance(500);
    expect(probe.last).toMatchObject({ playing: false, current_ms: END });
    expect(probe.delivered.at(-1)!.event_id).toBe(events.at(-1)!.event_id);
  });
});
