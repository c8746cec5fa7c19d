import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { HeliosApi } from '../../src/shared/api';
import type { ChannelGroup } from '../../src/shared/channels';
import type { ServerMessage } from '../../src/shared/protocol';
import { DataRoot } from '../../src/services/data-root';
import type { LiveFeed } from '../../src/services/live-feed';
import { DataSwitch, localDataAccess } from '../../src/services/data-access';
import { createBridgeApi } from '../../src/services/web/bridge-api';
import { startWebServer, type WebServer } from '../../src/services/web/server';
import { BridgeError, createBridgeClient, type WebSocketFactory } from '../../src/renderer/src/api/bridge-client';
import { manifestOf } from './fake-backends';
import { syntheticDay } from './synthetic-day';
import { until } from '../support/until';

const day = syntheticDay({ start_ms: Date.parse('2026-01-29T15:45:00.000Z'), minutes: 8 });
const PARQUET = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);

class FakeFeed implements LiveFeed {
  listeners = new Set<(m: ServerMessage) => void>();
  groups: readonly ChannelGroup[] = [];
  subscribe(groups: readonly ChannelGroup[], listener: (m: ServerMessage) => void) {
    this.groups = groups;
    this.listeners.add(listener);
    listener({ type: 'hello', protocol: 1, mode: 'live', station_id: 'KLGA', date: null, groups: [...groups] });
    listener({ type: 'backfill', at: day.events[0]!.ts_ingest_utc, seek_id: 1, events: day.events.slice(0, 3) });
    return () => this.listeners.delete(listener);
  }
  emit(m: unknown) {
    for (const l of this.listeners) l(m as ServerMessage);
  }
}

