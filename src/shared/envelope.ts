/** Builds the envelope of docs/spec.md §3 around a channel payload. */
import type { Channel } from './channels';
import { stampIngestMs } from './event-time';
import { CURRENT_VERSION, type EventOf, type PayloadOf } from './schemas';
import { MADRID_TZ, NYC_TZ, toUtcIso, toZonedIso } from './time';
import { uuidv7 } from './uuid';

/**
 * Stamp `payload` as a `ch` event ingested at `nowMs` (a fractional clock's instant names the
 * millisecond it falls in), the ms attached (`ingestMs` reads it: nothing downstream parses the
 * text back). Without a correlation the event correlates with itself (it starts its own story).
 */
export function stamp<C extends Channel>(ch: C, payload: PayloadOf<C>, nowMs: number): EventOf<C> {
  const ms = Math.floor(nowMs);
  const event_id = uuidv7(ms);
  const clocks = clockStrings(ms);
  const event = {
    schema_version: CURRENT_VERSION[ch],
    ch,
    event_id,
    ts_ingest_utc: clocks.utc,
    ts_nyc: clocks.nyc,
    ts_es: clocks.es,
    ...payload,
    // after the spread: a payload's `correlation_id: undefined` must not erase the default
    correlation_id: payload.correlation_id ?? event_id,
  } as EventOf<C>;
  return stampIngestMs(event, ms);
}

/**
 * The three clock strings of an instant. The recorder stamps many events with the same
 * millisecond (every token's snapshot at each second), so the last instant's strings are reused.
 */
let lastClocks = { ms: NaN, utc: '', nyc: '', es: '' };
function clockStrings(ms: number): typeof lastClocks {
  if (ms !== lastClocks.ms) {
    lastClocks = { ms, utc: toUtcIso(ms), nyc: toZonedIso(ms, NYC_TZ), es: toZonedIso(ms, MADRID_TZ) };
  }
  return lastClocks;
}
