import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelGroup } from '../../src/shared/channels';
import type { ServerMessage } from '../../src/shared/protocol';
import { createLiveBatcher } from '../../src/services/live-batcher';
import type { LiveFeed } from '../../src/services/live-feed';
import { LiveHost, type LiveChild } from '../../src/main/live-host';
import type { FromLiveProcess, ToLiveProcess } from '../../src/main/live-messages';
import { runLiveWorker, type LiveSession } from '../../src/main/live-worker';
import { sampleEvents, T0 } from '../fixtures/events';

const hello: ServerMessage = { type: 'hello', protocol: 1, mode: 'live', station_id: 'KLGA', date: null, groups: ['l2', 'world'] };
const ev = (i: number) => sampleEvents(T0 + i * 1000).l2_snap_1s;
const events = (...ids: number[]): ServerMessage => ({ type: 'events', events: ids.map(ev) });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('live batching (frame budget)', () => {
  it('delivers a quiet stream at once, then at most one batch per 50 ms with events merged in order', () => {
    const batches: ServerMessage[][] = [];
    const b = createLiveBatcher({ intervalMs: 50, send: (m) => batches.push(m) });
    b.push(hello);
    expect(batches).toEqual([[hello]]); // first message: no added latency
    for (let i = 0; i < 200; i++) {
      b.push(events(i)); // 200 messages within the same frame
      vi.advanceTimersByTime(0.2);
    }
    vi.advanceTimersByTime(50);
    // 200 pushes over 40 ms → one more delivery, all events merged into one message, in order
    expect(batches).toHaveLength(2);
    expect(batches[1]).toHaveLength(1);
    const merged = batches[1]![0] as Extract<ServerMessage, { type: 'events' }>;
    expect(merged.events.map((e) => e.ts_ingest_utc)).toEqual(Array.from({ length: 200 }, (_, i) => ev(i).ts_ingest_utc));
  });

  it('keeps non-events messages in their place and never sends two batches within 50 ms', () => {
    const sentAt: number[] = [];
    const batches: ServerMessage[][] = [];
    const b = createLiveBatcher({ intervalMs: 50, send: (m) => (batches.push(m), sentAt.push(Date.now())) });
    const backfill: ServerMessage = { type: 'backfill', at: '2026-01-29T17:53:05.114Z', seek_id: 1, events: [ev(9)] };
    for (let t = 0; t < 1000; t += 7) {
      b.push(events(t));
      if (t === 49) b.push(backfill);
      vi.advanceTimersByTime(7);
    }
    vi.advanceTimersByTime(100);
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(50);
    expect(sentAt.length).toBeLessThanOrEqual(Math.ceil(1100 / 50) + 1);
    const flat = batches.flat();
    const i = flat.findIndex((m) => m.type === 'backfill');
    expect(flat[i - 1]?.type).toBe('events');
    expect(flat[i + 1]?.type).toBe('events');
    const total = flat.reduce((n, m) => n + (m.type === 'events' ? m.events.length : 0), 0);
    expect(total).toBe(Math.ceil(1000 / 7)); // nothing lost, nothing duplicated
  });

  it('does not mutate the caller\'s messages and stops after close', () => {
    const batches: ServerMessage[][] = [];
    const b = createLiveBatcher({ intervalMs: 50, send: (m) => batches.push(m) });
    b.push(hello);
    const first = events(1);
    b.push(first);
    b.push(events(2));
    expect((first as { events: unknown[] }).events).toHaveLength(1);
    b.close();
    vi.advanceTimersByTime(100);
    b.push(events(3));
    expect(batches).toEqual([[hello]]);
  });
});

/** A LiveFeed over which the test pushes messages. */
function fakeFeed() {
  const subscribers = new Set<{ groups: readonly ChannelGroup[]; listener: (m: ServerMessage) => void }>();
  const feed: LiveFeed = {
    subscribe(groups, listener) {
      const sub = { groups, listener };
      subscribers.add(sub);
      listener({ ...(hello as Extract<ServerMessage, { type: 'hello' }>), groups: [...groups] });
      return () => subscribers.delete(sub);
    },
  };
  return { feed, subscribers, emit: (m: ServerMessage) => subscribers.forEach((s) => s.listener(m)) };
}

function fakePort() {
  const emitter = new EventEmitter();
  const posted: FromLiveProcess[] = [];
  return {
    port: { on: (e: 'message', l: (ev: { data: unknown }) => void) => emitter.on(e, l), postMessage: (m: FromLiveProcess) => void posted.push(m) },
    posted,
    send: (m: ToLiveProcess) => emitter.emit('message', { data: m }),
  };
}

const simulating = { kind: 'simulator' as const, statuses: [], error: null };

