/** Builds the envelope of SPEC §3 around a channel payload. */
import type { Channel } from './channels';
import { CURRENT_VERSION, type EventOf, type PayloadOf, type AnyEvent } from './schemas';
import { MADRID_TZ, NYC_TZ, toUtcIso, toZonedIso } from './time';
import { uuidv7 } from './uuid';

/**
 * Stamp `payload` as a `ch` event ingested at `nowMs`. Without a correlation the event correlates
 * with itself (it starts its own story).
 */
export function stampEvent<C extends Channel>(ch: C, payload: PayloadOf<C>, nowMs: number): EventOf<C> {
  const event_id = uuidv7(nowMs);
  return {
    schema_version: CURRENT_VERSION[ch],
    ch,
    event_id,
    correlation_id: payload.correlation_id ?? event_id,
    ts_ingest_utc: toUtcIso(nowMs),
    ts_nyc: toZonedIso(nowMs, NYC_TZ),
    ts_es: toZonedIso(nowMs, MADRID_TZ),
    ...payload,
  } as EventOf<C>;
}

/** Ingest time of an event in epoch ms (the replay clock's axis). */
export function eventTimeMs(event: Pick<AnyEvent, 'ts_ingest_utc'>): number {
  return Date.parse(event.ts_ingest_utc);
}
