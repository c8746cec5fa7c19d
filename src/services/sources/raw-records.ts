/**
 * What the real connectors receive, as data: one `RawRecord` per upstream frame, HTTP response or
 * connection change, stamped with its receive time `t` (epoch ms) and a per-session sequence `n`.
 *
 * Every connector turns what arrives into a record first and then into `SourceMessage`s through
 * `RecordDecoder` — live, and again when a raw capture is played back (`record --source
 * capture:DIR`), so both paths run the same parsers on the same bytes and yield the same messages
 * at the same instants. The upstreams' state changes are records too (the recorder reacts to them).
 * Records are also what the raw capture writes, one JSON object per line.
 */
import { z } from 'zod';
import { SOURCE_STATES } from './source';

const base = { t: z.number(), n: z.number().int().nonnegative() };
const http = {
  url: z.string(),
  /** HTTP status; 0 when no response came (network error, timeout). */
  status: z.number().int(),
  body: z.string(),
  /** Network error or timeout, when there was no response. */
  error: z.string().optional(),
};

export const rawRecord = z.discriminatedUnion('src', [
  z.discriminatedUnion('type', [
    /** First line of every capture file: the station, the session and the cone at start. */
    z.object({
      ...base,
      src: z.literal('capture'),
      type: z.literal('start'),
      station: z.string(),
      session: z.string(),
      tokens: z.array(z.object({ token_id: z.string(), market_id: z.string(), bucket: z.string(), market_date: z.string().optional() })),
    }),
    /** The recording stopped here (the last instant recorded). */
    z.object({ ...base, src: z.literal('capture'), type: z.literal('stop') }),
  ]),
  z.discriminatedUnion('type', [
    /** A text frame of the CLOB market WebSocket, exactly as received. */
    z.object({ ...base, src: z.literal('clob'), type: z.literal('frame'), text: z.string() }),
    /** A frame we sent (subscribe/unsubscribe): kept for the record, nothing to decode. */
    z.object({ ...base, src: z.literal('clob'), type: z.literal('sent'), text: z.string() }),
    /** The market socket opened (and was subscribed) or went down (close code, error, stale feed). */
    z.object({ ...base, src: z.literal('clob'), type: z.literal('up'), detail: z.string() }),
    z.object({ ...base, src: z.literal('clob'), type: z.literal('down'), detail: z.string() }),
  ]),
  /** A POST {clob_url}/books response. */
  z.object({ ...base, src: z.literal('books'), type: z.literal('http'), ...http }),
  z.discriminatedUnion('type', [
    /** A Gamma event response for one station-local market date. */
    z.object({ ...base, src: z.literal('gamma'), type: z.literal('http'), market_date: z.string(), ...http }),
    /** The market of a date is no longer followed (its day is over). */
    z.object({ ...base, src: z.literal('gamma'), type: z.literal('unlist'), market_date: z.string(), detail: z.string() }),
  ]),
  /** A METAR poll response: aviationweather.gov JSON (`awc`) or the IEM ASOS CSV (`iem`). */
  z.object({ ...base, src: z.literal('metar'), type: z.literal('http'), api: z.enum(['awc', 'iem']), ...http }),
  /** One PWS poll: every response of the cycle (one per station for WU, one for Synoptic). */
  z.object({
    ...base,
    src: z.literal('pws'),
    type: z.literal('poll'),
    provider: z.enum(['wunderground', 'synoptic']),
    responses: z.array(z.object(http)),
  }),
  /** A text message HELIOS pushed to the ingest endpoint. */
  z.object({ ...base, src: z.literal('ingest'), type: z.literal('message'), text: z.string() }),
  /** An upstream's state changed (what `SourceSink.status` got, in order with everything else). */
  z.object({ ...base, src: z.literal('status'), type: z.literal('state'), source: z.string(), state: z.enum(SOURCE_STATES), detail: z.string().nullable() }),
]);

export type RawRecord = z.infer<typeof rawRecord>;
/** A record before the capture stamps it: the connector says what arrived; `t` and `n` come from the session. */
export type RawRecordInput = RawRecord extends infer R ? (R extends RawRecord ? Omit<R, 't' | 'n'> : never) : never;
export type HttpFields = { url: string; status: number; body: string; error?: string };

/** Query parameters whose values are secrets: replaced before a URL is captured or logged. */
const SECRET_PARAMS = /^(?:apikey|api_key|key|token)$/i;

export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAMS.test(name)) parsed.searchParams.set(name, 'REDACTED');
  return parsed.toString();
}
