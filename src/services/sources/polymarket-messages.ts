/**
 * Polymarket CLOB market-channel messages (wss://ws-subscriptions-clob.polymarket.com/ws/market),
 * in the shapes the venue actually sends (research notes, sources.md §1.2–1.3): prices and sizes
 * as decimal strings, timestamps as epoch-ms strings, `price_changes[]` batches carrying the
 * post-change best bid/ask (format since Sept 2025), "" for a decimal the venue has no value for
 * (an empty side's best price, an empty book's last trade price). The REST book
 * (GET /book?token_id=…, POST /books) has the `book` message's shape minus `event_type`.
 *
 * These schemas are what the recorder accepts; unknown fields are dropped, an unknown
 * `event_type` is rejected with a reason naming it (`unknownEventType`).
 */
import { z } from 'zod';

const DECIMAL = /^(?:\d+\.?\d*|\.\d+)$/;
const decimal = z.string().regex(DECIMAL, 'expected a decimal string').transform(Number);
/** A decimal the venue may leave empty: "" → null (e.g. the best bid of an empty side). */
const optionalDecimal = z
  .string()
  .regex(/^(?:|\d+\.?\d*|\.\d+)$/, 'expected a decimal string or ""')
  .transform((s) => (s === '' ? null : Number(s)));
const msTimestamp = z.string().regex(/^\d+$/, 'expected epoch ms as a string').transform(Number);
const orderSummary = z.object({ price: decimal, size: decimal });
const assetId = z.string().min(1);

export const clobBookMessage = z.object({
  event_type: z.literal('book'),
  asset_id: assetId,
  market: z.string().min(1),
  /** Ascending: the best bid is the last element. */
  bids: z.array(orderSummary),
  /** Descending: the best ask is the last element. */
  asks: z.array(orderSummary),
  timestamp: msTimestamp,
  hash: z.string(),
  tick_size: decimal.optional(),
  last_trade_price: optionalDecimal.optional(),
  min_order_size: decimal.optional(),
  neg_risk: z.boolean().optional(),
});

export const clobPriceChange = z.object({
  asset_id: assetId,
  price: decimal,
  /** The level's new aggregate size; "0" removes the level. */
  size: decimal,
  side: z.enum(['BUY', 'SELL']),
  hash: z.string(),
  best_bid: optionalDecimal,
  best_ask: optionalDecimal,
});

export const clobPriceChangeMessage = z.object({
  event_type: z.literal('price_change'),
  market: z.string().min(1),
  price_changes: z.array(clobPriceChange).min(1),
  timestamp: msTimestamp,
});

export const clobLastTradePriceMessage = z.object({
  event_type: z.literal('last_trade_price'),
  asset_id: assetId,
  market: z.string().min(1),
  price: decimal,
  size: decimal,
  /** The taker's side. */
  side: z.enum(['BUY', 'SELL']),
  fee_rate_bps: z.string().optional(),
  /** The settlement transaction: the only trade id the venue gives. */
  transaction_hash: z.string().min(1).optional(),
  timestamp: msTimestamp,
});

export const clobTickSizeChangeMessage = z.object({
  event_type: z.literal('tick_size_change'),
  asset_id: assetId,
  market: z.string().min(1),
  old_tick_size: decimal,
  new_tick_size: decimal,
  timestamp: msTimestamp,
});

/** Top of book (with `custom_feature_enabled`): a cross-check of the mirror. */
export const clobBestBidAskMessage = z.object({
  event_type: z.literal('best_bid_ask'),
  asset_id: assetId,
  market: z.string().min(1),
  best_bid: optionalDecimal,
  best_ask: optionalDecimal,
  spread: optionalDecimal.optional(),
  timestamp: msTimestamp,
});

const eventMessage = z.object({ id: z.string().optional(), slug: z.string().optional(), title: z.string().optional() }).optional();

/** A market created on the venue (custom feature); only counted: discovery decides the cone. */
export const clobNewMarketMessage = z.object({
  event_type: z.literal('new_market'),
  market: z.string().optional(),
  slug: z.string().optional(),
  assets_ids: z.array(z.string()).optional(),
  event_message: eventMessage,
  timestamp: msTimestamp,
});

/** A market settled: which of its assets won (custom feature). */
export const clobMarketResolvedMessage = z.object({
  event_type: z.literal('market_resolved'),
  id: z.string().optional(),
  market: z.string().min(1),
  assets_ids: z.array(assetId),
  winning_asset_id: assetId,
  winning_outcome: z.string().min(1).max(64),
  event_message: eventMessage,
  timestamp: msTimestamp,
});

export const CLOB_EVENT_TYPES = ['book', 'price_change', 'last_trade_price', 'tick_size_change', 'best_bid_ask', 'new_market', 'market_resolved'] as const;

export const clobMarketMessage = z.discriminatedUnion('event_type', [
  clobBookMessage,
  clobPriceChangeMessage,
  clobLastTradePriceMessage,
  clobTickSizeChangeMessage,
  clobBestBidAskMessage,
  clobNewMarketMessage,
  clobMarketResolvedMessage,
]);

/** A reason for a message the schemas refuse, naming an unknown `event_type` as such. */
export function unknownEventType(input: unknown): string | null {
  const type = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as { event_type?: unknown }).event_type : undefined;
  if (typeof type === 'string' && (CLOB_EVENT_TYPES as readonly string[]).includes(type)) return null;
  return `unknown event_type ${JSON.stringify(type ?? null)} (known: ${CLOB_EVENT_TYPES.join(', ')})`;
}

/** What arrives on the wire (strings) vs. what the recorder works with (numbers). */
export type ClobMarketMessageWire = z.input<typeof clobMarketMessage>;
export type ClobMarketMessage = z.output<typeof clobMarketMessage>;
export type ClobBookMessage = z.output<typeof clobBookMessage>;