describe('recorder process message loop', () => {
  it('starts the session, serves subscriptions made before it was ready, batched per subscription', async () => {
    const { feed, subscribers, emit } = fakeFeed();
    const stop = vi.fn(async () => {});
    let resolveStart!: (s: LiveSession) => void;
    const start = vi.fn(() => new Promise<LiveSession>((r) => (resolveStart = r)));
    const exit = vi.fn();
    const { port, posted, send } = fakePort();
    runLiveWorker(port, start, { exit, intervalMs: 50 });
    send({ type: 'start', options: { data_root: '/data', demo: true } });
    send({ type: 'subscribe', id: 1, groups: ['l2'] });
    expect(start).toHaveBeenCalledWith({ data_root: '/data', demo: true }, expect.any(Function));
    resolveStart({ station_id: 'KLGA', feed, stop, sources: () => simulating, onSources: () => () => {}, switchSources: async () => {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(posted[0]).toEqual({ type: 'ready', station_id: 'KLGA', sources: simulating });
    expect(posted[1]).toEqual({ type: 'batch', id: 1, messages: [{ ...hello, groups: ['l2'] }] });
    for (let i = 0; i < 10; i++) emit(events(i));
    await vi.advanceTimersByTimeAsync(60);
    const batches = posted.filter((m) => m.type === 'batch');
    expect(batches).toHaveLength(2);
    expect((batches[1] as { messages: Array<{ events: unknown[] }> }).messages[0]!.events).toHaveLength(10);

    send({ type: 'unsubscribe', id: 1 });
    expect(subscribers.size).toBe(0);
    send({ type: 'stop' });
    await vi.advanceTimersByTimeAsync(0);
    expect(stop).toHaveBeenCalled();
    expect(posted.at(-1)).toEqual({ type: 'stopped' });
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('reports a failed start and tells subscribers why live is unavailable', async () => {
    const { port, posted, send } = fakePort();
    runLiveWorker(port, async () => Promise.reject(new Error('data root is read-only')), { exit: vi.fn() });
    send({ type: 'subscribe', id: 4, groups: ['world'] });
    send({ type: 'start', options: { data_root: '/ro', demo: false } });
    await vi.advanceTimersByTimeAsync(0);
    expect(posted).toContainEqual({ type: 'failed', message: 'data root is read-only' });
    expect(posted).toContainEqual({
      type: 'batch',
      id: 4,
      messages: [{ type: 'error', message: 'live recording is not running: data root is read-only' }],
    });
  });
});

class FakeChild extends EventEmitter implements LiveChild {
  received: ToLiveProcess[] = [];
  killed = false;
  postMessage(m: ToLiveProcess) {
    this.received.push(m);
  }
  kill() {
    this.killed = true;
    this.emit('exit', 9);
    return true;
  }
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}

describe('LiveHost (main side)', () => {
  function host(restartDelaysMs = [1000], log: (level: string, message: string) => void = () => {}) {
    const children: FakeChild[] = [];
    const h = new LiveHost({
      fork: () => {
        const c = new FakeChild();
        children.push(c);
        return c;
      },
      log,
      restartDelaysMs,
      stopTimeoutMs: 500,
    });
    return { h, children };
  }

  it('queues messages until the process has spawned, then routes batches to the right subscriber', async () => {
    const { h, children } = host();
    await h.start({ data_root: '/data', station: 'KLGA' });
    // subscribable while starting (the page may ask before the session records)
    expect(h.status()).toEqual({ available: true, recording: false, station_id: 'KLGA', error: null });
    const got: ServerMessage[][] = [];
    h.subscribe('7:1', ['l2'], (m) => got.push(m));
    const child = children[0]!;
    expect(child.received).toEqual([]);
    child.emit('spawn');
    expect(child.received).toEqual([
      { type: 'start', options: { data_root: '/data', station: 'KLGA' } },
      { type: 'subscribe', id: 1, groups: ['l2'] },
    ]);
    child.emit('message', { type: 'ready', station_id: 'KLGA' });
    expect(h.status()).toEqual({ available: true, recording: true, station_id: 'KLGA', error: null });
    child.emit('message', { type: 'batch', id: 1, messages: [hello] });
    child.emit('message', { type: 'batch', id: 99, messages: [hello] });
    expect(got).toEqual([[hello]]);
  });

  it('survives the fatal-error event of a dying recorder process and restarts it after the exit', async () => {
    const logs: string[] = [];
    const { h, children } = host([0], (level, message) => logs.push(`${level}: ${message}`));
    await h.start({ data_root: '/data', station: 'KLGA' });
    children[0]!.emit('spawn');
    // Electron's UtilityProcess emits 'error' as an EventEmitter: unheard, it would throw in main.
    expect(() => children[0]!.emit('error', 'FatalError', 'v8::Isolate::ThrowOutOfMemory')).not.toThrow();
    children[0]!.emit('exit', 134);
    await vi.waitFor(() => expect(children).toHaveLength(2));
    expect(logs.slice(0, 2)).toEqual(['error: FatalError at v8::Isolate::ThrowOutOfMemory', 'warn: exited (code 134); restarting in 0 ms']);
  });

  it('drops every subscription of a closed or reloaded window', async () => {
    const { h, children } = host();
    await h.start({ data_root: '/data', demo: false });
    const child = children[0]!;
    child.emit('spawn');
    h.subscribe('7:1', ['l2'], () => {});
    h.subscribe('7:2', ['world'], () => {});
    h.subscribe('8:1', ['l2'], () => {});
    h.dropContents(7);
    expect(child.received.filter((m) => m.type === 'unsubscribe')).toEqual([
      { type: 'unsubscribe', id: 1 },
      { type: 'unsubscribe', id: 2 },
    ]);
  });

  it('restarts against a new data root and re-subscribes existing subscribers', async () => {
    const { h, children } = host();
    await h.start({ data_root: '/a', demo: true });
    children[0]!.emit('spawn');
    h.subscribe('7:1', ['nowcast'], () => {});
    const switching = h.start({ data_root: '/b', demo: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(children[0]!.received.at(-1)).toEqual({ type: 'stop' });
    children[0]!.emit('exit', 0);
    await switching;
    children[1]!.emit('spawn');
    expect(children[1]!.received).toEqual([
      { type: 'start', options: { data_root: '/b', demo: false } },
      { type: 'subscribe', id: 1, groups: ['nowcast'] },
    ]);
    expect(h.status().error).toBeNull();
  });

  it('never leaves two recorders running when folders are switched quickly', async () => {
    const { h, children } = host();
    await h.start({ data_root: '/a' });
    children[0]!.emit('spawn');
    const b = h.start({ data_root: '/b' });
    const c = h.start({ data_root: '/c' });
    await vi.advanceTimersByTimeAsync(0);
    children[0]!.emit('exit', 0); // /a stopped
    const got: ServerMessage[][] = [];
    h.subscribe('7:1', ['l2'], (m) => got.push(m)); // mid-switch: no process right now
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual([]); // not told "not running": it will be served by the next process
    children[1]!.emit('spawn');
    await vi.advanceTimersByTimeAsync(0);
    expect(children[1]!.received.at(-1)).toEqual({ type: 'stop' }); // /b stopped before /c starts
    children[1]!.emit('exit', 0);
    await Promise.all([b, c]);
    expect(children).toHaveLength(3);
    children[2]!.emit('spawn');
    expect(children[2]!.received).toEqual([
      { type: 'start', options: { data_root: '/c' } },
      { type: 'subscribe', id: 1, groups: ['l2'] },
    ]);
  });

  it('kills a process that does not stop in time', async () => {
    const { h, children } = host();
    await h.start({ data_root: '/a', demo: false });
    children[0]!.emit('spawn');
    const stopping = h.stop();
    await vi.advanceTimersByTimeAsync(600);
    await stopping;
    expect(children[0]!.killed).toBe(true);
  });

  it('tells subscribers when the recorder crashes, restarts it with backoff, then gives up', async () => {
    const { h, children } = host([1000]);
    await h.start({ data_root: '/a', demo: false });
    children[0]!.emit('spawn');
    const got: ServerMessage[][] = [];
    h.subscribe('7:1', ['l2'], (m) => got.push(m));
    children[0]!.emit('exit', 134);
    expect(got.at(-1)).toEqual([{ type: 'error', message: 'live recording stopped: recorder process exited (code 134)' }]);
    expect(h.status()).toEqual({ available: false, recording: false, station_id: null, error: 'recorder process exited (code 134)' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(children).toHaveLength(2);
    children[1]!.emit('spawn');
    expect(children[1]!.received.map((m) => m.type)).toEqual(['start', 'subscribe']);
    children[1]!.emit('exit', 134);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(children).toHaveLength(2); // no restarts left
  });

  it('reports a failed start as unavailable, with the reason', async () => {
    const { h, children } = host();
    await h.start({ data_root: '/ro' });
    children[0]!.emit('spawn');
    children[0]!.emit('message', { type: 'failed', message: 'EACCES: /ro/journal' });
    expect(h.status()).toEqual({ available: false, recording: false, station_id: null, error: 'EACCES: /ro/journal' });
  });

  it('answers a subscription with an error while nothing is recording', () => {
    const { h } = host();
    const got: ServerMessage[][] = [];
    h.subscribe('7:1', ['l2'], (m) => got.push(m));
    expect(got).toEqual([[{ type: 'error', message: 'live recording is not running' }]]);
  });
});
