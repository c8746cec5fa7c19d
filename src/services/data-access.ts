/**
 * Where the app's data comes from, behind one interface: the local data root, or a `helios serve`
 * server the user connected to (`server/remote-data.ts`). Electron main and the browser bridge hold
 * one of them and answer the renderer's HeliosApi data calls from it; the renderer never knows.
 */
import type { DayRef, DaySummary } from '../shared/api';
import type { Channel } from '../shared/channels';
import type { Manifest } from '../shared/manifest';
import { readDayManifest } from './api-data';
import type { DataRoot } from './data-root';
import { exists } from './files';
import type { LiveFeed } from './live-feed';

export interface ParquetRead extends DayRef {
  ch: Channel;
  /** The channel's part file (default 0). */
  part?: number;
  /** The manifest's generation the reader opened: a day compacted again since then is refused. */
  generation?: number;
  /** Byte range of the file; the whole file when both are absent. */
  offset?: number;
  length?: number;
}

export interface DataAccess {
  /** Where the data comes from, for the status bar: a folder, or a server's URL. */
  readonly location: { kind: 'local' | 'server'; label: string };
  listDays(): Promise<DaySummary[]>;
  readManifest(day: DayRef): Promise<Manifest>;
  readParquet(read: ParquetRead): Promise<Uint8Array>;
  /** The live stream, when this source has one, and the station it records. */
  readonly live: LiveFeed | null;
  readonly liveStationId: string | null;
  close(): Promise<void>;
}

/** The local data root. No read can leave it, not even through a symlink inside it (DataRoot checks the opened file). */
export function localDataAccess(dataRoot: DataRoot, live: { station_id: string; feed: LiveFeed } | null = null): DataAccess {
  return {
    location: { kind: 'local', label: dataRoot.root },
    async listDays() {
      const days = await dataRoot.listDays();
      return Promise.all(days.map(async (d) => ({ ...d, journal: await exists(dataRoot.journalDir(d)) })));
    },
    readManifest: (day) => readDayManifest(dataRoot, day),
    readParquet: ({ station_id, date, ch, part, generation, offset, length }) =>
      dataRoot.readParquet({ station_id, date }, ch, { part, generation, offset, length }),
    live: live?.feed ?? null,
    liveStationId: live?.station_id ?? null,
    close: async () => {},
  };
}

/**
 * What a shell (Electron main, the browser bridge) serves its renderer from: the local data root,
 * or the server the user connected to. Switching closes the previous server's connections.
 */
export class DataSwitch {
  private remote: DataAccess | null = null;

  constructor(private readonly local: () => DataAccess) {}

  current(): DataAccess {
    return this.remote ?? this.local();
  }

  /** `local`, for an operation that works on the local data folder only; refused while a server is connected. */
  requireLocal<T>(local: T, operation: string): T {
    if (this.remote) {
      throw new Error(`${operation} works on the local data folder, and the data now comes from ${this.remote.location.label} (File ▸ Connect to Server… ▸ Use local data)`);
    }
    return local;
  }

  /** Use `remote` from now on (null: back to the local data root). */
  async use(remote: DataAccess | null): Promise<void> {
    const previous = this.remote;
    this.remote = remote;
    await previous?.close();
  }
}
