/** `helios query`: one SQL statement over every compacted day of a data root. */
import type { Command } from './command';
import { CliError } from '../cli-error';
import { parseCommandArgs } from '../command-args';
import { existingDataRoot } from '../data-root-arg';
import { QUERY_FORMATS, type QueryFormat } from '../../services/query';

const usage = `usage: npm run -s helios -- query --data DIR [--format table|csv|json|parquet] [--out FILE] "SQL"

Runs one SQL statement (DuckDB) over every compacted day under DIR/parquet. Each channel is a view
over all its days — l2_snap_1s, l2_deltas, tape_trades, book_events, metar_obs, pws_cluster,
features_1m, nowcast_1m, health, event_windows — with the columns of docs/data-format.md plus
\`station\` (VARCHAR) and \`date\` (DATE, station-local) from the folder names; a filter on them
skips whole days. Event windows that retention kept of expired days are in schema \`windows\`
(windows.l2_deltas, …).

  --data DIR        data root (required)
  --format F        table (default; the first --max-rows rows), csv (with header), json
                    (one object per line) or parquet (needs --out)
  --out FILE        write the result to FILE instead of standard output
  --max-rows N      rows the table format prints (default 1000)

Examples:
  query --data DIR "SELECT date, count(*) FROM l2_snap_1s GROUP BY date ORDER BY date"
  query --data DIR --format csv "SELECT ts_ingest_utc, temp_c, raw FROM metar_obs WHERE date >= DATE '2026-11-01'"
  query --data DIR "DESCRIBE nowcast_1m"

Exit status: 0 on success, 2 for bad arguments or a bad statement (one line saying why), 1 otherwise.`;

export const queryCommand: Command = {
  name: 'query',
  summary: 'run SQL (DuckDB) over every compacted day: a view per channel',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs('query', usage, {
      args,
      options: { data: { type: 'string' }, format: { type: 'string', default: 'table' }, out: { type: 'string' }, 'max-rows': { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    if (!values.data) throw new CliError(`query: --data DIR is required\n${usage}`);
    if (positionals.length !== 1) throw new CliError(`query: give the SQL as one argument (in quotes)\n${usage}`);
    const format = values.format as QueryFormat;
    if (!QUERY_FORMATS.includes(format)) throw new CliError(`query: --format must be one of ${QUERY_FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`);
    if (format === 'parquet' && !values.out) throw new CliError('query: --format parquet needs --out FILE');
    const maxRows = values['max-rows'] === undefined ? undefined : Number(values['max-rows']);
    if (maxRows !== undefined && !(Number.isInteger(maxRows) && maxRows > 0)) throw new CliError(`query: --max-rows must be a positive integer, got ${JSON.stringify(values['max-rows'])}`);
    const dataRoot = await existingDataRoot('query', values.data);
    // Loaded here so other commands do not pay for DuckDB's native binding at startup.
    const { runQuery, QuerySqlError } = await import('../../services/query');
    try {
      await runQuery({ dataRoot, sql: positionals[0]!, format, out: values.out, maxRows, output: process.stdout });
    } catch (e) {
      if (e instanceof QuerySqlError) throw new CliError(`query: ${e.message}`);
      throw e;
    }
    return 0;
  },
};
