/**
 * Polymarket CLOB market-channel messages (wss://ws-subscriptions-clob.polymarket.com/ws/market),
 * in the shapes the venue actually sends: prices and sizes as decimal strings, timestamps as ms
 * strings, `price_changes[]` batches with the post-change best bid/ask (format since Sept 2025).
 * The REST book (GET /book?token_id=…) has the same shape as the `book` message minus event_type.
 */
import { z } from 'zod';

const decimal = z
  .string()
  .regex(/^(?:\d+\.?\d*|\.\d+)$/, 'expected a decimal string')
  .transform(Number);
const msTimestamp = z.string().regex(/^\d+$/, 'expected epoch ms as a string').transform(Number);
const orderSummary = z.object({ price: decimal, size: decimal });

export const clobBookMessage = z.object({
  event_type: z.literal('book'),
  asset_id: z.string().min(1),
  market: z.string().min(1),
  bids: z.array(orderSummary),
  asks: z.array(orderSummary),
  timestamp: msTimestamp,
  hash: z.string(),
});

export const clobPriceChange = z.object({
  asset_id: z.string().min(1),
  price: decimal,
  size: decimal,
  side: z.enum(['BUY', 'SELL']),
  hash: z.string(),
  best_bid: decimal,
  best_ask: decimal,
});

export const clobPriceChangeMessage = z.object({
  event_type: z.literal('price_change'),
  market: z.string().min(1),
  price_changes: z.array(clobPriceChange).min(1),
  timestamp: msTimestamp,
});

export const clobLastTradePriceMessage = z.object({
  event_type: z.literal('last_trade_price'),
  asset_id: z.string().min(1),
  market: z.string().min(1),
  price: decimal,
  size: decimal,
  side: z.enum(['BUY', 'SELL']),
  fee_rate_bps: z.string().optional(),
  timestamp: msTimestamp,
});

export const clobTickSizeChangeMessage = z.object({
  event_type: z.literal('tick_size_change'),
  asset_id: z.string().min(1),
  market: z.string().min(1),
  old_tick_size: decimal,
  new_tick_size: decimal,
  timestamp: msTimestamp,
});

export const clobMarketMessage = z.discriminatedUnion('event_type', [
  clobBookMessage,
  clobPriceChangeMessage,
  clobLastTradePriceMessage,
  clobTickSizeChangeMessage,
]);

/** What arrives on the wire (strings) vs. what the recorder works with (numbers). */
export type ClobMarketMessageWire = z.input<typeof clobMarketMessage>;
export type ClobMarketMessage = z.output<typeof clobMarketMessage>;
export type ClobBookMessage = z.output<typeof clobBookMessage>;
