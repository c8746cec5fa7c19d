import { describe, expect, it } from 'vitest';
import { resolveRecordingConfig } from '../../src/services/recorder/config';
import { Recorder } from '../../src/services/recorder/recorder';
import { RingBuffers } from '../../src/services/recorder/ring-buffers';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import { CHANNEL_GROUPS, type ChannelGroup } from '../../src/shared/channels';
import { serverMessage, type ServerMessage } from '../../src/shared/protocol';
import type { AnyEvent } from '../../src/shared/schemas';
import { A, B, T0, TOKENS, Venue, features, klgaMetar, ladder, metar, nowcast, pws } from './helpers';

function live(minutes = 10) {
  const config = resolveRecordingConfig({ ring: { minutes } });
  const ring = new RingBuffers({ station_id: 'KLGA', config: config.ring, startMs: T0 });
  const all: AnyEvent[] = [];
  const recorder = new Recorder({
    station_id: 'KLGA',
    tokens: TOKENS,
    config,
    startMs: T0,
    emit: (event) => {
      all.push(event);
      ring.push(event);
    },
  });
  return { ring, recorder, all };
}

/** Messages as a client receives them: serialized, then validated with the protocol schema. */
function client(ring: RingBuffers, groups: ChannelGroup[]) {
  const received: ServerMessage[] = [];
  const unsubscribe = ring.subscribe(groups, (m) => received.push(serverMessage.parse(JSON.parse(JSON.stringify(m)))));
  return { received, unsubscribe };
}

function busyMinute(recorder: Recorder) {
  const v = new Venue();
  const l = ladder(0.5);
  recorder.ingest(v.bookMessage(A, T0 + 100, l.bids, l.asks));
  recorder.ingest(v.bookMessage(B, T0 + 100, l.bids, l.asks));
  recorder.ingest(pws(T0 + 2_000, [['P1', 35], ['P2', 35.4], ['P3', 35.2]]));
  recorder.ingest(metar(T0 + 30_000, klgaMetar(T0)));
  for (let i = 0; i < 30; i++) recorder.ingest(v.change(T0 + 30_100 + i * 500, [[A, 'BUY', 0.49, 600 + i], [B, 'SELL', 0.52, 300 + i]]));
  recorder.ingest(v.trade(T0 + 40_000, A, 0.51, 5, 'BUY'));
  recorder.ingest(features(T0 + 45_000));
  recorder.ingest(nowcast(T0 + 45_100));
  recorder.ingest(v.change(T0 + 45_200, [[A, 'BUY', 0.48, 1], [B, 'BUY', 0.45, 0]])); // after the 45 s snapshot
  recorder.advanceTo(T0 + 45_250);
  return v;
}

