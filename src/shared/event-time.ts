/**
 * An event's ingest time as a number, made once where the event is made or enters — the recorder
 * stamps it with the ms it was ingested at (`stamp` in envelope.ts), a replay with the Arrow row's
 * epoch µs, and a live, remote or snapshot event arriving as JSON is parsed once — and read from
 * then on by the journal writer, the ring buffers, the players, the reducer and the panels, which
 * compare and subtract numbers instead of parsing the ISO text again. The wire and journal shapes don't
 * change: the number rides on a non-enumerable symbol property that JSON, object spreads and
 * structured clones leave out (such a copy is parsed once more, the first time it is asked).
 */
import type { AnyEvent } from './schemas';

const INGEST_MS = Symbol('ingest_ms');

type Stampable = Pick<AnyEvent, 'ts_ingest_utc'> & { [INGEST_MS]?: number };

/** Epoch ms of `ts_ingest_utc` as `Date.parse` gives it (sub-ms digits dropped). */
export function ingestMs(event: Pick<AnyEvent, 'ts_ingest_utc'>): number {
  const held = (event as Stampable)[INGEST_MS];
  if (held !== undefined) return held;
  const ms = Date.parse(event.ts_ingest_utc);
  if (Object.isExtensible(event)) stampIngestMs(event, ms);
  return ms;
}

/** Attach the event's ingest time (`ms` when the caller has it as a number already). */
export function stampIngestMs<E extends Pick<AnyEvent, 'ts_ingest_utc'>>(event: E, ms: number = Date.parse(event.ts_ingest_utc)): E {
  Object.defineProperty(event, INGEST_MS, { value: ms, configurable: true });
  return event;
}
