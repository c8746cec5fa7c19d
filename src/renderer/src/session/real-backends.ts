/**
 * The UI's backends wired to the real engine: the browser replay (DuckDB-WASM + parquet-wasm,
 * src/renderer/src/replay) driving a ReplayPlayer, LivePlayer over HeliosApi.subscribeLive, and the
 * snapshot format of src/shared/snapshot.ts (exports built by src/shared/players/export.ts).
 */
import type { HeliosApi } from '../../../shared/api';
import type { Channel } from '../../../shared/channels';
import { exportFromLive } from '../../../shared/players/export';
import { LivePlayer } from '../../../shared/players/live-player';
import { loadSnapshot } from '../../../shared/snapshot';
import { openReplayDay, type ReplayDay } from '../replay/open-day';
import type { Backends, OpenedDay } from './backends';
import { SnapshotPlayer } from './snapshot-player';

const GENERATOR = 'HELIOS Tape analyst UI';
const CHART_CHANNELS = new Set<Channel>(['l2_snap_1s', 'tape_trades', 'nowcast_1m', 'metar_obs']);

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
        steps: {
          stepSeconds: (direction, seconds) => replay.player.stepSeconds(direction, seconds),
          jump: (kind, direction) => replay.player.jump(kind, direction),
        },
        // Through the EventSource contract (every channel of the range), keeping what charts draw.
        loadHistory: async (t0, t1) => (await replay.source.fetchEvents(t0, t1)).filter((e) => CHART_CHANNELS.has(e.ch)),
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
      return { player: new SnapshotPlayer(file), station_id: file.station_id, at_ms, correlation_id: file.correlation_id, events: file.events };
    },
  };
}
