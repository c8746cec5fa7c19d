/** Queries across every compacted day of a data root (DuckDB native over the Parquet tree). */
export { openQueryDatabase, channelViewSql, type QueryDatabase } from './database';
export { runQuery, QuerySqlError, QUERY_FORMATS, type QueryFormat, type RunQueryOptions, type QueryRunResult } from './run-query';
