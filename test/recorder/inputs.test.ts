import { describe, expect, it } from 'vitest';
import { parsePriceChangeFast } from '../../src/services/recorder/input-schemas';
import { clobMarketMessage } from '../../src/services/sources/polymarket-messages';
import { A, B, T0, Venue } from './helpers';

function wire(changes: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return { event_type: 'price_change', market: '0xabc', timestamp: String(T0), price_changes: changes, ...extra };
}
const good = { asset_id: A, price: '0.51', size: '120.5', side: 'SELL', hash: 'h1', best_bid: '0.49', best_ask: '0.51' };

describe('price_change fast path', () => {
  it('accepts exactly what the zod schema accepts, with the same output', () => {
    const v = new Venue();
    const valid = [
      (v.change(T0, [[A, 'BUY', 0.49, 10], [B, 'SELL', 0.52, 0]]) as { message: unknown }).message,
      wire([good]),
      wire([{ ...good, price: '.5', size: '3.', extra: 'ignored' }], { also: 'ignored' }),
    ];
    const broken = [
      wire([]),
      wire([{ ...good, price: '0,5' }]),
      wire([{ ...good, price: '-0.5' }]),
      wire([{ ...good, size: 12 }]),
      wire([{ ...good, side: 'buy' }]),
      wire([{ ...good, asset_id: '' }]),
      wire([{ ...good, hash: undefined }]),
      wire([{ ...good, best_ask: '1e-3' }]),
      wire([good], { timestamp: '17e11' }),
      wire([good], { market: '' }),
      wire([good, null as never]),
      { ...wire([good]), event_type: 'book' },
      null,
      'price_change',
    ];
    for (const m of valid) {
      const zod = clobMarketMessage.safeParse(m);
      expect(zod.success).toBe(true);
      expect(parsePriceChangeFast(m)).toEqual(zod.data);
    }
    for (const m of broken) {
      const zod = clobMarketMessage.safeParse(m);
      if (zod.success) expect(zod.data.event_type).not.toBe('price_change');
      expect(parsePriceChangeFast(m), JSON.stringify(m)).toBeNull();
    }
  });
});
