import { describe, expect, it } from 'vitest';
import { CHANNEL_COLUMNS } from '../../src/shared/columns';
import { CURRENT_SCHEMAS } from '../../src/shared/schemas';
import { CHANNELS } from '../../src/shared/channels';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import { sampleEvents, stampEvent, T0, TOKEN, MARKET } from '../fixtures/events';

describe('Parquet column table', () => {
  for (const ch of CHANNELS) {
    it(`has exactly one column per ${ch} schema field`, () => {
      const schemaKeys = Object.keys(CURRENT_SCHEMAS[ch].shape).sort();
      const columnNames = CHANNEL_COLUMNS[ch].map((c) => c.name).sort();
      expect(columnNames).toEqual(schemaKeys);
    });
  }
});

describe('channel state', () => {
  const market = { station_id: 'KLGA', market_id: MARKET, token_id: TOKEN };
  const snap = (at: number, bid: number, ok = true) =>
    stampEvent(
      'l2_snap_1s',
      {
        ...market,
        bucket: null,
        seq: 1,
        resync_epoch_id: 0,
        bids: [{ p: bid, s: 10 }, { p: bid - 0.01, s: 20 }],
        asks: [{ p: bid + 0.02, s: 10 }],
        best_bid: bid,
        best_ask: bid + 0.02,
        mid: bid + 0.01,
        spread: 0.02,
        microprice: bid + 0.01,
        imbalance: 0.2,
        book_ok: ok,
      },
      at,
    );
  const delta = (at: number, side: 'bid' | 'ask', p: number, s: number, seq: number) =>
    stampEvent('l2_deltas', { ...market, seq, side, p, s }, at);

  it('applies window deltas on top of the latest snapshot and recomputes the BBO', () => {
    const s = applyEvents(emptyChannelState(), [snap(T0, 0.4), delta(T0 + 100, 'bid', 0.41, 7, 2), delta(T0 + 200, 'ask', 0.42, 0, 3)]);
    const book = s.books[TOKEN]!;
    expect(book.bids[0]).toEqual({ p: 0.41, s: 7 });
    expect(book.asks).toEqual([]);
    expect(book.metrics.best_bid).toBe(0.41);
    expect(book.metrics.best_ask).toBeNull();
    expect(book.deltas_since_snapshot).toBe(2);
    expect(book.seq).toBe(3);
  });

  it('gives the same book whether events arrive in one batch or one by one', () => {
    const events = [snap(T0, 0.4), delta(T0 + 100, 'bid', 0.41, 7, 2), delta(T0 + 150, 'bid', 0.41, 0, 3), snap(T0 + 1000, 0.45), delta(T0 + 1100, 'ask', 0.46, 4, 4)];
    const batched = applyEvents(emptyChannelState(), events);
    const single = events.reduce((s, e) => applyEvents(s, [e]), emptyChannelState());
    expect(single.books).toEqual(batched.books);
  });

  it('keeps the latest world/model events and the windows still open', () => {
    const ev = sampleEvents(T0);
    const closed = { ...ev.event_windows, state: 'closed' as const };
    let s = applyEvents(emptyChannelState(), [ev.metar_obs, ev.pws_cluster, ev.nowcast_1m, ev.event_windows]);
    expect(s.metar).toBe(ev.metar_obs);
    expect(Object.keys(s.open_windows)).toHaveLength(1);
    s = applyEvents(s, [closed]);
    expect(s.open_windows).toEqual({});
    expect(s.last_event).toBe(closed);
  });

  it('marks a book untrustworthy from a gap until the next good snapshot', () => {
    const ev = sampleEvents(T0 + 10);
    let s = applyEvents(emptyChannelState(), [snap(T0, 0.4), ev.book_events]);
    expect(s.books[TOKEN]!.book_ok).toBe(false);
    expect(s.books[TOKEN]!.last_book_event?.kind).toBe('GAP_DETECTED');
    s = applyEvents(s, [snap(T0 + 1000, 0.4, true)]);
    expect(s.books[TOKEN]!.book_ok).toBe(true);
  });

  it('leaves untouched parts identical so panels do not re-render', () => {
    const ev = sampleEvents(T0);
    const s1 = applyEvents(emptyChannelState(), [snap(T0, 0.4), ev.metar_obs]);
    const s2 = applyEvents(s1, [ev.pws_cluster]);
    expect(s2.books).toBe(s1.books);
    expect(s2.metar).toBe(s1.metar);
  });
});
