/**
 * `npm run web -- [--port N] [--data DIR] [--no-live] [--no-demo] [--rebuild]`
 *
 * The analyst UI in any browser: builds the renderer if needed, starts the simulator recording live
 * (LIVE mode), serves the renderer plus the HeliosApi bridge on 127.0.0.1 only, and synthesizes a
 * KLGA demo day in the background when the data root has none.
 */
import { parseArgs } from 'node:util';
import { defaultDataRoot } from '../src/services/app-folders';
import { runWeb } from '../src/services/web/run-web';
import { DataFolderError } from '../src/services/data-folder';
import { readConfigSection } from '../src/services/config-file';
import { retentionPolicySchema } from '../src/services/retention/policy';
import { clickhouseConfigFromUrl, clickhouseConfigSchema } from '../src/services/clickhouse/config';

const USAGE = `usage: npm run web -- [options]

  --port N      port on 127.0.0.1 (default 5174; 0 picks a free one)
  --data DIR    data root (default: the desktop app's, ${defaultDataRoot()};
                HELIOS_DATA overrides the default)
  --no-live     do not record the simulator live (LIVE mode unavailable)
  --no-demo     do not synthesize a demo day when the data root has none
  --rebuild     rebuild the renderer even if out/renderer looks current
  --retention   delete what has outlived the retention policy once a day (see helios retention)
  --clickhouse URL  also stream what is recorded to ClickHouse (http://[user@]host:port[/database])
  --config FILE a JSON file whose "retention" and "clickhouse" sections set the policy and sink
  -h, --help    this text`;

class UsageError extends Error {}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5174' },
      data: { type: 'string' },
      'no-live': { type: 'boolean', default: false },
      'no-demo': { type: 'boolean', default: false },
      rebuild: { type: 'boolean', default: false },
      retention: { type: 'boolean', default: false },
      config: { type: 'string' },
      clickhouse: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got ${values.port}`);
  const starting = runWeb({
    port,
    dataRoot: values.data ?? defaultDataRoot(),
    live: !values['no-live'],
    demo: !values['no-demo'],
    rebuild: values.rebuild,
    retention: values.retention ? (values.config ? await readConfigSection(values.config, 'retention', retentionPolicySchema) : {}) : undefined,
    clickhouse: values.clickhouse
      ? clickhouseConfigFromUrl(values.clickhouse, values.config ? await readConfigSection(values.config, 'clickhouse', clickhouseConfigSchema) : {})
      : undefined,
  });
  // Handlers first: a signal during start-up waits for it, then stops cleanly (journal flushed).
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`helios web: ${signal}, stopping`);
    const web = await starting.catch(() => null);
    await web?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const web = await starting;
  // Tests and scripts read this line to find the server.
  if (!stopping) console.log(`HELIOS Tape is at ${web.server.url}`);
}

main().catch((e: unknown) => {
  const code = (e as { code?: string }).code;
  if (e instanceof DataFolderError) {
    console.error(`helios web: ${e.message}`);
    process.exit(2);
  }
  if (e instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`helios web: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (code === 'EADDRINUSE') {
    console.error(`helios web: port in use (${(e as Error).message}); pick another with --port`);
    process.exit(1);
  }
  console.error(e);
  process.exit(1);
});
