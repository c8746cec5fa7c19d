/**
 * Where the app's data comes from, behind one interface: the local data root, or a `helios serve`
 * server the user connected to (`server/remote-data.ts`). Electron main and the browser bridge hold
 * one of them and answer the renderer's HeliosApi data calls from it; the renderer never knows.
 */
import type { DaySummary } from '../shared/api';
import type { Channel } from '../shared/channels';
import type { Manifest } from '../shared/manifest';
import { assertRealPathInside } from './api-data';
import type { DataRoot, DayRef } from './data-root';
import type { LiveFeed } from './live-feed';

export interface ParquetRead extends DayRef {
  ch: Channel;
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
  /** The live stream, when this source has one. */
  readonly live: LiveFeed | null;
  close(): Promise<void>;
}

/** The local data root. No path can leave it, not even through a symlink inside it. */
export function localDataAccess(dataRoot: DataRoot, live: LiveFeed | null = null): DataAccess {
  return {
    location: { kind: 'local', label: dataRoot.root },
    listDays: () => dataRoot.listDays(),
    async readManifest(day) {
      await assertRealPathInside(dataRoot, dataRoot.manifestFile(day), `no compacted day ${day.station_id} ${day.date}`);
      return dataRoot.readManifest(day);
    },
    async readParquet({ ch, offset, length, ...day }) {
      await assertRealPathInside(dataRoot, dataRoot.parquetFile(day, ch), `no ${ch} data for ${day.station_id} ${day.date}`);
      return dataRoot.readParquet(day, ch, { offset, length });
    },
    live,
    close: async () => {},
  };
}
