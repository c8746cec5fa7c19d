/** Backends over FakePlayer and a synthetic day, for controller tests. */
import type { HeliosApi } from '../../src/shared/api';
import type { Manifest } from '../../src/shared/manifest';
import { markersFromEvents, mergeMarkers } from '../../src/renderer/src/store/markers';
import type { Backends, OpenedDay } from '../../src/renderer/src/session/backends';
import { FakePlayer } from './fake-player';
import type { DayChartData } from '../../src/renderer/src/store/history';
import { BUCKETS, TOKENS, type SyntheticDay } from './synthetic-day';

export function manifestOf(day: SyntheticDay): Manifest {
  return {
    manifest_version: 2,
    generation: 1,
    closed: true,
    station_id: 'KLGA',
    date: '2026-01-29',
    time_zone: 'America/New_York',
    day_start_utc: '2026-01-29T05:00:00.000Z',
    day_end_utc: '2026-01-30T05:00:00.000Z',
    generated_at: '2026-01-30T06:00:00.000Z',
    totals: { lines_read: day.events.length, blank_lines: 0, events_written: day.events.length, duplicates_dropped: 0, quarantined: 0, upgraded: 0 },
    tokens: TOKENS.map((token_id, i) => ({ token_id, market_id: 'mkt-klga-high', bucket: BUCKETS[i]!, market_date: null })),
    markets: [],
    channels: {},
    markers: [...mergeMarkers([], markersFromEvents(day.events))],
  };
}

/** The whole-day chart series the replay engine's DuckDB history gives (prices per 10 s bucket). */
export function dayChartsOf(day: SyntheticDay): DayChartData {
  const price = new Map<string, { t: number[]; mid: (number | null)[]; micro: (number | null)[]; ok: boolean[] }>();
  const trades: DayChartData['trades'][number][] = [];
  const nowcast: DayChartData['nowcast'][number][] = [];
  const metars: DayChartData['metars'][number][] = [];
  for (const e of day.events) {
    const ms = Date.parse(e.ts_ingest_utc);
    if (e.ch === 'l2_snap_1s') {
      const t = Math.floor(ms / 10_000) * 10;
      let s = price.get(e.token_id);
      if (!s) price.set(e.token_id, (s = { t: [], mid: [], micro: [], ok: [] }));
      if (s.t.at(-1) === t) continue; // the first snapshot of each bucket
      s.t.push(t);
      s.mid.push(e.mid);
      s.micro.push(e.microprice);
      s.ok.push(e.book_ok);
    } else if (e.ch === 'tape_trades') trades.push({ ms, event_id: e.event_id, token_id: e.token_id, p: e.p, s: e.s, side: e.side });
    else if (e.ch === 'nowcast_1m') nowcast.push({ ms, tmax_mean: e.tmax_mean, sigma: e.sigma, confidence: e.confidence, p_bucket: e.p_bucket });
    else if (e.ch === 'metar_obs') metars.push({ ms, event_id: e.event_id, raw: e.raw, judge_aligned_temp: e.judge_aligned_temp, obs_ms: Date.parse(e.obs_time_utc) });
  }
  return { step_s: 10, price, trades, nowcast, metars };
}

export function fakeBackends(day: SyntheticDay) {
  const opened: { player: FakePlayer; closed: boolean }[] = [];
  /** When each opened day's history load was asked for: the player's state at that moment. */
  const historyLoads: { presence: string | null; seek_id: number }[] = [];
  const snapshots: { correlation_id: string; at_ms: number }[] = [];
  const backends: Backends = {
    async openDay(_api, _day, onProgress) {
      onProgress({ label: 'loading', fraction: 0.5 });
      const player = new FakePlayer(day.events, day, 'replay', manifestOf(day).markers);
      const entry = { player, closed: false };
      opened.push(entry);
      const result: OpenedDay = {
        manifest: manifestOf(day),
        player,
        exampleQuery: 'SELECT 1',
        query: async (sql) => ({ columns: ['sql'], rowCount: 1, rows: (from, to) => [[sql]].slice(from, to), file: async () => new TextEncoder().encode(sql) }),
        eventsByCorrelation: async (id) => day.events.filter((e) => e.correlation_id === id),
        loadHistory: async (onProgress) => {
          historyLoads.push({ presence: player.state.presence, seek_id: player.state.seek_id });
          onProgress({ fraction: 0.5, chartsReady: false, done: false, error: null, elapsedMs: 1 });
          await Promise.resolve();
          onProgress({ fraction: 1, chartsReady: true, done: true, error: null, elapsedMs: 2 });
          return dayChartsOf(day);
        },
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
    liveEventsByCorrelation: () => [],
  };
  return { backends, opened, snapshots, historyLoads };
}

export function fakeApi(): HeliosApi & { saved: { suggested_name: string; contents: string }[]; exports: { name: string; files: { name: string; bytes: Uint8Array }[] }[] } {
  const saved: { suggested_name: string; contents: string }[] = [];
  const exports: { name: string; files: { name: string; bytes: Uint8Array }[] }[] = [];
  return {
    saved,
    exports,
    getInfo: async () => ({ version: 'test', shell: 'web', data_root: '/tmp/x', server: null, live_available: true, live_station_id: 'KLGA' }),
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
    getSources: async () => ({ choice: { kind: 'simulator' }, secrets_stored: [], secret_storage: 'test', can_store_secrets: true, live: null }),
    setSources: async () => {
      throw new Error('unused');
    },
    connectServer: async () => {
      throw new Error('unused');
    },
    startSweep: async () => ({ job: '0123456789abcdef' }),
    sweepStatus: async ({ job }) => ({ job, state: 'running', fraction: 0.5, report: null, error: null }),
    saveExport: async (args) => {
      exports.push(args);
      return { saved: true, path: `/tmp/exports/${args.files.length === 1 ? args.files[0]!.name : args.name}` };
    },
    recompactDay: async (day) => ({ summary: `${day.station_id} ${day.date} compacted again` }),
    subscribeLive: () => () => {},
  };
}