describe('live feed (ring buffers)', () => {
  it('a late joiner gets hello, then a backfill that rebuilds exactly the state of a client that saw everything', () => {
    const { ring, recorder, all } = live();
    busyMinute(recorder);
    const { received } = client(ring, ['l2', 'tape', 'world', 'features', 'nowcast', 'health', 'windows']);
    expect(received.map((m) => m.type)).toEqual(['hello', 'backfill']);
    expect(received[0]).toMatchObject({ type: 'hello', mode: 'live', station_id: 'KLGA', protocol: 1 });
    const backfill = received[1] as Extract<ServerMessage, { type: 'backfill' }>;
    expect(backfill.at).toBe(all.at(-1)!.ts_ingest_utc);
    expect(backfill.events.length).toBeLessThan(all.length / 4);
    const everything = applyEvents(emptyChannelState(), all);
    const rebuilt = applyEvents(emptyChannelState(), backfill.events);
    for (const token of [A, B]) {
      const { updated_at: _u1, deltas_since_snapshot: _d1, last_book_event: _l1, ...want } = everything.books[token]!;
      const { updated_at: _u2, deltas_since_snapshot: _d2, last_book_event: _l2, ...got } = rebuilt.books[token]!;
      expect(got).toEqual(want);
      expect(rebuilt.books[token]!.deltas_since_snapshot).toBeGreaterThan(0); // window deltas after the last snapshot
    }
    expect(rebuilt.metar).toEqual(everything.metar);
    expect(rebuilt.pws).toEqual(everything.pws);
    expect(rebuilt.features).toEqual(everything.features);
    expect(rebuilt.nowcast).toEqual(everything.nowcast);
    expect(rebuilt.health).toEqual(everything.health);
    expect(rebuilt.trades).toEqual(everything.trades);
    expect(Object.keys(rebuilt.open_windows)).toEqual(Object.keys(everything.open_windows));
    expect(Object.keys(rebuilt.open_windows)).toHaveLength(1);
  });

  it('then streams events of the subscribed groups only, in order', () => {
    const { ring, recorder, all } = live();
    const v = busyMinute(recorder);
    const { received, unsubscribe } = client(ring, ['world', 'tape']);
    const before = all.length;
    recorder.ingest(v.trade(T0 + 46_000, B, 0.48, 3, 'SELL'));
    recorder.ingest(pws(T0 + 47_000, [['P1', 35.1], ['P2', 35.4], ['P3', 35.2]]));
    recorder.advanceTo(T0 + 48_000);
    ring.publish();
    const batches = received.slice(2) as Extract<ServerMessage, { type: 'events' }>[];
    expect(batches).toHaveLength(1);
    const wanted = new Set<string>([...CHANNEL_GROUPS.world, ...CHANNEL_GROUPS.tape]);
    expect(batches[0]!.events.map((e) => e.event_id)).toEqual(all.slice(before).filter((e) => wanted.has(e.ch)).map((e) => e.event_id));
    unsubscribe();
    recorder.ingest(v.trade(T0 + 49_000, B, 0.48, 3, 'SELL'));
    ring.publish();
    expect(received).toHaveLength(3);
  });

  it('keeps only the configured span per channel', () => {
    const { ring, recorder } = live(5);
    recorder.advanceTo(T0 + 20 * 60_000);
    // 5 minutes of 1 s snapshots for two tokens (+ the boundary one)
    expect(ring.sizes().l2_snap_1s).toBe(2 * 301);
    expect(ring.sizes().health).toBe(151);
  });

  it('a subscriber whose listener throws is dropped without stopping the others', () => {
    const { ring, recorder } = live();
    const v = busyMinute(recorder);
    let calls = 0;
    ring.subscribe(['tape'], () => {
      calls++;
      if (calls > 2) throw new Error('consumer bug');
    });
    const ok = client(ring, ['tape']);
    const original = console.error;
    console.error = () => {};
    try {
      recorder.ingest(v.trade(T0 + 46_000, B, 0.48, 3, 'SELL'));
      ring.publish();
      recorder.ingest(v.trade(T0 + 47_000, B, 0.48, 3, 'SELL'));
      ring.publish();
    } finally {
      console.error = original;
    }
    expect(calls).toBe(3);
    expect(ring.errors).toBe(1);
    expect(ok.received.filter((m) => m.type === 'events')).toHaveLength(2);
  });

  it('gives a late joiner the markets’ listings whatever their age (the ring keeps only minutes)', () => {
    const { ring, recorder } = live(5);
    const market = { market_date: '2026-01-29', event_id: 'e1', slug: 's', title: 't', rules: 'verbatim rules', resolution_source: 'https://www.weather.gov/wrh/timeseries?site=klga', tokens: TOKENS.map((t) => ({ ...t })) };
    recorder.ingest({ kind: 'market_listed', received_ms: T0 + 100, market });
    recorder.advanceTo(T0 + 20 * 60_000);
    const { received } = client(ring, ['markets', 'l2']);
    const backfill = received.find((m) => m.type === 'backfill')!;
    const events = backfill.type === 'backfill' ? backfill.events : [];
    expect(events.filter((e) => e.ch === 'markets').map((e) => e.ch === 'markets' && e.rules)).toEqual(['verbatim rules']);
    expect(applyEvents(emptyChannelState(), events).markets['2026-01-29']!.listing!.rules).toBe('verbatim rules');
  });
});
