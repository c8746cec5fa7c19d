/**
 * Dev-only page (not part of the app build) that exposes the browser replay engine to Playwright:
 * the Chromium test compares it with the Node source and the bench measures it. It talks to a tiny
 * test server (`/test-api/manifest`, `/test-api/parquet`) instead of the app's bridge.
 */
import '../../../../src/shared/zod-config'; // first, as in the app
import { applyEvents, emptyChannelState } from '../../../../src/shared/channel-state';
import type { PlayerState } from '../../../../src/shared/player';
import type { AnyEvent } from '../../../../src/shared/schemas';
import type { DayRef } from '../../../../src/shared/api';
import { openReplayDay, type ReplayApi, type ReplayDay } from '../../../../src/renderer/src/replay/open-day';
import { replayEngine } from '../../../../src/renderer/src/replay/duckdb';
import { loadParquetWasm } from '../../../../src/renderer/src/replay/parquet';
import { tableRows } from '../../../../src/renderer/src/replay/table-files';
import { readParquet } from 'parquet-wasm/esm';
import { tableFromIPC } from 'apache-arrow';

const params = (o: Record<string, string | number | undefined>) =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

const api: ReplayApi = {
  async readManifest(day) {
    const r = await fetch(`/test-api/manifest?${params(day)}`);
    if (!r.ok) throw new Error(await r.text());
    return r.json();
  },
  async readParquet(args) {
    const r = await fetch(`/test-api/parquet?${params(args)}`);
    if (!r.ok) throw new Error(await r.text());
    return new Uint8Array(await r.arrayBuffer());
  },
};

let replay: ReplayDay | null = null;
let pendingHistory: Promise<{ ms: number; chartsMs: number | null }> | null = null;
let states: PlayerState[] = [];
let onState: ((s: PlayerState) => void) | null = null;
let channel = emptyChannelState();
let seekId = -1;

function listen(s: PlayerState) {
  states.push({ ...s, messages: [] });
  if (s.seek_id !== seekId) {
    seekId = s.seek_id;
    channel = emptyChannelState();
  }
  channel = applyEvents(channel, s.messages);
  onState?.(s);
}

function waitFor(pred: (s: PlayerState) => boolean, timeoutMs = 30_000): Promise<PlayerState> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a player state')), timeoutMs);
    onState = (s) => {
      if (pred(s)) {
        clearTimeout(timer);
        onState = null;
        resolve(s);
      }
    };
  });
}

/** Promise rejections nobody handled (each one is a bug: aborts are expected control flow). */
const unhandled: string[] = [];
window.addEventListener('unhandledrejection', (e) => {
  const r = e.reason as { name?: string; message?: string } | undefined;
  unhandled.push(`${r?.name ?? 'Error'}: ${r?.message ?? String(e.reason)}`);
});

const heap = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;

