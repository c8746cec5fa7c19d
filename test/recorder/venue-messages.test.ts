/**
 * The CLOB market channel as the venue sends it (research notes §1.2–1.3), message by message:
 * what the recorder makes of each, with real captured data where the notes have it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceMessage } from '../../src/services/sources/source';
import { parseEvent } from '../../src/shared/registry';
import { BEST_BID_ASK, BOOK_DUMP, FRAME_ASSETS, LAST_TRADE_PRICE, NEW_MARKET, PRICE_CHANGE, REST_BOOK, TICK_SIZE_CHANGE } from './fixtures/venue-data';
import { harness } from './helpers';

const T = Date.UTC(2026, 9, 2, 15, 0, 0); // 2026-10-02, when the frames were captured
const MARKET_A = BOOK_DUMP[0].market;
const MARKET_B = PRICE_CHANGE.market;
const TOKENS = [
  { token_id: FRAME_ASSETS.a, market_id: MARKET_A, bucket: '70-71°F' },
  { token_id: FRAME_ASSETS.b, market_id: MARKET_A, bucket: '72-73°F' },
  { token_id: FRAME_ASSETS.c, market_id: MARKET_B, bucket: '74-75°F' },
];
const clob = (at: number, message: unknown): SourceMessage => ({ kind: 'clob', received_ms: at, message: message as never });

/** A recorder whose three books came from the initial dump (and a book for token c). */
function dumped() {
  const h = harness({}, T, { tokens: TOKENS });
  for (const book of BOOK_DUMP) h.recorder.ingest(clob(T + 100, book));
  h.recorder.ingest(clob(T + 100, { ...BOOK_DUMP[0], asset_id: FRAME_ASSETS.c, market: MARKET_B, bids: [{ price: '0.23', size: '50' }], asks: [{ price: '0.27', size: '40' }] }));
  return h;
}