let root: string;
let server: WebServer;
let client: HeliosApi;
const feed = new FakeFeed();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'helios-bridge-'));
  const dayDir = join(root, 'parquet', 'station=KLGA', 'date=2026-01-29');
  await mkdir(join(dayDir, 'ch=l2_snap_1s'), { recursive: true });
  await writeFile(join(dayDir, '_manifest.json'), JSON.stringify(manifestOf(day)));
  await writeFile(join(dayDir, 'ch=l2_snap_1s', 'part-0000.parquet'), PARQUET);
  const assets = join(root, 'renderer');
  await mkdir(join(assets, 'assets'), { recursive: true });
  await writeFile(join(assets, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(assets, 'assets', 'duckdb.wasm'), new Uint8Array([0, 97, 115, 109]));
  await writeFile(join(root, 'secret.txt'), 'outside the static dir');
  const dataRoot = new DataRoot(root);
  const data = new DataSwitch(() => localDataAccess(dataRoot, { station_id: 'KLGA', feed }));
  const api = createBridgeApi({ dataRoot, data, version: 'test' });
  server = await startWebServer({ api, staticDir: assets, port: 0, liveFeed: () => data.current().live });
  client = createBridgeClient({ baseUrl: server.url, WebSocket: WebSocket as unknown as WebSocketFactory, reconnectMs: 50 });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

function raw(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('browser bridge: data operations', () => {
  test('lists days from their manifests and reads one', async () => {
    const days = await client.listDays();
    expect(days.map((d) => `${d.station_id}/${d.date}`)).toEqual(['KLGA/2026-01-29']);
    const manifest = await client.readManifest({ station_id: 'KLGA', date: '2026-01-29' });
    expect(manifest.markers.filter((m) => m.kind === 'METAR')).toHaveLength(1);
    const info = await client.getInfo();
    expect(info).toMatchObject({ shell: 'web', data_root: root, live_available: true });
  });

  test('returns Parquet bytes whole and by range', async () => {
    const whole = await client.readParquet({ station_id: 'KLGA', date: '2026-01-29', ch: 'l2_snap_1s' });
    expect(whole).toEqual(PARQUET);
    const part = await client.readParquet({ station_id: 'KLGA', date: '2026-01-29', ch: 'l2_snap_1s', offset: 4990, length: 100 });
    expect(part).toEqual(PARQUET.slice(4990));
  });

  test('refuses arguments that do not validate, naming the problem', async () => {
    const attempt = client.readParquet({ station_id: '../../etc', date: '2026-01-29', ch: 'l2_snap_1s' });
    await expect(attempt).rejects.toBeInstanceOf(BridgeError);
    await expect(attempt).rejects.toMatchObject({ status: 400, message: expect.stringContaining('station_id') });
    await expect(client.readParquet({ station_id: 'KLGA', date: '2026-01-29', ch: 'nope' as 'l2_snap_1s' })).rejects.toMatchObject({ status: 400 });
    await expect(client.readManifest({ station_id: 'KLGA', date: '2026-02-30' })).rejects.toThrow(/no compacted day/);
    const unknown = await raw('/api/deleteEverything', { 'content-type': 'application/json' }, 'POST', '[]');
    expect(unknown.status).toBe(404);
  });

  test('saves exports under <data>/exports without overwriting', async () => {
    const first = await client.saveSnapshot({ suggested_name: 'snap-1.json', contents: '{"a":1}' });
    const second = await client.saveSnapshot({ suggested_name: 'snap-1.json', contents: '{"a":2}' });
    expect(first.path).toBe(join(root, 'exports', 'snap-1.json'));
    expect(second.path).toBe(join(root, 'exports', 'snap-1-1.json'));
    expect(await readFile(second.path!, 'utf8')).toBe('{"a":2}');
    await expect(client.saveSnapshot({ suggested_name: '../evil.json', contents: '{}' })).rejects.toMatchObject({ status: 400 });
  });

  test('saves exported files: one by its name, several in a new folder, bytes intact', async () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256); // every byte value, base64 across chunks
    const one = await client.saveExport({ name: 'query', files: [{ name: 'result.parquet', bytes }] });
    expect(one.path).toBe(join(root, 'exports', 'result.parquet'));
    expect(new Uint8Array(await readFile(one.path!))).toEqual(bytes);
    const files = [
      { name: 'l2_snap_1s.parquet', bytes },
      { name: 'l2_snap_1s.csv', bytes: new TextEncoder().encode('a,b\n1,2\n') },
    ];
    const first = await client.saveExport({ name: 'range-1', files });
    const second = await client.saveExport({ name: 'range-1', files });
    expect([first.path, second.path]).toEqual([join(root, 'exports', 'range-1'), join(root, 'exports', 'range-1-1')]);
    expect(await readFile(join(second.path!, 'l2_snap_1s.csv'), 'utf8')).toBe('a,b\n1,2\n');
    await expect(client.saveExport({ name: '../up', files })).rejects.toMatchObject({ status: 400 });
    await expect(client.saveExport({ name: 'x', files: [{ name: 'evil.sh', bytes }] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('.parquet or .csv') });
    await expect(client.saveExport({ name: 'x', files: [files[0]!, files[0]!] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('must not repeat') });
  });

  test('streams large exports (far over the 1 MiB argument cap) and never lets two same-named ones collide', async () => {
    const big = new Uint8Array(6 * 2 ** 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    const files = [
      { name: 'l2_snap_1s.parquet', bytes: big },
      { name: 'l2_snap_1s.csv', bytes: big.subarray(0, 3 * 2 ** 20 + 17) },
    ];
    const saved = await Promise.all(Array.from({ length: 6 }, () => client.saveExport({ name: 'big-range', files })));
    const paths = saved.map((r) => r.path!);
    expect(new Set(paths).size).toBe(6);
    for (const path of paths) {
      // Buffer#equals: a deep toEqual over millions of bytes takes minutes
      expect((await readFile(join(path, 'l2_snap_1s.parquet'))).equals(big)).toBe(true);
      expect((await readFile(join(path, 'l2_snap_1s.csv'))).equals(files[1]!.bytes)).toBe(true);
    }
  });

  test('re-compacting a day without a journal says so', async () => {
    await expect(client.recompactDay({ station_id: 'KLGA', date: '2026-01-29' })).rejects.toThrow(/cannot be compacted again: its journal is not under/);
  });

  test('a day whose manifest is damaged is listed as damaged, naming the file and the reason', async () => {
    const dayDir = join(root, 'parquet', 'station=KLGA', 'date=2026-01-28');
    await mkdir(dayDir, { recursive: true });
    await writeFile(join(dayDir, '_manifest.json'), '{"manifest_version": 1, "station_id": "KL');
    try {
      const days = await client.listDays();
      expect(days.find((d) => d.date === '2026-01-28')).toMatchObject({ damaged: expect.stringMatching(/^parquet\/station=KLGA\/date=2026-01-28\/_manifest\.json: .*JSON/), journal: false });
      expect(days.find((d) => d.date === '2026-01-29')).toMatchObject({ journal: false });
      expect(days.find((d) => d.date === '2026-01-29')!.damaged).toBeNull();
    } finally {
      await rm(dayDir, { recursive: true, force: true });
    }
  });
});

describe('browser bridge: serving and guarding the page', () => {
  test('serves the renderer with a strict CSP and wasm with its MIME type', async () => {
    const page = await raw('/');
    expect(page.status).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/(^|\s)'unsafe-eval'/);
    expect(csp).toContain(`ws://127.0.0.1:${server.port}`);
    const wasm = await raw('/assets/duckdb.wasm');
    expect(wasm.headers['content-type']).toBe('application/wasm');
  });

  test('never serves a file outside the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await raw(path);
      expect(res.body).not.toContain('outside the static dir');
    }
  });

  test('answers only requests addressed to itself (no DNS rebinding, no cross-site calls)', async () => {
    expect((await raw('/', { host: 'evil.example:80' })).status).toBe(403);
    const crossSite = await raw('/api/listDays', { origin: 'http://evil.example', 'content-type': 'application/json' }, 'POST', '[]');
    expect(crossSite.status).toBe(403);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/live`, { origin: 'http://evil.example' });
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });
});

describe('browser bridge: live', () => {
  test('streams hello, backfill and events, validated; a bad event is dropped alone, with an error message', async () => {
    const received: ServerMessage[] = [];
    const unsubscribe = client.subscribeLive(['l2', 'world'], (m) => received.push(m));
    await until(() => received.some((m) => m.type === 'backfill'), 'the backfill', 3000);
    expect(received[0]).toMatchObject({ type: 'hello', mode: 'live', groups: ['l2', 'world'] });
    expect(feed.groups).toEqual(['l2', 'world']);
    feed.emit({ type: 'events', events: day.events.slice(3, 6) });
    feed.emit({ type: 'events', events: [{ ...day.events[6], ch: 'bogus' }, day.events[7]] });
    await until(() => received.some((m) => m.type === 'error'), 'the error message', 3000);
    const events = received.filter((m): m is Extract<ServerMessage, { type: 'events' }> => m.type === 'events');
    expect(events.flatMap((m) => m.events.map((e) => e.event_id))).toEqual([...day.events.slice(3, 6), day.events[7]!].map((e) => e.event_id));
    expect(received.find((m) => m.type === 'error')).toMatchObject({ message: expect.stringContaining('unknown channel') });
    unsubscribe();
    await until(() => feed.listeners.size === 0, 'the live subscription to end', 3000);
  });
});

