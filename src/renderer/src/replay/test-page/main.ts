/**
 * Dev-only page (not part of the app build) that exposes the browser replay engine to Playwright:
 * the Chromium test compares it with the Node source and the bench measures it. It talks to a tiny
 * test server (`/test-api/manifest`, `/test-api/parquet`) instead of the app's bridge.
 */
import { applyEvents, emptyChannelState } from '../../../../shared/channel-state';
import type { PlayerState } from '../../../../shared/player';
import type { AnyEvent } from '../../../../shared/schemas';
import { openReplayDay, type DayRef, type ReplayApi, type ReplayDay } from '../open-day';
import { replayEngine } from '../duckdb';
import { loadParquetWasm } from '../parquet';
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
  correlation: (id: string) => replay!.source.eventsByCorrelation(id),
  query: (sql: string) => replay!.query(sql),
  /** Seek and wait for the frame that shows the new time; returns the elapsed ms. */
  async seek(t: number) {
    const before = seekId;
    const t0 = performance.now();
    const done = waitFor((s) => s.seek_id !== before && s.presence === 'PRESENT');
    replay!.player.seekPlayback(t);
    await done;
    return performance.now() - t0;
  },
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