describe('CLOB market channel messages', () => {
  it('takes a book in the venue order (bids ascending, asks descending: best last) and snapshots it best first', () => {
    const token = { token_id: REST_BOOK.asset_id, market_id: REST_BOOK.market, bucket: '70-71°F' };
    const h = harness({}, 1790596358000, { tokens: [token] });
    h.recorder.ingest({ kind: 'clob_rest_book', received_ms: 1790596358500, book: REST_BOOK as never });
    h.recorder.advanceTo(1790596359000);
    const snap = h.of('l2_snap_1s').at(-1)!;
    expect(snap).toMatchObject({ book_ok: true, best_bid: 0.57, best_ask: 0.59, spread: 0.02, mid: 0.58 });
    expect(snap.bids.slice(0, 3)).toEqual([{ p: 0.57, s: 34 }, { p: 0.56, s: 179.43 }, { p: 0.55, s: 35 }]);
    expect(snap.asks.slice(0, 3)).toEqual([{ p: 0.59, s: 164.15 }, { p: 0.6, s: 321.43 }, { p: 0.61, s: 399.57 }]);
    expect(h.rejections).toEqual([]);
  });

  it('takes the initial dump: a book per token, an empty one ("" last trade) is a trusted empty book', () => {
    const h = dumped();
    h.recorder.advanceTo(T + 1000);
    const snaps = h.of('l2_snap_1s').filter((s) => s.ts_ingest_utc === new Date(T + 1000).toISOString());
    expect(snaps.map((s) => [s.token_id, s.book_ok, s.best_bid, s.best_ask])).toEqual([
      [FRAME_ASSETS.a, true, 0.13, 0.15],
      [FRAME_ASSETS.b, true, null, null],
      [FRAME_ASSETS.c, true, 0.23, 0.27],
    ]);
    expect(h.rejections).toEqual([]);
  });

  it('applies a price_change batch for several assets; size "0" removes the level', () => {
    const h = dumped();
    h.recorder.markWindow(T + 200, 60_000, 'watch');
    h.recorder.ingest(clob(T + 300, PRICE_CHANGE));
    expect(h.of('book_events').filter((e) => e.kind === 'GAP_DETECTED')).toEqual([]);
    expect(h.of('l2_deltas').map((d) => [d.token_id, d.side, d.p, d.s, d.hash])).toEqual([
      [FRAME_ASSETS.c, 'ask', 0.26, 10, PRICE_CHANGE.price_changes[0].hash],
      [FRAME_ASSETS.a, 'bid', 0.13, 0, PRICE_CHANGE.price_changes[1].hash],
    ]);
    h.recorder.advanceTo(T + 1000);
    const last = (token: string) => h.of('l2_snap_1s').filter((s) => s.token_id === token).at(-1)!;
    expect(last(FRAME_ASSETS.a).bids.map((l) => l.p)).toEqual([0.12, 0.01]);
    expect(last(FRAME_ASSETS.c)).toMatchObject({ best_bid: 0.23, best_ask: 0.26 });
  });

  it('reads "" as no best price on that side: agreeing when the side is empty, a gap when it is not', () => {
    const h = dumped();
    const empty = (at: number, bestAsk: string) =>
      clob(at, {
        event_type: 'price_change',
        market: MARKET_A,
        timestamp: String(at),
        price_changes: [{ asset_id: FRAME_ASSETS.b, price: '0.4', size: '25', side: 'BUY', hash: 'h', best_bid: '0.4', best_ask: bestAsk }],
      });
    h.recorder.ingest(empty(T + 300, '')); // one bid on an empty book: no ask, and the venue says so
    expect(h.of('book_events').filter((e) => e.token_id === FRAME_ASSETS.b).map((e) => e.kind)).toEqual(['BOOK_RESYNC_START', 'BOOK_RESYNC_DONE']);
    h.recorder.ingest(
      clob(T + 400, {
        event_type: 'price_change',
        market: MARKET_A,
        timestamp: String(T + 400),
        price_changes: [{ asset_id: FRAME_ASSETS.a, price: '0.16', size: '100', side: 'SELL', hash: 'h2', best_bid: '0.13', best_ask: '' }],
      }),
    );
    const gap = h.of('book_events').find((e) => e.kind === 'GAP_DETECTED')!;
    expect(gap).toMatchObject({ token_id: FRAME_ASSETS.a });
    expect(gap.detail).toContain('≠ venue best 0.13/—');
    expect(h.rejections).toEqual([]);
  });

  it('records trades with the settlement transaction as the trade id (null only when absent)', () => {
    const h = dumped();
    h.recorder.ingest(clob(T + 300, LAST_TRADE_PRICE));
    const { transaction_hash: _, ...withoutHash } = LAST_TRADE_PRICE;
    h.recorder.ingest(clob(T + 400, withoutHash));
    expect(h.of('tape_trades').map((t) => [t.p, t.s, t.side, t.trade_id])).toEqual([
      [0.15, 219.217767, 'buy', LAST_TRADE_PRICE.transaction_hash],
      [0.15, 219.217767, 'buy', null],
    ]);
  });

  it('drops the book on tick_size_change until the next book: book_ok=false and a resync, not a gap', () => {
    const h = dumped();
    h.requests.length = 0;
    h.recorder.ingest(clob(T + 300, TICK_SIZE_CHANGE));
    expect(h.of('book_events').filter((e) => e.token_id === FRAME_ASSETS.a).slice(2).map((e) => [e.kind, e.detail])).toEqual([
      ['BOOK_RESYNC_START', 'tick size 0.01 → 0.001: book dropped until the next book'],
    ]);
    expect(h.requests).toEqual([FRAME_ASSETS.a]);
    h.recorder.advanceTo(T + 1000);
    expect(h.of('l2_snap_1s').filter((s) => s.token_id === FRAME_ASSETS.a).at(-1)!.book_ok).toBe(false);
    h.recorder.ingest(clob(T + 1200, { ...BOOK_DUMP[0], bids: [{ price: '0.012', size: '10' }, { price: '0.131', size: '60' }], timestamp: String(T + 1200) }));
    h.recorder.advanceTo(T + 2000);
    expect(h.of('l2_snap_1s').filter((s) => s.token_id === FRAME_ASSETS.a).at(-1)).toMatchObject({ book_ok: true, best_bid: 0.131, resync_epoch_id: 2 });
    expect(h.recorder.stats().gaps).toBe(0);
  });

  it('takes the tick from the book (the market triggers count ticks of it)', () => {
    const shock = (tickSize: string) => {
      const h = harness({ triggers: { midShockTicks: 4, midShockMinMove: 0 } }, T, { tokens: TOKENS });
      h.recorder.ingest(clob(T + 100, { ...BOOK_DUMP[0], tick_size: tickSize, bids: [{ price: '0.03', size: '100' }], asks: [{ price: '0.032', size: '100' }] }));
      h.recorder.advanceTo(T + 1000);
      // the ask steps up from 0.032 to 0.042: mid 0.031 → 0.036, 5 ticks of 0.001, half a tick of 0.01
      const up = [
        { asset_id: FRAME_ASSETS.a, price: '0.032', size: '0', side: 'SELL', hash: 'x1', best_bid: '0.03', best_ask: '' },
        { asset_id: FRAME_ASSETS.a, price: '0.042', size: '100', side: 'SELL', hash: 'x2', best_bid: '0.03', best_ask: '0.042' },
      ];
      h.recorder.ingest(clob(T + 1100, { ...PRICE_CHANGE, market: MARKET_A, price_changes: up }));
      return h.of('event_windows').map((w) => w.reason);
    };
    expect(shock('0.001')).toEqual(['MID_SHOCK']);
    expect(shock('0.01')).toEqual([]);
  });

  it('cross-checks best_bid_ask: agreeing changes nothing, disagreeing is a gap and a resync', () => {
    const h = dumped();
    h.recorder.ingest(clob(T + 300, BEST_BID_ASK));
    expect(h.of('book_events').some((e) => e.kind === 'GAP_DETECTED')).toBe(false);
    h.recorder.ingest(clob(T + 400, { ...BEST_BID_ASK, best_bid: '0.14', spread: '0.01' }));
    expect(h.of('book_events').slice(-2).map((e) => [e.token_id, e.kind])).toEqual([
      [FRAME_ASSETS.a, 'GAP_DETECTED'],
      [FRAME_ASSETS.a, 'BOOK_RESYNC_START'],
    ]);
    expect(h.of('book_events').at(-2)!.detail).toContain('after best_bid_ask');
  });

  it('counts new_market announcements without an error', () => {
    const h = dumped();
    h.recorder.ingest(clob(T + 300, NEW_MARKET));
    expect(h.recorder.stats()).toMatchObject({ new_markets: 1, rejected: {} });
  });

  it('rejects an unknown event_type with a reason, and a malformed frame naming the field', () => {
    const h = dumped();
    h.recorder.ingest(clob(T + 300, { event_type: 'order_book_delta', asset_id: FRAME_ASSETS.a }));
    h.recorder.ingest(clob(T + 400, { ...PRICE_CHANGE, price_changes: [{ ...PRICE_CHANGE.price_changes[0], best_bid: '0.2x' }] }));
    expect(h.rejections.map((r) => r.reason)).toEqual([
      expect.stringContaining('unknown event_type "order_book_delta"'),
      expect.stringContaining('price_changes.0.best_bid'),
    ]);
    expect(h.recorder.stats().rejected).toEqual({ clob: 2 });
  });

  it('never throws on arbitrary frames: each is recorded or set aside with a reason, and what is recorded is valid', () => {
    const frame = fc.oneof(
      fc.anything(),
      fc.record({
        event_type: fc.constantFrom('book', 'price_change', 'last_trade_price', 'tick_size_change', 'best_bid_ask', 'new_market', 'market_resolved', 'other'),
        asset_id: fc.constantFrom(FRAME_ASSETS.a, FRAME_ASSETS.b, 'x', ''),
        market: fc.constantFrom(MARKET_A, ''),
        price: fc.constantFrom('0.5', '', '1e-3', '.5', 'NaN'),
        size: fc.constantFrom('0', '10', '-1', ''),
        side: fc.constantFrom('BUY', 'SELL', 'buy'),
        best_bid: fc.constantFrom('0.1', '', 'x'),
        best_ask: fc.constantFrom('0.9', '', '1'),
        timestamp: fc.constantFrom('1790908667676', 17, ''),
        price_changes: fc.array(fc.record({ asset_id: fc.constantFrom(FRAME_ASSETS.a, ''), price: fc.constantFrom('0.2', 'x'), size: fc.constantFrom('1', '0'), side: fc.constantFrom('BUY', 'SELL'), hash: fc.string(), best_bid: fc.constantFrom('0.2', ''), best_ask: fc.constantFrom('0.3', '') }), { maxLength: 3 }),
        bids: fc.array(fc.record({ price: fc.constantFrom('0.1', 'y'), size: fc.constantFrom('3', '') }), { maxLength: 3 }),
        asks: fc.constant([]),
        hash: fc.string(),
      }),
    );
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 20 }), (frames) => {
        const h = dumped();
        const before = h.events.length;
        frames.forEach((f, i) => h.recorder.ingest(clob(T + 200 + i, f)));
        h.recorder.finish(T + 5_000);
        expect(h.rejections.every((r) => r.reason.length > 0)).toBe(true);
        for (const e of h.events.slice(before)) expect(parseEvent(JSON.parse(JSON.stringify(e))).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
