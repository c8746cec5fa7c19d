/**
 * zod schemas for what sources hand the recorder, derived from the channel schemas so that the
 * two cannot drift: a model payload is the channel event minus what the recorder stamps itself
 * (envelope, station, window). Unknown fields are rejected rather than silently dropped.
 */
import { z } from 'zod';
import { CURRENT_SCHEMAS, SOURCE_STATES } from '../../shared/schemas';
import { DATE_PATTERN } from '../../shared/time';
import { clobBookMessage, DECIMAL_PATTERN, EPOCH_MS_PATTERN, type ClobMarketMessage } from '../sources/polymarket-messages';

const stampedByRecorder = {
  schema_version: true,
  ch: true,
  event_id: true,
  correlation_id: true,
  ts_ingest_utc: true,
  ts_nyc: true,
  ts_es: true,
  station_id: true,
  window_id: true,
} as const;

const correlation = { correlation_id: z.string().min(1).max(200).optional() };

export const featuresPayload = CURRENT_SCHEMAS.features_1m.omit(stampedByRecorder).extend(correlation).strict();
export const nowcastPayload = CURRENT_SCHEMAS.nowcast_1m.omit(stampedByRecorder).extend(correlation).strict();

export const pwsReading = z.object({
  pws_id: z.string().min(1).max(64),
  temp_f: z.number().refine(Number.isFinite, 'expected a finite temperature').refine((t) => t > -80 && t < 150, 'outside -80…150 °F'),
  obs_time_ms: z.number().int().positive(),
});

const date = z.string().regex(DATE_PATTERN, 'expected a date YYYY-MM-DD');

/** A market as discovery lists it (sources/source.ts ListedMarket); a token's market_date, if given, is the market's. */
export const listedMarket = z
  .object({
    market_date: date,
    event_id: z.string().min(1).max(200),
    slug: z.string().max(500),
    title: z.string().max(500),
    rules: z.string().max(100_000),
    resolution_source: z.string().max(2000),
    tokens: z
      .array(
        z
          .object({
            token_id: z.string().min(1).max(200),
            market_id: z.string().min(1).max(200),
            bucket: z.string().min(1).max(64),
            market_date: date.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(200),
  })
  .strict()
  .superRefine((m, ctx) => {
    m.tokens.forEach((t, i) => {
      if (t.market_date !== undefined && t.market_date !== m.market_date) {
        ctx.addIssue({ code: 'custom', path: ['tokens', i, 'market_date'], message: `token of ${t.market_date} listed under ${m.market_date}` });
      }
    });
  });

export const marketDate = date;

/** An upstream's state as a source reports it (sources/source.ts SourceStatus). */
export const sourceStatus = z
  .object({
    source: z.string().min(1).max(64),
    state: z.enum(SOURCE_STATES),
    detail: z.string().max(2000).nullable(),
    at_ms: z.number().finite(),
  })
  .strict();

/** The REST book (GET /book) has the `book` message's shape minus `event_type`. */
export const clobRestBook = clobBookMessage.omit({ event_type: true });

// ── fast path for the hot message ─────────────────────────────────────────────────────────────

function decimal(x: unknown): number | undefined {
  return typeof x === 'string' && DECIMAL_PATTERN.test(x) ? Number(x) : undefined;
}

/** A decimal or "" (null: the venue has no value, e.g. no best price on an empty side). */
function optionalDecimal(x: unknown): number | null | undefined {
  return x === '' ? null : decimal(x);
}

/**
 * `price_change` is most of what the venue sends (tens per second), and zod takes ~25 µs on one.
 * This accepts exactly the same messages with the same output, or returns null — the caller then
 * runs the zod schema, which decides and words the reason. test/recorder/inputs.test.ts checks
 * the two agree, on valid and on broken messages.
 */
export function parsePriceChangeFast(input: unknown): Extract<ClobMarketMessage, { event_type: 'price_change' }> | null {
  if (typeof input !== 'object' || input === null) return null;
  const m = input as Record<string, unknown>;
  if (m.event_type !== 'price_change' || typeof m.market !== 'string' || m.market.length === 0) return null;
  if (typeof m.timestamp !== 'string' || !EPOCH_MS_PATTERN.test(m.timestamp)) return null;
  const list = m.price_changes;
  if (!Array.isArray(list) || list.length === 0) return null;
  const price_changes = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) return null;
    const c = item as Record<string, unknown>;
    const price = decimal(c.price);
    const size = decimal(c.size);
    const best_bid = optionalDecimal(c.best_bid);
    const best_ask = optionalDecimal(c.best_ask);
    if (typeof c.asset_id !== 'string' || c.asset_id.length === 0 || typeof c.hash !== 'string') return null;
    if (c.side !== 'BUY' && c.side !== 'SELL') return null;
    if (price === undefined || size === undefined || best_bid === undefined || best_ask === undefined) return null;
    price_changes.push({ asset_id: c.asset_id, price, size, side: c.side, hash: c.hash, best_bid, best_ask } as const);
  }
  return { event_type: 'price_change', market: m.market, price_changes, timestamp: Number(m.timestamp) };
}
