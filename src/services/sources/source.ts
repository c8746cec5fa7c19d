/**
 * The one interface every input of the recorder implements: the embedded simulator
 * (`simulator/`) and the real upstreams run by `LiveSources` (`live-sources.ts`: Polymarket,
 * METAR, PWS, the local HELIOS model ingest endpoint), or a raw capture played back (`capture/`).
 * A source delivers raw observations in upstream formats; turning them into channel events
 * (book mirror, snapshots, windows, envelope) is the recorder's job, identical for every source.
 */
import type { ClobMarketMessageWire } from './polymarket-messages';
import { SOURCE_STATES, type Features1m, type Nowcast1m, type SourceStateName } from '../../shared/schemas';

/** One personal weather station reading, °F. */
export interface PwsReading {
  pws_id: string;
  temp_f: number;
  obs_time_ms: number;
}

type ModelPayload<T> = Omit<T, 'schema_version' | 'ch' | 'event_id' | 'ts_ingest_utc' | 'ts_nyc' | 'ts_es' | 'correlation_id' | 'station_id'> & {
  correlation_id?: string;
};

export type SourceMessage =
  /** A Polymarket market-channel message exactly as received (strings and all). */
  | { kind: 'clob'; received_ms: number; message: ClobMarketMessageWire }
  /** A REST order book fetched to resync a token (GET /book), same shape minus event_type. */
  | { kind: 'clob_rest_book'; received_ms: number; book: Omit<Extract<ClobMarketMessageWire, { event_type: 'book' }>, 'event_type'> }
  /** The market feed's connection went up or down; a drop means every book may have missed updates. */
  | { kind: 'clob_connection'; received_ms: number; state: 'up' | 'down'; detail: string }
  /** A raw METAR or SPECI string as published (aviationweather.gov or the simulator). */
  | { kind: 'metar'; received_ms: number; raw: string }
  /** A batch of PWS readings around the station. */
  | { kind: 'pws'; received_ms: number; readings: PwsReading[] }
  /** HELIOS model outputs pushed through the ingest endpoint. */
  | { kind: 'features'; received_ms: number; payload: ModelPayload<Features1m> }
  | { kind: 'nowcast'; received_ms: number; payload: ModelPayload<Nowcast1m> }
  /**
   * A market (one station-local date's event) found by discovery, e.g. Polymarket Gamma's
   * `highest-temperature-in-nyc-on-…` event: its YES tokens join the operating cone and the event
   * (with its settlement rules, verbatim) is recorded. Sent again when re-discovered; a repeat that
   * changes nothing records nothing, a changed rules text is recorded again.
   */
  | { kind: 'market_listed'; received_ms: number; market: ListedMarket }
  /** The market of `market_date` is no longer followed (after its day, at local midnight): its tokens leave the cone. */
  | { kind: 'market_unlisted'; received_ms: number; market_date: string; detail: string };

/** A day's market as discovery lists it (Polymarket: a Gamma event; the simulator: its own). */
export interface ListedMarket {
  /** Station-local date the market settles on. */
  market_date: string;
  /** Venue id of the event (Gamma `id`) and its slug. */
  event_id: string;
  slug: string;
  title: string;
  /** Settlement rules as the venue states them (Gamma `description`), verbatim. */
  rules: string;
  /** Gamma `resolutionSource` (may be empty). */
  resolution_source: string;
  /** One YES token per bucket, in the venue's bucket order. */
  tokens: MarketToken[];
}

/** Input a source received but could not turn into a message: kept in quarantine with its reason. */
export interface SourceRejection {
  /** Which upstream: 'clob', 'gamma', 'metar', 'pws', 'ingest', 'capture', … */
  source: string;
  received_ms: number;
  reason: string;
  /** What arrived (a frame's text, a parsed body); large inputs may be truncated by the sink. */
  input: unknown;
}

export { SOURCE_STATES };
export type SourceState = SourceStateName;

/** Connection state of one upstream, for `health` and the LIVE badge. */
export interface SourceStatus {
  source: string;
  state: SourceState;
  /** Why (last error, backoff, "no frame for 30 s", …); null when there is nothing to say. */
  detail: string | null;
  at_ms: number;
}

export interface SourceSink {
  push(message: SourceMessage): void;
  /** A frame or response that could not be understood: never dropped silently. */
  reject(rejection: SourceRejection): void;
  /** An upstream's connection state changed. */
  status(status: SourceStatus): void;
}

/** Markets a source covers: one bucket token per temperature range of the day's market. */
export interface MarketToken {
  token_id: string;
  market_id: string;
  /** Bucket label as the market shows it, e.g. "34-35°F". */
  bucket: string;
  /** Station-local date of the market the token settles on (YYYY-MM-DD), when known. */
  market_date?: string;
}

/** What a source records: its id, the station, and the operating cone it starts with. */
export interface SourceScope {
  id: string;
  station_id: string;
  /** The cone known at start; sources that discover markets add them with `market_listed`. */
  tokens: MarketToken[];
}

export interface Source {
  readonly info: SourceScope;
  /** Begin delivering to `sink`; resolves once running. Messages carry their own receive time. */
  start(sink: SourceSink): Promise<void>;
  /** Stop delivering; resolves when no further `push` will happen. */
  stop(): Promise<void>;
  /** Ask for a full book of `token_id` (answered as a `clob_rest_book` message). */
  requestBook?(token_id: string): void;
}
