import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ChannelGroup } from '../../src/shared/channels';
import { PROTOCOL_VERSION, type ServerMessage } from '../../src/shared/protocol';
import { DataSwitch, localDataAccess } from '../../src/services/data-access';
import { DataRoot } from '../../src/services/data-root';
import type { LiveFeed } from '../../src/services/live-feed';
import { connectRemote } from '../../src/services/server/remote-data';
import { startHeliosServer, type HeliosServer } from '../../src/services/server/server';
import { createBridgeApi } from '../../src/services/web/bridge-api';
import { startWebServer, type WebServer } from '../../src/services/web/server';
import { createBridgeClient, type WebSocketFactory } from '../../src/renderer/src/api/bridge-client';
import { SourceLiveRouter } from '../../src/main/live-router';
import { makeDayFixture, type DayFixture } from '../replay/fixtures/day-fixture';
import { until } from '../support/until';

/** The server's live recording, as a feed the test drives. */
class ServerFeed implements LiveFeed {
  readonly listeners = new Set<(m: ServerMessage) => void>();
  subscribe(groups: readonly ChannelGroup[], listener: (m: ServerMessage) => void): () => void {
    listener({ type: 'hello', protocol: PROTOCOL_VERSION, mode: 'live', station_id: 'KLGA', date: null, groups: [...groups] });
    listener({ type: 'backfill', at: new Date(0).toISOString(), seek_id: 0, events: [] });
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const TOKEN = 'remote-test-token-0123456789';
let fx: DayFixture;
let emptyRoot: string;
let instance: DuckDBInstance;
let server: HeliosServer;
const feed = new ServerFeed();

beforeAll(async () => {
  fx = await makeDayFixture();
  emptyRoot = await mkdtemp(join(tmpdir(), 'helios-remote-local-'));
  instance = await DuckDBInstance.create(':memory:');
  server = await startHeliosServer({
    dataRoot: new DataRoot(fx.root),
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    live: { station_id: 'KLGA', feed },
    instance,
  });
});

afterAll(async () => {
  await server?.close();
  instance?.closeSync();
  await fx?.dispose();
  await rm(emptyRoot, { recursive: true, force: true });
});

describe('a helios serve server as the app’s data source', () => {
  it('refuses a wrong token and a URL that is not a HELIOS server, with a reason', async () => {
    await expect(connectRemote({ url: server.url, token: 'wrong' })).rejects.toThrow(/refused the token/);
    await expect(connectRemote({ url: 'ftp://example.org', token: null })).rejects.toThrow(/http:\/\/ or https:\/\//);
    await expect(connectRemote({ url: 'http://127.0.0.1:9', token: null })).rejects.toThrow(/cannot reach/);
  });

  it('reads the same days, manifests and Parquet bytes as the server’s local root', async () => {
    const remote = await connectRemote({ url: `${server.url}/`, token: TOKEN });
    const local = localDataAccess(new DataRoot(fx.root));
    try {
      expect(remote.location).toEqual({ kind: 'server', label: server.url });
      expect(remote.liveStationId).toBe('KLGA');
      // Whether a journal is left to compact again is the local folder's business only.
      expect(await remote.listDays()).toEqual((await local.listDays()).map(({ journal: _journal, ...day }) => day));
      expect(await remote.readManifest(fx.day)).toEqual(await local.readManifest(fx.day));
      const { generation } = await local.readManifest(fx.day);
      for (const read of [{}, { offset: 0, length: 8 }, { offset: 1000, length: 4096 }, { offset: 200 }, { part: 0, generation, offset: 10, length: 100 }]) {
        const args = { ...fx.day, ch: 'l2_snap_1s' as const, ...read };
        expect(Buffer.from(await remote.readParquet(args)).equals(Buffer.from(await local.readParquet(args))), JSON.stringify(read)).toBe(true);
      }
      await expect(remote.readParquet({ station_id: 'KLGA', date: '1999-01-01', ch: 'l2_snap_1s' })).rejects.toThrow(/no compacted day/);
      await expect(remote.readParquet({ ...fx.day, ch: 'l2_snap_1s', generation: generation + 1 })).rejects.toThrow(/reopen the day/);
    } finally {
      await remote.close();
    }
  });

  it('the browser bridge switches every page to the server: days, bytes and live, then back to its own root', async () => {
    const dataRoot = new DataRoot(emptyRoot);
    const data = new DataSwitch(() => localDataAccess(dataRoot));
    const api = createBridgeApi({ dataRoot, data, version: 'test' });
    const bridge: WebServer = await startWebServer({ api, staticDir: emptyRoot, port: 0, liveFeed: () => data.current().live });
    const client = createBridgeClient({ baseUrl: bridge.url, WebSocket: WebSocket as unknown as WebSocketFactory, reconnectMs: 50 });
    try {
      expect(await client.listDays()).toEqual([]);
      await expect(client.connectServer({ url: server.url, token: 'nope' })).rejects.toThrow(/refused the token/);
      const info = await client.connectServer({ url: server.url, token: TOKEN });
      expect(info).toMatchObject({ server: server.url, live_available: true, live_station_id: 'KLGA', data_root: emptyRoot });
      expect((await client.listDays()).map((d) => d.date)).toEqual([fx.day.date]);
      const bytes = await client.readParquet({ ...fx.day, ch: 'metar_obs', offset: 4, length: 100 });
      expect(bytes.length).toBe(100);

      const received: ServerMessage[] = [];
      const unsubscribe = client.subscribeLive(['world'], (m) => received.push(m));
      await until(() => feed.listeners.size === 1, 'the live subscription to reach the feed');
      const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
      for (const l of feed.listeners) l({ type: 'events', events: [metar] });
      await until(() => received.some((m) => m.type === 'events'), 'the events');
      expect(received.find((m) => m.type === 'events')).toEqual({ type: 'events', events: [metar] });
      unsubscribe();
      await until(() => feed.listeners.size === 0, 'the live subscription to end');

      // what works on the local folder says so instead of acting on it while the data is the server's
      await expect(client.recompactDay(fx.day)).rejects.toThrow(/works on the local data folder, and the data now comes from http/);
      await expect(client.startSweep({ ...fx.day })).rejects.toThrow(/works on the local data folder/);

      expect((await client.connectServer({ url: null })).server).toBeNull();
      expect(await client.listDays()).toEqual([]);
    } finally {
      await bridge.close();
      await data.use(null);
    }
  });

  it('Electron main routes live subscriptions to the server while connected, and to the recorder otherwise', async () => {
    const local = { subscribed: [] as string[], subscribe: (key: string) => void local.subscribed.push(key), unsubscribe: () => {}, dropContents: () => {} };
    const remote = await connectRemote({ url: server.url, token: TOKEN });
    let connected = true;
    const router = new SourceLiveRouter(local, () => (connected ? { feed: remote.live, label: remote.location.label } : null));
    const batches: ServerMessage[][] = [];
    router.subscribe('1:1', ['world'], (messages) => batches.push(messages));
    await until(() => batches.flat().some((m) => m.type === 'backfill'), 'the backfill');
    expect(local.subscribed).toEqual([]);
    router.dropContents(1);
    await until(() => feed.listeners.size === 0, 'the live subscription to end');
    connected = false;
    router.subscribe('1:2', ['world'], () => {});
    expect(local.subscribed).toEqual(['1:2']);
    await remote.close();
  });
});

