/** `helios serve`: record, compact and serve live and replay over HTTP + WebSocket. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error';
import type { Command } from './command';
import { DEFAULT_STATION, getStation } from '../../shared/stations';
import { isLoopbackHost } from '../../services/server/access';
import { loadSourcesConfig, SourcesConfigError } from '../../services/sources/config';
import type { LiveSourcesChoice } from '../../services/live-session';
import packageJson from '../../../package.json';

const usage = `usage: npm run -s helios -- serve --data DIR [--port 7600] [--host 127.0.0.1] [--token-file F]
                            [--config FILE | --source sim [--station KLGA]]

One process that records (the real sources of --config, or the embedded simulator with --source
sim), compacts the day it records every 10 minutes, and serves the data root to HELIOS Tape apps and other clients:

  GET /days, GET /days/<station>/<date>   the compacted days and their manifests
  GET /parquet/station=S/date=D/…         the days' Parquet files (Range requests)
  WS  /live                               the live protocol (hello, backfill, events)
  WS  /replay?station=S&date=D            a replay under the client's clock (play, seek, speed…)

  --data DIR          data root (created if missing)
  --port N            port (default 7600; 0 picks a free one)
  --host ADDR         address to listen on (default 127.0.0.1). Any address other than a loopback
                      one needs --token-file, and then refuses browsers (requests with an Origin)
  --token-file F      a file holding the token clients must send (Authorization: Bearer <token>)
  --config FILE       record the real sources of a sources config live (record --config: the
                      same file, secrets from the environment variables it names)
  --source sim        record the embedded simulator live instead
  --station ID        the simulator's station (default KLGA)

Prints "listening on http://HOST:PORT" once ready. SIGINT / SIGTERM stop it cleanly (the journal
flushed and closed, the day compacted).`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'record, compact and serve live + replay over WebSocket and HTTP',
  usage,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          data: { type: 'string' },
          port: { type: 'string', default: '7600' },
          host: { type: 'string', default: '127.0.0.1' },
          'token-file': { type: 'string' },
          source: { type: 'string' },
          config: { type: 'string' },
          station: { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      throw new CliError(`serve: ${(e as Error).message}\n\n${usage}`);
    }
    if (!values.data) throw new CliError(`serve: --data DIR is required\n\n${usage}`);
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`serve: --port must be 0–65535, got ${JSON.stringify(values.port)}`);
    if (values.source !== undefined && values.source !== 'sim') throw new CliError(`serve: --source: only "sim" is available, got ${JSON.stringify(values.source)}`);
    if (values.config !== undefined && (values.source !== undefined || values.station !== undefined)) {
      throw new CliError('serve: --config records the sources and station it configures: leave out --source and --station');
    }
    try {
      getStation(values.station ?? DEFAULT_STATION);
    } catch (e) {
      throw new CliError(`serve: ${(e as Error).message}`);
    }
    let record: LiveSourcesChoice | null = values.source === 'sim' ? { kind: 'simulator' } : null;
    if (values.config !== undefined) {
      try {
        const { secrets, ...config } = await loadSourcesConfig(values.config);
        record = { kind: 'real', config, secrets };
      } catch (e) {
        if (e instanceof SourcesConfigError) throw new CliError(`serve: ${e.message}`);
        throw e;
      }
    }
    const token = values['token-file'] === undefined ? null : await readToken(values['token-file']);
    if (token === null && !isLoopbackHost(values.host)) {
      throw new CliError(`serve: --host ${values.host} is not a loopback address: clients must authenticate, pass --token-file F`);
    }

    const { runServe } = await import('../../services/server/run-serve');
    let running;
    try {
      running = await runServe({ dataRoot: values.data, host: values.host, port, token, record, station: values.station, version: packageJson.version });
    } catch (e) {
      throw new CliError(`serve: ${(e as Error).message}`, 1);
    }
    console.log(`listening on ${running.server.url}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    console.log('stopping…');
    await running.stop();
    return 0;
  },
};

async function readToken(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`serve: cannot read --token-file ${file}: ${(e as Error).message}`);
  }
  const token = text.trim();
  if (token.length < 16) throw new CliError(`serve: the token in ${file} is too short (at least 16 characters)`);
  return token;
}
