/**
 * The UI's backends wired to the real engine: the browser replay (parquet-wasm row-group cache for
 * events and the charts' whole-day series, DuckDB-WASM for SQL; src/renderer/src/replay) driving a
 * ReplayPlayer, LivePlayer over HeliosApi.subscribeLive, and the snapshot format of
 * src/shared/snapshot.ts (exports built by src/shared/players/export.ts, reopened by SnapshotPlayer).
 */
import type { Table } from 'apache-arrow';
import type { HeliosApi } from '../../../shared/api';
import { exportFromLive } from '../../../shared/players/export';
import { LivePlayer } from '../../../shared/players/live-player';
import { SnapshotPlayer } from '../../../shared/players/snapshot-player';
import { loadSnapshot } from '../../../shared/snapshot';
import { openReplayDay, type ReplayDay } from '../replay/open-day';
import { tableRows, tableToCsv, tableToParquet } from '../replay/table-files';
import type { Backends, OpenedDay, QueryResult } from './backends';

const GENERATOR = 'HELIOS Tape analyst UI';

export function createBackends(): Backends {
  const replayDays = new WeakMap<OpenedDay, ReplayDay>();
  let live: LivePlayer | null = null;

  return {
    async openDay(api, day, onProgress, options = {}) {
      const replay = await openReplayDay(api, day, { onProgress, player: { startMs: options.startMs } });
      const opened: OpenedDay = {
        manifest: replay.manifest,
        player: replay.player,
        async query(sql, queryOptions = {}) {
          const table = await replay.query(sql, {
            days: queryOptions.days,
            onTableLoad: (d, p) => queryOptions.onProgress?.(`loading ${p.ch} of ${d.station_id} ${d.date}`, p.totalRows ? p.loadedRows / p.totalRows : null),
          });
          return queryResult(table);
        },
        exampleQuery: replay.exampleQuery,
        tablesHelp: replay.tablesHelp,
        async adjacentEvent(channel, fromMs, direction, tokenId) {
          const channels = channel === 'any' ? replay.source.channels : [channel];
          const times = await Promise.all(channels.map((ch) => replay.source.adjacentEventTime(ch, fromMs, direction, tokenId)));
          const found = times.filter((t): t is number => t !== null);
          if (found.length === 0) return null;
          return direction === 1 ? Math.min(...found) : Math.max(...found);
        },
        loadHistory: async (onProgress) => {
          const t0 = performance.now();
          const report = (fraction: number, done: boolean) => onProgress({ fraction, chartsReady: done, done, error: null, elapsedMs: performance.now() - t0 });
          report(0, false);
          const charts = await replay.history.charts((rows, total) => report(total ? rows / total : 1, false));
          report(1, true);
          return charts;
        },
        prepareQueries: () => void replay.history.load().catch(() => {}), // a failure reaches the console's query
        eventsByCorrelation: (id) => replay.source.eventsByCorrelation(id),
        exportRange: async (fromMs, toMs, onProgress) => (await replay.exportRange(fromMs, toMs, (done, total) => onProgress(total ? done / total : 1))).files,
        onDamage: (listener) => replay.onDamage(listener),
        close: () => replay.close(),
      };
      replayDays.set(opened, replay);
      return opened;
    },

    openLive(api: HeliosApi) {
      live = new LivePlayer((groups, listener) => api.subscribeLive(groups, listener));
      return live;
    },

    async buildSnapshot({ at_ms, correlation_id, state, onProgress }, day) {
      const request = { at_ms, correlation_id, state, generator: GENERATOR, onProgress: (done: number, total: number) => onProgress?.(total ? done / total : 1) };
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

    liveEventsByCorrelation: (id) => live?.eventsWithCorrelation(id) ?? [],
  };
}

function queryResult(table: Table): QueryResult {
  return {
    columns: table.schema.fields.map((f) => f.name),
    rowCount: table.numRows,
    rows: (from, to) => tableRows(table, from, to),
    file: async (format) => (format === 'csv' ? tableToCsv(table) : tableToParquet(table)),
  };
}
