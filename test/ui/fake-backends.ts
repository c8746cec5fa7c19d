/** Backends over FakePlayer and a synthetic day, for controller tests. */
import type { HeliosApi } from '../../src/shared/api';
import type { Manifest } from '../../src/shared/manifest';
import { markersFromEvents, mergeMarkers } from '../../src/renderer/src/store/markers';
import type { Backends, OpenedDay } from '../../src/renderer/src/session/backends';
import { FakePlayer } from './fake-player';
import type { SyntheticDay } from './synthetic-day';

export function manifestOf(day: SyntheticDay): Manifest {
  return {
    manifest_version: 1,
    station_id: 'KLGA',
    date: '2026-01-29',
    time_zone: 'America/New_York',
    day_start_utc: '2026-01-29T05:00:00.000Z',
    day_end_utc: '2026-01-30T05:00:00.000Z',
    generated_at: '2026-01-30T06:00:00.000Z',
    totals: { lines_read: day.events.length, events_written: day.events.length, duplicates_dropped: 0, quarantined: 0, upgraded: 0 },
    tokens: [],
    channels: {},
    markers: [...mergeMarkers([], markersFromEvents(day.events))],
  };
}

export function fakeBackends(day: SyntheticDay) {
  const opened: { player: FakePlayer; closed: boolean }[] = [];
  const snapshots: { correlation_id: string; at_ms: number }[] = [];
  const backends: Backends = {
    async openDay(_api, _day, onProgress) {
      onProgress({ label: 'loading', fraction: 0.5 });
      const player = new FakePlayer(day.events, day);
      const entry = { player, closed: false };
      opened.push(entry);
      const result: OpenedDay = {
        manifest: manifestOf(day),
        player,
        exampleQuery: 'SELECT 1',
        query: async (sql) => ({ columns: ['sql'], rows: [[sql]] }),
        close: () => {
          entry.closed = true;
          player.close();
        },
      };
      return result;
    },
    openLive: () => new FakePlayer([], day, 'live'),
    async buildSnapshot(request) {
      snapshots.push({ correlation_id: request.correlation_id, at_ms: request.at_ms });
      return { name: `snapshot-${request.correlation_id}.json`, contents: JSON.stringify({ correlation_id: request.correlation_id }) };
    },
    openSnapshot(contents) {
      const parsed = JSON.parse(contents) as { correlation_id: string };
      return { player: new FakePlayer(day.events.slice(0, 10), day), station_id: 'KLGA', at_ms: day.start_ms, correlation_id: parsed.correlation_id, events: [] };
    },
  };
  return { backends, opened, snapshots };
}

export function fakeApi(): HeliosApi & { saved: { suggested_name: string; contents: string }[] } {
  const saved: { suggested_name: string; contents: string }[] = [];
  return {
    saved,
    getInfo: async () => ({ version: 'test', shell: 'web', data_root: '/tmp/x', live_available: true, live_station_id: 'KLGA' }),
    listDays: async () => [],
    readManifest: async () => {
      throw new Error('unused');
    },
    readParquet: async () => new Uint8Array(),
    saveSnapshot: async (args) => {
      saved.push(args);
      return { saved: true, path: `/tmp/exports/${args.suggested_name}` };
    },
    openSnapshot: async () => null,
    chooseDataRoot: async () => null,
    subscribeLive: () => () => {},
  };
}
