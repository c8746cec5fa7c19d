import { describe, expect, it } from 'vitest';
import { OrderBook, bookMetrics, spreadRegime } from '../../src/shared/book';
import { judgeAlignedTemp } from '../../src/shared/contract-rounding';
import { uuidv7, uuidv7Time } from '../../src/shared/uuid';

describe('book math', () => {
  it('computes BBO, mid, spread, microprice and depth imbalance', () => {
    const m = bookMetrics(
      [{ p: 0.48, s: 30 }, { p: 0.47, s: 70 }],
      [{ p: 0.52, s: 10 }, { p: 0.53, s: 10 }],
    );
    expect(m).toMatchObject({ best_bid: 0.48, best_ask: 0.52, spread: 0.04 });
    expect(m.mid).toBeCloseTo(0.5, 12);
    // a heavy bid (30) vs a light ask (10) pulls the microprice toward the ask
    expect(m.microprice).toBeCloseTo((0.48 * 10 + 0.52 * 30) / 40, 12);
    expect(m.imbalance).toBeCloseTo((100 - 20) / 120, 12);
  });

  it('leaves metrics that need both sides null on a one-sided book', () => {
    expect(bookMetrics([{ p: 0.1, s: 5 }], [])).toEqual({
      best_bid: 0.1,
      best_ask: null,
      mid: null,
      spread: null,
      microprice: null,
      imbalance: 1,
    });
  });

  it('classifies spread regimes', () => {
    expect(spreadRegime(0, 0.05)).toBe('LOCKED');
    expect(spreadRegime(0.01, 0.05)).toBe('NORMAL');
    expect(spreadRegime(0.06, 0.05)).toBe('WIDE');
    expect(spreadRegime(null, 0.05)).toBe('WIDE');
  });

  it('mirrors a book: snapshot, level updates, removal at size 0, best-first top N', () => {
    const book = new OrderBook();
    book.reset([{ p: 0.4, s: 10 }, { p: 0.45, s: 5 }], [{ p: 0.5, s: 7 }, { p: 0.55, s: 1 }]);
    book.apply('bid', 0.46, 3);
    book.apply('ask', 0.5, 0);
    book.apply('bid', 0.4, 12);
    expect(book.top(2)).toEqual({
      bids: [{ p: 0.46, s: 3 }, { p: 0.45, s: 5 }],
      asks: [{ p: 0.55, s: 1 }],
    });
    expect(book.sizeAt('bid', 0.4)).toBe(12);
    expect([book.bestBid, book.bestAsk, book.spread, book.depth('bid', 2)]).toEqual([0.46, 0.55, 0.09, 8]);
  });

  it('keys a level computed by arithmetic and the same level parsed from text as one level', () => {
    const book = OrderBook.from([{ p: 0.4 + 0.02, s: 5 }], []);
    book.apply('bid', Number('0.42'), 9);
    expect(book.top(5).bids).toEqual([{ p: 0.42, s: 9 }]);
  });

  it('diffs two books into the level changes that turn one into the other', () => {
    const from = OrderBook.from([{ p: 0.45, s: 5 }, { p: 0.44, s: 5 }], [{ p: 0.5, s: 7 }, { p: 0.52, s: 1 }]);
    const to = OrderBook.from([{ p: 0.44, s: 5 }, { p: 0.46, s: 2 }], [{ p: 0.5, s: 8 }, { p: 0.52, s: 1 }]);
    const changes = from.changesTo(to);
    expect(changes).toEqual([
      { side: 'bid', p: 0.45, s: 0 },
      { side: 'bid', p: 0.46, s: 2 },
      { side: 'ask', p: 0.5, s: 8 },
    ]);
    for (const c of changes) from.apply(c.side, c.p, c.s);
    expect(from.top(10)).toEqual(to.top(10));
    expect(to.changesTo(to)).toEqual([]);
  });
});

describe('judge-aligned temperature (docs/spec.md §6)', () => {
  it('uses whole °F rounded half away from zero', () => {
    expect(judgeAlignedTemp(-2.2)).toBe(28); // 28.04
    expect(judgeAlignedTemp(-2.5)).toBe(28); // 27.5 → 28
    expect(judgeAlignedTemp(25)).toBe(77);
    expect(judgeAlignedTemp(0.3)).toBe(33); // 32.54
    expect(judgeAlignedTemp(-20.3)).toBe(-5); // -4.54 → -5
    expect(judgeAlignedTemp(-20.5)).toBe(-5); // -4.9
    expect(judgeAlignedTemp(-17.5)).toBe(1); // 0.5 → 1
    expect(judgeAlignedTemp(-18.5)).toBe(-1); // -1.3
  });

  it('decides exact halves without binary floating error', () => {
    // 2.5 °C is exactly 36.5 °F: the rounding mode alone decides
    expect(judgeAlignedTemp(2.5)).toBe(37); // 36.5 → 37
    expect(judgeAlignedTemp(2.5, 'half_even')).toBe(36);
    expect(judgeAlignedTemp(2.5, 'half_up')).toBe(37);
    expect(judgeAlignedTemp(2.5, 'floor')).toBe(36);
    expect(judgeAlignedTemp(-22.5, 'half_away_from_zero')).toBe(-9); // -8.5 → -9
    expect(judgeAlignedTemp(-22.5, 'half_up')).toBe(-8);
  });
});

describe('UUIDv7', () => {
  it('encodes the creation time and sorts by it, even within one millisecond', () => {
    const t = Date.parse('2026-01-29T17:53:02.114Z');
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(t + Math.floor(i / 100)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(uuidv7Time(ids[0]!)).toBe(t);
  });
});
