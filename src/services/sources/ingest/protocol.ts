/**
 * What HELIOS pushes to the local ingest endpoint, the pure half. One JSON object per WebSocket
 * text message, in the channel protocol: `ch` names the channel and the rest is that channel's
 * payload — the event minus what the recorder stamps itself (schema_version, event_id, the ts_*
 * stamps, station_id, window_id); `correlation_id` may be given. An optional `id` (string or
 * number) is echoed in the answer:
 *
 *   → {"id":"42","ch":"nowcast_1m","tmax_mean":37.1,"sigma":1.2,"p_bucket":[{"bucket":"36-37°F","p":0.4},…],…}
 *   ← {"type":"ack","id":"42"}                                        recorded
 *   ← {"type":"error","id":"42","field":"p_bucket","message":"…"}     rejected (and quarantined)
 *
 * Accepted: `features_1m`, `nowcast_1m` — validated with the recorder's own payload schemas.
 */
import type { z } from 'zod';
import { describeZodError } from '../../../shared/registry';
import { featuresPayload, nowcastPayload } from '../../recorder/input-schemas';
import type { SourceMessage } from '../source';

export const INGEST_CHANNELS = ['features_1m', 'nowcast_1m'] as const;

export type IngestReply =
  | { type: 'ack'; id: string | number | null }
  | { type: 'error'; id: string | number | null; field: string | null; message: string };

export type IngestResult =
  | { ok: true; message: Extract<SourceMessage, { kind: 'features' | 'nowcast' }>; reply: IngestReply }
  | { ok: false; reason: string; reply: IngestReply };

function fail(id: string | number | null, field: string | null, message: string, reason = field ? `${field}: ${message}` : message): IngestResult {
  return { ok: false, reason, reply: { type: 'error', id, field, message } };
}

export function parseIngestMessage(text: string, received_ms: number): IngestResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(null, null, `not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(null, null, 'expected a JSON object');
  const { id: rawId, ch, ...payload } = value as Record<string, unknown>;
  const id = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null;
  if (rawId !== undefined && id === null) return fail(null, 'id', 'expected a string or a number');
  if (ch !== 'features_1m' && ch !== 'nowcast_1m') {
    return fail(id, 'ch', `expected one of ${INGEST_CHANNELS.join(', ')}, got ${JSON.stringify(ch) ?? 'nothing'}`);
  }
  const reply: IngestReply = { type: 'ack', id };
  if (ch === 'features_1m') {
    const parsed = featuresPayload.safeParse(payload);
    if (!parsed.success) return invalid(id, parsed.error);
    return { ok: true, message: { kind: 'features', received_ms, payload: parsed.data }, reply };
  }
  const parsed = nowcastPayload.safeParse(payload);
  if (!parsed.success) return invalid(id, parsed.error);
  return { ok: true, message: { kind: 'nowcast', received_ms, payload: parsed.data }, reply };
}

/** The first issue names the field; the reason lists them all. */
function invalid(id: string | number | null, error: z.ZodError): IngestResult {
  const path = error.issues[0]?.path ?? [];
  const reason = describeZodError(error); // names every field already
  return fail(id, path.length > 0 ? path.join('.') : null, reason, reason);
}
