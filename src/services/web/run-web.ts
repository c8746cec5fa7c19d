/**
 * Everything `npm run web` runs, as a function (scripts/web.ts parses the command line; the
 * screenshot script calls it directly): the renderer built, the live simulator recording, the
 * bridge serving, and optionally a demo day synthesized in the background.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSwitch, localDataAccess } from '../data-access';
import { useDataFolder } from '../data-folder';
import { DataRoot } from '../data-root';
import { ensureDemoData } from '../demo';
import { startLiveSession, type LiveSession } from '../live-session';
import { plainFileCodec, SourcesStore } from '../sources/sources-store';
import type { RetentionPolicyInput } from '../retention';
import type { ClickHouseConfigInput } from '../clickhouse';
import { userDataDir } from '../app-folders';
import { createBridgeApi } from './bridge-api';
import { ensureRendererBuilt, REPO_ROOT, RENDERER_OUT } from './renderer-build';
import { startWebServer, type WebServer } from './server';

export interface RunWebOptions {
  port: number;
  dataRoot: string;
  live: boolean;
  /** Synthesize a demo day in the background when the root has none. */
  demo: boolean;
  rebuild?: boolean;
  /** Run retention daily in the live session with this policy. */
  retention?: RetentionPolicyInput;
  /** Stream what is recorded to ClickHouse. */
  clickhouse?: ClickHouseConfigInput;
  /** Serve this folder instead of the built renderer (no build step; tests of the bridge itself). */
  staticDir?: string;
  log?: (message: string) => void;
  /** Where the Sources dialog's choice and keys are kept; default `<appData>/HELIOS Tape`. */
  sourcesDir?: string;
}

export interface RunningWeb {
  server: WebServer;
  live: LiveSession | null;
  /** Settles when the background demo synthesis is done (immediately when not asked for). */
  demoDone: Promise<void>;
  stop(): Promise<void>;
}

export async function runWeb(options: RunWebOptions): Promise<RunningWeb> {
  const log = options.log ?? ((m: string) => console.log(`helios web: ${m}`));
  // Recording live or synthesizing a demo day writes: only then may the folder be created.
  const folder = await useDataFolder(options.dataRoot, { create: options.live || options.demo });
  const root = folder.root;
  if (folder.created) log(`created the data folder ${root}`);
  const dataRoot = new DataRoot(root);
  const version = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  if (!options.staticDir) log(await ensureRendererBuilt({ force: options.rebuild }));
  log(`data root ${root}`);

  const sources = new SourcesStore(options.sourcesDir ?? userDataDir(), plainFileCodec);
  await sources.load().catch((e: unknown) => log(`sources: ${(e as Error).message}; recording the simulator`));
  let live: LiveSession | null = null;
  if (options.live) {
    try {
      live = await startLiveSession(
        { data_root: root, demo: false, sources: sources.liveChoice(), version, retention: options.retention, clickhouse: options.clickhouse },
        (level, message) => log(`live ${level}: ${message}`),
      );
      log(`recording ${live.sources().kind === 'real' ? 'the real sources' : 'the simulator'} live for ${live.station_id}`);
    } catch (e) {
      log(`live mode unavailable: ${(e as Error).message}`);
    }
  }

  const recording = live;
  const data = new DataSwitch(() => localDataAccess(dataRoot, recording && { station_id: recording.station_id, feed: recording.feed }));
  const api = createBridgeApi({
    dataRoot,
    data,
    version,
    sources: {
      view: () => sources.view(live?.sources() ?? null),
      async set(choice) {
        await sources.save(choice);
        if (!live) throw new Error('live recording is off in this bridge (--no-live)');
        // The switch runs on: the dialog follows it in the view (and sees an error there).
        void live.switchSources(sources.liveChoice()).catch((e: unknown) => log(`sources: ${(e as Error).message}`));
        return sources.view(live.sources());
      },
    },
  });
  const server = await startWebServer({ api, staticDir: options.staticDir ?? RENDERER_OUT, port: options.port, liveFeed: () => data.current().live });

  // A first run synthesizes a demo day in the background (minutes for a whole day); the page is
  // usable meanwhile (LIVE) and its day picker lists the day once it is compacted.
  const demoDone = options.demo
    ? ensureDemoData(dataRoot, { onProgress: (m) => log(`demo: ${m}`) }).then(
        (demo) =>
          log(
            demo.created
              ? `demo day ${demo.station_id} ${demo.date} ready (${demo.events_written} events, ${(demo.elapsed_ms / 1000).toFixed(0)} s)`
              : `days found; newest ${demo.station_id} ${demo.date}`,
          ),
        (e: unknown) => log(`demo day failed: ${(e as Error).message}`),
      )
    : Promise.resolve();

  return {
    server,
    live,
    demoDone,
    stop: async () => {
      await server.close();
      await data.use(null);
      await live?.stop();
    },
  };
}
