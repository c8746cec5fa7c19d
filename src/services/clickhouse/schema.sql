-- HELIOS Tape's ClickHouse schema (helios clickhouse ddl; generated from src/shared/columns.ts by
-- src/services/clickhouse/schema.ts, checked by test/storage/clickhouse-load.test.ts). The sink and
-- `helios clickhouse load` create it themselves, leaving out the TTL clause on servers older than 19.6.

CREATE DATABASE IF NOT EXISTS `helios`;

CREATE TABLE IF NOT EXISTS `helios`.`l2_snap_1s`
(
    `date` Date,
    `schema_version` Int32,
    `event_id` String,
    `correlation_id` String,
    `ts_ingest_utc` DateTime('UTC'),
    `ts_ingest_utc_us` Int64,
    `ts_nyc` String,
    `ts_es` String,
    `station_id` String,
    `market_id` String,
    `token_id` String,
    `window_id` Nullable(String),
    `obs_time_utc` Nullable(DateTime('UTC')),
    `obs_time_utc_us` Nullable(Int64),
    `bucket` Nullable(String),
    `seq` Int32,
    `resync_epoch_id` Int32,
    `bids.p` Array(Float64),
    `bids.s` Array(Float64),
    `asks.p` Array(Float64),
    `asks.s` Array(Float64),
    `best_bid` Nullable(Float64),
    `best_ask` Nullable(Float64),
    `mid` Nullable(Float64),
    `spread` Nullable(Float64),
    `microprice` Nullable(Float64),
    `imbalance` Nullable(Float64),
    `book_ok` UInt8
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (station_id, token_id, ts_ingest_utc_us, event_id)
TTL date + toIntervalDay(90);

CREATE TABLE IF NOT EXISTS `helios`.`tape_trades`
(
    `date` Date,
    `schema_version` Int32,
    `event_id` String,
    `correlation_id` String,
    `ts_ingest_utc` DateTime('UTC'),
    `ts_ingest_utc_us` Int64,
    `ts_nyc` String,
    `ts_es` String,
    `station_id` String,
    `market_id` String,
    `token_id` String,
    `window_id` Nullable(String),
    `obs_time_utc` Nullable(DateTime('UTC')),
    `obs_time_utc_us` Nullable(Int64),
    `p` Float64,
    `s` Float64,
    `side` Nullable(String),
    `trade_id` Nullable(String)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (station_id, token_id, ts_ingest_utc_us, event_id)
TTL date + toIntervalDay(90);

CREATE TABLE IF NOT EXISTS `helios`.`book_events`
(
    `date` Date,
    `schema_version` Int32,
    `event_id` String,
    `correlation_id` String,
    `ts_ingest_utc` DateTime('UTC'),
    `ts_ingest_utc_us` Int64,
    `ts_nyc` String,
    `ts_es` String,
    `station_id` String,
    `market_id` String,
    `token_id` String,
    `window_id` Nullable(String),
    `obs_time_utc` Nullable(DateTime('UTC')),
    `obs_time_utc_us` Nullable(Int64),
    `kind` String,
    `resync_epoch_id` Int32,
    `seq_before` Nullable(Int32),
    `seq_after` Nullable(Int32),
    `detail` String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (station_id, token_id, ts_ingest_utc_us, event_id)
TTL date + toIntervalDay(90);

CREATE TABLE IF NOT EXISTS `helios`.`metar_obs`
(
    `date` Date,
    `schema_version` Int32,
    `event_id` String,
    `correlation_id` String,
    `ts_ingest_utc` DateTime('UTC'),
    `ts_ingest_utc_us` Int64,
    `ts_nyc` String,
    `ts_es` String,
    `station_id` String,
    `market_id` Nullable(String),
    `token_id` Nullable(String),
    `window_id` Nullable(String),
    `obs_time_utc` DateTime('UTC'),
    `obs_time_utc_us` Int64,
    `report_type` String,
    `raw` String,
    `temp_c` Nullable(Float64),
    `dewpoint_c` Nullable(Float64),
    `wind_dir_deg` Nullable(Float64),
    `wind_kt` Nullable(Float64),
    `gust_kt` Nullable(Float64),
    `visibility_sm` Nullable(Float64),
    `altim_inhg` Nullable(Float64),
    `clouds.cover` Array(String),
    `clouds.base_ft` Array(Nullable(Int32)),
    `temp_c_precise` Nullable(Float64),
    `judge_aligned_temp` Nullable(Int32),
    `qc` String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (station_id, ts_ingest_utc_us, event_id)
TTL date + toIntervalDay(90);

CREATE TABLE IF NOT EXISTS `helios`.`pws_cluster`
(
    `date` Date,
    `schema_version` Int32,
    `event_id` String,
    `correlation_id` String,
    `ts_ingest_utc` DateTime('UTC'),
    `ts_ingest_utc_us` Int64,
    `ts_nyc` String,
    `ts_es` String,
    `station_id` String,
    `market_id` Nullable(String),
    `token_id` Nullable(String),
    `window_id` Nullable(String),
    `obs_time_utc` DateTime('UTC'),
    `obs_time_utc_us` Int64,
    `median` Float64,
    `mad` Float64,
    `support` Int32,
    `qc_state` String,
    `pws_ids` Array(String)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (station_id, ts_ingest_utc_us, event_id)
TTL date + toIntervalDay(90);

CREATE TABLE IF NOT EXISTS `helios`.`nowcast_1m`
(
    `date` Date,
    `schema_version` Int32,
    `event_id` String,
    `correlation_id` String,
    `ts_ingest_utc` DateTime('UTC'),
    `ts_ingest_utc_us` Int64,
    `ts_nyc` String,
    `ts_es` String,
    `station_id` String,
    `market_id` Nullable(String),
    `token_id` Nullable(String),
    `window_id` Nullable(String),
    `obs_time_utc` Nullable(DateTime('UTC')),
    `obs_time_utc_us` Nullable(Int64),
    `tmax_mean` Float64,
    `sigma` Float64,
    `p_bucket.bucket` Array(String),
    `p_bucket.p` Array(Float64),
    `t_peak_bins.bin` Array(String),
    `t_peak_bins.p` Array(Float64),
    `confidence` Float64,
    `qc_state` String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (station_id, ts_ingest_utc_us, event_id)
TTL date + toIntervalDay(90);

CREATE TABLE IF NOT EXISTS `helios`.`health`
(
    `date` Date,
    `schema_version` Int32,
    `event_id` String,
    `correlation_id` String,
    `ts_ingest_utc` DateTime('UTC'),
    `ts_ingest_utc_us` Int64,
    `ts_nyc` String,
    `ts_es` String,
    `station_id` String,
    `market_id` Nullable(String),
    `token_id` Nullable(String),
    `window_id` Nullable(String),
    `obs_time_utc` Nullable(DateTime('UTC')),
    `obs_time_utc_us` Nullable(Int64),
    `latency_ms.key` Array(String),
    `latency_ms.value` Array(Nullable(Float64)),
    `staleness_s.key` Array(String),
    `staleness_s.value` Array(Nullable(Float64)),
    `reconnects` Int32,
    `gaps` Int32,
    `resyncs` Int32,
    `queue_depth` Int32,
    `queue_bytes` Int32,
    `flush_ms_p99` Float64,
    `events_written` Int32,
    `dropped.key` Array(String),
    `dropped.value` Array(Nullable(Float64)),
    `rejected.key` Array(String),
    `rejected.value` Array(Nullable(Float64)),
    `write_errors` Int32,
    `write_error_code` Nullable(String),
    `write_error` Nullable(String),
    `sources.source` Array(String),
    `sources.state` Array(String),
    `sources.detail` Array(Nullable(String))
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (station_id, ts_ingest_utc_us, event_id)
TTL date + toIntervalDay(90);

CREATE TABLE IF NOT EXISTS `helios`.`event_windows`
(
    `date` Date,
    `schema_version` Int32,
    `event_id` String,
    `correlation_id` String,
    `ts_ingest_utc` DateTime('UTC'),
    `ts_ingest_utc_us` Int64,
    `ts_nyc` String,
    `ts_es` String,
    `station_id` String,
    `market_id` Nullable(String),
    `token_id` Nullable(String),
    `window_id` String,
    `obs_time_utc` Nullable(DateTime('UTC')),
    `obs_time_utc_us` Nullable(Int64),
    `reason` String,
    `reasons` Array(String),
    `start_ts` DateTime('UTC'),
    `start_ts_us` Int64,
    `end_ts` DateTime('UTC'),
    `end_ts_us` Int64,
    `state` String,
    `detail` String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (station_id, ts_ingest_utc_us, event_id)
TTL date + toIntervalDay(90);
