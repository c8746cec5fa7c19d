/**
 * The UI's backends wired to the real engine: the browser replay (parquet-wasm row-group cache for
 * events, DuckDB-WASM for the whole-day history and SQL; src/renderer/src/replay) driving a
 * ReplayPlayer, LivePlayer over HeliosApi.subscribeLive, and the snapshot format of
 * src/shared/snapshot.ts (exports built by src/shared/players/export.ts, reopened by SnapshotPlayer).
 */
import type { HeliosApi } from '../../../shared/api';
import { exportFromLive } from '../../../shared/players/export';
import { LivePlayer } from '../../../shared/players/live-player';
import { SnapshotPlayer } from '../../../shared/players/snapshot-player';
import { loadSnapshot } from '../../../shared/snapshot';
import { openReplayDay, type ReplayDay } from '../replay/open-day';
import type { Backends, OpenedDay } from './backends';

const GENERATOR = 'HELIOS Tape analyst UI';

export function createBackends(): Backends {
  const replayDays = new WeakMap<OpenedDay, ReplayDay>();
  let live: LivePlayer | null = null;

  return {
    async openDay(api, day, onProgress) {
      const replay = await openReplayDay(api, day, { onProgress });
      const opened: OpenedDay = {
        manifest: replay.manifest,
        player: replay.player,
        query: (sql) => replay.query(sql),
        exampleQuery: replay.exampleQuery,
        tablesHelp: replay.tablesHelp,
        steps: {
          stepSeconds: (direction, seconds) => replay.player.stepSeconds(direction, seconds),
          jump: (kind, direction) => replay.player.jump(kind, direction),
        },
        loadHistory: (onProgress) => {
          const { history } = replay;
          const unsubscribe = history.subscribe((p) => {
            onProgress({ fraction: p.totalRows ? p.loadedRows / p.totalRows : 1, chartsReady: p.chartsReady, done: p.done, error: p.error, elapsedMs: p.elapsedMs });
            if (p.done || p.error) queueMicrotask(unsubscribe);
          });
          history.load().catch(() => {}); // a failure reaches the caller through charts()
          return history.charts();
        },
        close: () => replay.close(),
      };
      replayDays.set(opened, replay);
      return opened;
    },

    openLive(api: HeliosApi) {
      live = new LivePlayer((groups, listener) => api.subscribeLive(groups, listener));
      return live;
    },

    async buildSnapshot({ at_ms, correlation_id, state }, day) {
      const request = { at_ms, correlation_id, state, generator: GENERATOR };
      const replay = day ? replayDays.get(day) : undefined;
      if (replay) return replay.exportSnapshot(request);
      const stationId = state.last_event?.station_id;
      if (!live || !stationId) throw new Error('nothing to export: no live event received yet');
      return exportFromLive(live, stationId, request);
    },

    openSnapshot(contents) {
      const loaded = loadSnapshot(contents);
      if (!loaded.ok) throw new Error(loaded.reason);
      const { file, at_ms } = loaded.snapshot;
      return { player: new SnapshotPlayer(loaded.snapshot), station_id: file.station_id, at_ms, correlation_id: file.correlation_id, events: file.events };
    },
  };
}
