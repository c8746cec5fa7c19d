/** The optional ClickHouse side (docs/spec.md §8: analytics only, never the live UI's source). */
export { clickhouseConfigSchema, clickhouseConfigFromUrl, type ClickHouseConfig, type ClickHouseConfigInput } from './config';
export { connectClickHouse, ClickHouseServerError, type ClickHouseHttp } from './http';
export { prepareServer, type ServerInfo } from './prepare';
export { CLICKHOUSE_CHANNELS, schemaSql, type ClickHouseChannel } from './schema';
export { ClickHouseSink, type ClickHouseSinkOptions, type SinkStats } from './sink';
export { loadDays, type ChannelLoad } from './load';
export { verifyDays, type ChannelDayCheck } from './verify';
