/**
 * The typed Parquet layout of every channel (docs/spec.md §4): one column per event field, in this order.
 * The compactor derives its DuckDB column types from this table and the replay converts Arrow rows
 * back into events with it, so the two can never disagree. A test checks it covers every schema key.
 */
import type { Channel } from './channels';

export type ColumnType =
  | 'string'
  | 'timestamp' // ISO-8601 UTC in events; TIMESTAMPTZ (µs, UTC) in Parquet
  | 'int' // INTEGER
  | 'double'
  | 'bool'
  | 'levels' // [{p,s}] → LIST<STRUCT<p DOUBLE, s DOUBLE>>
  | 'bucket_probs' // [{bucket,p}] → LIST<STRUCT<bucket VARCHAR, p DOUBLE>>
  | 'bin_probs' // [{bin,p}] → LIST<STRUCT<bin VARCHAR, p DOUBLE>>
  | 'clouds' // [{cover,base_ft}] → LIST<STRUCT<cover VARCHAR, base_ft INTEGER>>
  | 'number_map' // {key: number|null} → MAP(VARCHAR, DOUBLE)
  | 'string_list' // string[] → LIST<VARCHAR>
  | 'market_tokens' // [{token_id,market_id,bucket}] → LIST<STRUCT<token_id VARCHAR, market_id VARCHAR, bucket VARCHAR>>
  | 'source_states' // [{source,state,detail}] → LIST<STRUCT<source VARCHAR, state VARCHAR, detail VARCHAR>>
  | 'enum_list'; // string[] of an enum → LIST<VARCHAR>

export interface Column {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

const c = (name: string, type: ColumnType, nullable = false): Column => ({ name, type, nullable });

const ENVELOPE: Column[] = [
  c('schema_version', 'int'),
  c('ch', 'string'),
  c('event_id', 'string'),
  c('correlation_id', 'string'),
  c('ts_ingest_utc', 'timestamp'),
  c('ts_nyc', 'string'),
  c('ts_es', 'string'),
  c('station_id', 'string'),
  c('market_id', 'string', true),
  c('token_id', 'string', true),
  c('window_id', 'string', true),
  c('obs_time_utc', 'timestamp', true),
];

function withEnvelope(columns: Column[]): Column[] {
  const own = new Map(columns.map((col) => [col.name, col]));
  // A channel may tighten an envelope column (e.g. token_id required); it keeps its position.
  const envelope = ENVELOPE.map((col) => own.get(col.name) ?? col);
  return [...envelope, ...columns.filter((col) => !ENVELOPE.some((e) => e.name === col.name))];
}

export const CHANNEL_COLUMNS: Record<Channel, Column[]> = {
  l2_snap_1s: withEnvelope([
    c('market_id', 'string'),
    c('token_id', 'string'),
    c('bucket', 'string', true),
    c('seq', 'int'),
    c('resync_epoch_id', 'int'),
    c('bids', 'levels'),
    c('asks', 'levels'),
    c('best_bid', 'double', true),
    c('best_ask', 'double', true),
    c('mid', 'double', true),
    c('spread', 'double', true),
    c('microprice', 'double', true),
    c('imbalance', 'double', true),
    c('book_ok', 'bool'),
  ]),
  l2_deltas: withEnvelope([
    c('market_id', 'string'),
    c('token_id', 'string'),
    c('seq', 'int'),
    c('side', 'string'),
    c('p', 'double'),
    c('s', 'double'),
    c('hash', 'string', true),
  ]),
  tape_trades: withEnvelope([
    c('market_id', 'string'),
    c('token_id', 'string'),
    c('p', 'double'),
    c('s', 'double'),
    c('side', 'string', true),
    c('trade_id', 'string', true),
  ]),
  book_events: withEnvelope([
    c('market_id', 'string'),
    c('token_id', 'string'),
    c('kind', 'string'),
    c('resync_epoch_id', 'int'),
    c('seq_before', 'int', true),
    c('seq_after', 'int', true),
    c('detail', 'string'),
  ]),
  metar_obs: withEnvelope([
    c('obs_time_utc', 'timestamp'),
    c('report_type', 'string'),
    c('raw', 'string'),
    c('temp_c', 'double', true),
    c('dewpoint_c', 'double', true),
    c('wind_dir_deg', 'double', true),
    c('wind_kt', 'double', true),
    c('gust_kt', 'double', true),
    c('visibility_sm', 'double', true),
    c('altim_inhg', 'double', true),
    c('clouds', 'clouds'),
    c('temp_c_precise', 'double', true),
    c('judge_aligned_temp', 'int', true),
    c('qc', 'string'),
  ]),
  pws_cluster: withEnvelope([
    c('obs_time_utc', 'timestamp'),
    c('median', 'double'),
    c('mad', 'double'),
    c('support', 'int'),
    c('qc_state', 'string'),
    c('pws_ids', 'string_list', true),
  ]),
  features_1m: withEnvelope([
    c('model_run', 'string', true),
    c('features', 'number_map'),
    c('staleness_s', 'number_map'),
  ]),
  nowcast_1m: withEnvelope([
    c('tmax_mean', 'double'),
    c('sigma', 'double'),
    c('p_bucket', 'bucket_probs'),
    c('t_peak_bins', 'bin_probs'),
    c('confidence', 'double'),
    c('qc_state', 'string'),
  ]),
  health: withEnvelope([
    c('latency_ms', 'number_map'),
    c('staleness_s', 'number_map'),
    c('reconnects', 'int'),
    c('gaps', 'int'),
    c('resyncs', 'int'),
    c('queue_depth', 'int'),
    c('queue_bytes', 'int'),
    c('flush_ms_p99', 'double'),
    c('events_written', 'int'),
    c('dropped', 'number_map'),
    c('rejected', 'number_map'),
    c('write_errors', 'int'),
    c('write_error_code', 'string', true),
    c('write_error', 'string', true),
    c('sources', 'source_states', true),
  ]),
  event_windows: withEnvelope([
    c('window_id', 'string'),
    c('reason', 'string'),
    c('reasons', 'enum_list'),
    c('start_ts', 'timestamp'),
    c('end_ts', 'timestamp'),
    c('state', 'string'),
    c('detail', 'string'),
  ]),
  markets: withEnvelope([
    c('kind', 'string'),
    c('market_date', 'string'),
    c('venue_event_id', 'string', true),
    c('slug', 'string', true),
    c('title', 'string', true),
    c('rules', 'string', true),
    c('resolution_source', 'string', true),
    c('tokens', 'market_tokens'),
    c('winning_asset_id', 'string', true),
    c('winning_outcome', 'string', true),
    c('bucket', 'string', true),
    c('detail', 'string'),
  ]),
};
