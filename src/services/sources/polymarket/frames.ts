/**
 * CLOB market-channel frames → source messages, as a pure function (fuzzed in
 * test/sources/frames.property.test.ts). A frame is one of (sources.md §1.1–1.3):
 *   - a JSON object with an `event_type`;
 *   - a JSON array of them (the initial dump: one `book` per subscribed asset; `[]` for an unknown one);
 *   - plain text: `PONG` (the answer to our `PING`) or `NO NEW ASSETS`.
 * Each message of a known `event_type` goes to the recorder as received (its zod schemas decide the
 * fields); anything else becomes a rejection with its reason. Nothing here throws.
 */
import type { ClobMarketMessageWire } from '../polymarket-messages';
import type { SourceMessage } from '../source';

/** Messages the recorder records. */
const RECORDED = new Set(['book', 'price_change', 'last_trade_price', 'tick_size_change', 'best_bid_ask', 'market_resolved']);
/** `new_market` announces markets anywhere on the venue; the connector only uses it as a hint to re-discover. */
const HINTS = new Set(['new_market']);
const CONTROL_TEXT = new Set(['PONG', 'NO NEW ASSETS']);

export type ClobMessage = Extract<SourceMessage, { kind: 'clob' }>;

export interface FrameRejection {
  reason: string;
  input: unknown;
}

export interface ParsedFrame {
  messages: ClobMessage[];
  rejections: FrameRejection[];
  /** `PONG` / `NO NEW ASSETS`, when the frame was one of them. */
  control: string | null;
  /** Slugs of `new_market` announcements (their event's slug when present). */
  newMarketSlugs: string[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

function slugOf(m: Record<string, unknown>): string | null {
  const event = m.event_message;
  if (event && typeof event === 'object' && typeof (event as Record<string, unknown>).slug === 'string') {
    return (event as Record<string, string>).slug!;
  }
  return typeof m.slug === 'string' ? m.slug : null;
}

export function parseClobFrame(text: string, received_ms: number): ParsedFrame {
  const out: ParsedFrame = { messages: [], rejections: [], control: null, newMarketSlugs: [] };
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    out.rejections.push({ reason: 'empty frame', input: text });
    return out;
  }
  const first = trimmed[0];
  if (first !== '{' && first !== '[') {
    if (CONTROL_TEXT.has(trimmed)) out.control = trimmed;
    else out.rejections.push({ reason: `unknown text frame (expected JSON, PONG or NO NEW ASSETS)`, input: text });
    return out;
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (e) {
    out.rejections.push({ reason: `not JSON: ${(e as Error).message}`, input: text });
    return out;
  }
  const items = Array.isArray(value) ? value : [value];
  const where = (i: number) => (Array.isArray(value) ? `element ${i}: ` : '');
  for (const [i, item] of items.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      out.rejections.push({ reason: `${where(i)}expected a message object, got ${describe(item)}`, input: Array.isArray(value) ? item : text });
      continue;
    }
    const m = item as Record<string, unknown>;
    const type = m.event_type;
    if (typeof type !== 'string') {
      out.rejections.push({ reason: `${where(i)}event_type: expected a string, got ${describe(type)}`, input: item });
    } else if (RECORDED.has(type)) {
      out.messages.push({ kind: 'clob', received_ms, message: m as unknown as ClobMarketMessageWire });
    } else if (HINTS.has(type)) {
      const slug = slugOf(m);
      if (slug) out.newMarketSlugs.push(slug);
    } else {
      out.rejections.push({ reason: `${where(i)}unknown event_type ${JSON.stringify(type).slice(0, 80)}`, input: item });
    }
  }
  return out;
}