const test = {
  /** Boot the shared engine (what the app does at startup); returns the elapsed ms. */
  async boot() {
    const t0 = performance.now();
    await replayEngine();
    return performance.now() - t0;
  },
  /** Open a day; resolves at its first frame (PRESENT with the backfill) with the elapsed ms. */
  async open(day: DayRef, options: { maxCachedBytes?: number } = {}) {
    states = [];
    seekId = -1;
    const t0 = performance.now();
    const phases: Array<[string, number]> = [];
    replay = await openReplayDay(api, day, { ...options, onProgress: (p) => phases.push([p.label, performance.now() - t0]) });
    phases.push(['player created', performance.now() - t0]);
    const first = waitFor((s) => s.presence === 'PRESENT' && s.seek_id === 1);
    replay.player.setListener(listen);
    await first;
    return { firstFrameMs: performance.now() - t0, phases, info: await replay.source.initialize() };
  },
  fetch: (t0: number, t1: number) => replay!.source.fetchEvents(t0, t1),
  /** Like `fetch` but returns only how many events and how long it took (no transfer to the test). */
  async fetchTimed(t0: number, t1: number) {
    const start = performance.now();
    const events = await replay!.source.fetchEvents(t0, t1);
    return { count: events.length, ms: performance.now() - start };
  },
  backfill: (t: number) => replay!.source.backfill(t),
  /** Wait for the source's background preparation of later seeks; elapsed ms. */
  async warm() {
    const t0 = performance.now();
    await replay!.source.warmUp();
    return performance.now() - t0;
  },
  correlation: (id: string) => replay!.source.eventsByCorrelation(id),
  async query(sql: string) {
    const table = await replay!.query(sql);
    return { columns: table.schema.fields.map((f) => f.name), rows: tableRows(table, 0, table.numRows) };
  },
  /** Read the charts' whole-day series (what the app starts after the first frame) and load the whole day into DuckDB-WASM (what opening the SQL console starts); elapsed ms. */
  async loadHistory() {
    const t0 = performance.now();
    let chartsMs: number | null = null;
    await Promise.all([replay!.history.load(), replay!.history.charts().then(() => (chartsMs = performance.now() - t0))]);
    return { ms: performance.now() - t0, chartsMs, progress: replay!.history.progress, tables: replay!.history.loadedTables() };
  },
  /** Start both loads of `loadHistory` without waiting (see `historyDone`). */
  startHistory() {
    const t0 = performance.now();
    let chartsMs: number | null = null;
    pendingHistory = Promise.all([replay!.history.load(), replay!.history.charts().then(() => (chartsMs = performance.now() - t0))]).then(() => ({ ms: performance.now() - t0, chartsMs }));
    pendingHistory.catch(() => {}); // a day closed mid-load: `historyDone` reports it to whoever asks
  },
  historyDone: () => pendingHistory!,
  /** The charts' whole-day series (nowcasts and METARs by time and id, trades counted). */
  async historyCharts() {
    const t0 = performance.now();
    const c = await replay!.history.charts();
    return {
      ms: performance.now() - t0,
      step_s: c.step_s,
      price: Object.fromEntries([...c.price].map(([token, s]) => [token, s])),
      trades: c.trades.length,
      nowcast: c.nowcast.map((n) => n.ms),
      metars: c.metars.map((m) => m.event_id),
    };
  },
  /** Seek and wait for the frame that shows the new time; returns the elapsed ms. */
  async seek(t: number) {
    const before = seekId;
    const t0 = performance.now();
    const done = waitFor((s) => s.seek_id !== before && s.presence === 'PRESENT');
    replay!.player.seekPlayback(t);
    await done;
    return performance.now() - t0;
  },
  /**
   * Play at `speed` and seek to each of `times` with `gapMs` between (a drag on the timeline
   * while read-ahead and seeks are loading), then wait for the last seek's frame.
   */
  async seekStorm(times: number[], gapMs: number, speed = 600) {
    const p = replay!.player;
    const t0 = performance.now();
    p.setPlaybackSpeed(speed);
    p.startPlayback();
    for (const t of times) {
      p.seekPlayback(t);
      await new Promise((r) => setTimeout(r, gapMs));
    }
    const last = times.at(-1)!;
    const t1 = performance.now();
    p.pausePlayback();
    p.setPlaybackSpeed(1); // (at 600× a paused player still reads half an hour ahead)
    p.seekPlayback(last);
    await waitFor((s) => s.presence === 'PRESENT' && s.current_ms === last && !s.playing);
    const t2 = performance.now();
    await p.idle();
    const t3 = performance.now();
    // let any rejection that lost its handler surface
    await new Promise((r) => setTimeout(r, 50));
    return { current_ms: states.at(-1)!.current_ms, issueMs: t1 - t0, settleMs: t2 - t1, idleMs: t3 - t2 };
  },
  unhandled: () => [...unhandled],
  /** Play for `realMs` at `speed`; returns what happened. */
  async play(speed: number, realMs: number) {
    const p = replay!.player;
    p.setPlaybackSpeed(speed);
    const from = states.at(-1)?.current_ms ?? 0;
    const count = states.length;
    p.startPlayback();
    await new Promise((r) => setTimeout(r, realMs));
    p.pausePlayback();
    const played = states.slice(count);
    return {
      from,
      to: states.at(-1)?.current_ms ?? from,
      frames: played.length,
      bufferingFrames: played.filter((s) => s.presence === 'BUFFERING').length,
    };
  },
  channelSummary() {
    return {
      books: Object.fromEntries(Object.entries(channel.books).map(([k, b]) => [k, { best_bid: b.metrics.best_bid, best_ask: b.metrics.best_ask, seq: b.seq }])),
      metar: channel.metar?.event_id ?? null,
    };
  },
  stats: async () => ({ ...replay!.source.stats, io: await replay!.io(), loadedRanges: replay!.source.loadedRanges(), heap: heap() }),
  heap,
  close() {
    replay?.close();
    replay = null;
  },
  /**
   * Baseline: decode whole channel files at once (what the block cache avoids) and load them into
   * DuckDB; returns the elapsed ms.
   */
  /** Baseline: the same decoder without the block cache — each channel file decoded whole. */
  async wholeFileDecode(day: DayRef, channels: string[]) {
    await loadParquetWasm();
    const t0 = performance.now();
    let rows = 0;
    for (const ch of channels) {
      const bytes = await api.readParquet({ ...day, ch } as Parameters<ReplayApi['readParquet']>[0]);
      rows += tableFromIPC(readParquet(bytes).intoIPCStream()).numRows;
    }
    return { elapsed: performance.now() - t0, rows };
  },
  /** Baseline of the first design: whole channel files decoded and loaded into DuckDB-WASM. */
  async wholeFileBaseline(day: DayRef, channels: string[]) {
    const db = await replayEngine();
    const t0 = performance.now();
    const conn = await db.connect();
    await conn.query('CREATE SCHEMA IF NOT EXISTS baseline');
    let rows = 0;
    for (const ch of channels) {
      const bytes = await api.readParquet({ ...day, ch } as Parameters<ReplayApi['readParquet']>[0]);
      const ipc = readParquet(bytes).intoIPCStream();
      await conn.insertArrowFromIPCStream(ipc, { schema: 'baseline', name: ch, create: true });
      const r = await conn.query(`SELECT count(*)::INTEGER AS n FROM baseline."${ch}"`);
      rows += Number(r.getChild('n')!.get(0));
    }
    const elapsed = performance.now() - t0;
    await conn.query('DROP SCHEMA baseline CASCADE');
    await conn.close();
    return { elapsed, rows };
  },
};

export type ReplayTestPage = typeof test;
(window as unknown as { heliosReplayTest: ReplayTestPage }).heliosReplayTest = test;
document.getElementById('status')!.textContent = 'ready';
export type { AnyEvent };
