/**
 * The one interface every input of the recorder implements: the embedded simulator today;
 * Polymarket CLOB WebSocket, METAR polling and the local HELIOS model ingest endpoint next.
 * A source delivers raw observations in upstream formats; turning them into channel events
 * (book mirror, snapshots, windows, envelope) is the recorder's job, identical for every source.
 */
import type { ClobMarketMessageWire } from './polymarket-messages';
import type { Features1m, Nowcast1m } from '../../shared/schemas';

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
  | { kind: 'nowcast'; received_ms: number; payload: ModelPayload<Nowcast1m> };

export interface SourceSink {
  push(message: SourceMessage): void;
}

/** Markets a source covers: one bucket token per temperature range of the day's market. */
export interface MarketToken {
  token_id: string;
  market_id: string;
  /** Bucket label as the market shows it, e.g. "34-35°F". */
  bucket: string;
}

export interface SourceInfo {
  id: string;
  station_id: string;
  tokens: MarketToken[];
}

export interface Source {
  readonly info: SourceInfo;
  /** Begin delivering to `sink`; resolves once running. Messages carry their own receive time. */
  start(sink: SourceSink): Promise<void>;
  /** Stop delivering; resolves when no further `push` will happen. */
  stop(): Promise<void>;
  /** Ask for a full book of `token_id` (answered as a `clob_rest_book` message). */
  requestBook?(token_id: string): void;
}
