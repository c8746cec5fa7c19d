import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelGroup } from '../../src/shared/channels';
import { stampEvent } from '../../src/shared/envelope';
import { PROTOCOL_VERSION, type ServerMessage } from '../../src/shared/protocol';
import type { AnyEvent } from '../../src/shared/schemas';
import { DataRoot } from '../../src/services/data-root';
import type { LiveFeed } from '../../src/services/live-feed';
import { accessPolicy } from '../../src/services/server/access';
import { startHeliosServer, type HeliosServer } from '../../src/services/server/server';
import { ProtocolClient } from './helpers';

/** A live feed the test drives: every push reaches every subscriber synchronously, like the ring buffers. */
class TestFeed implements LiveFeed {
  readonly listeners = new Set<(m: ServerMessage) => void>();
  subscribe(groups: readonly ChannelGroup[], listener: (m: ServerMessage) => void): () => void {
    listener({ type: 'hello', protocol: PROTOCOL_VERSION, mode: 'live', station_id: 'KLGA', date: null, groups: [...groups] });
    listener({ type: 'backfill', at: new Date(0).toISOString(), seek_id: 0, events: [] });
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  push(events: AnyEvent[]): void {
    for (const l of this.listeners) l({ type: 'events', events });
  }
}

const health = (i: number): AnyEvent =>
  stampEvent(
    'health',
    {
      station_id: 'KLGA',
      latency_ms: { clob_to_ingest: i % 100 },
      staleness_s: { clob: 0 },
      reconnects: 0,
      gaps: 0,
      resyncs: 0,
      queue_depth: i,
      queue_bytes: 0,
      flush_ms_p99: 1,
      events_written: i,
      dropped: {},
      rejected: {},
    } as never,
    Date.UTC(2026, 0, 29, 17) + i,
  );

let root: string;
let instance: DuckDBInstance;
let feed: TestFeed;
let server: HeliosServer;
const TOKEN = 'a-test-token-of-some-length';
const logs: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'helios-serve-live-'));
  instance = await DuckDBInstance.create(':memory:');
  feed = new TestFeed();
  server = await startHeliosServer({
    dataRoot: new DataRoot(root),
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    live: { station_id: 'KLGA', feed },
    instance,
    maxQueuedBytes: 2 * 1024 * 1024,
    log: (m) => logs.push(m),
  });
});

afterAll(async () => {
  await server?.close();
  instance?.closeSync();
  await rm(root, { recursive: true, force: true });
});

const auth = { Authorization: `Bearer ${TOKEN}` };
const liveUrl = () => `${server.url.replace('http', 'ws')}/live`;

describe('helios serve: /live', () => {
  it('streams hello, backfill and the recorded events to a subscriber', async () => {
    const client = await ProtocolClient.connect(liveUrl(), auth);
    client.send({ type: 'subscribe', groups: ['health'] });
    await client.next('backfill');
    const events = [health(1), health(2)];
    feed.push(events);
    const got = await client.next('events');
    expect(got.events).toEqual(events);
    client.send({ type: 'play' });
    expect((await client.next('error')).message).toMatch(/no playback control/);
    client.ws.send('{"type":"subscribe","groups":["weather"]}');
    expect((await client.next('error', (m) => /groups/.test(m.message))).message).toMatch(/groups\.0/);
    expect(client.closed).toBeNull();
    client.close();
  });

  it('drops a client that stops reading, tells it why, and keeps serving the others', async () => {
    const slow = await ProtocolClient.connect(liveUrl(), auth);
    const fast = await ProtocolClient.connect(liveUrl(), auth);
    slow.send({ type: 'subscribe', groups: ['health'] });
    fast.send({ type: 'subscribe', groups: ['health'] });
    await slow.next('backfill');
    await fast.next('backfill');
    (slow.ws as unknown as { _socket: Socket })._socket.pause(); // reads nothing from now on
    const batch = Array.from({ length: 2000 }, (_, i) => health(i));
    const received = () => fast.messages.flatMap((m) => (m.type === 'events' ? m.events : [])).length;
    for (let round = 0; round < 60 && !logs.some((m) => /too slow/.test(m)); round++) {
      feed.push(batch);
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(logs.filter((m) => /too slow/.test(m))).toHaveLength(1); // the slow one, not the other
    const before = received();
    feed.push(batch);
    await fast.next('events', () => received() > before, 0);
    (slow.ws as unknown as { _socket: Socket })._socket.resume(); // it reads again: the reason, then the close
    const closed = await slow.waitClosed();
    expect(closed.code).toBe(1013);
    expect(server.clients()).toBe(1);
    expect(slow.messages.some((m) => m.type === 'error' && /too slow/.test(m.message))).toBe(true);
    fast.close();
  });

  it('survives malformed frames: each closes only its own connection', async () => {
    const watcher = await ProtocolClient.connect(liveUrl(), auth);
    watcher.send({ type: 'subscribe', groups: ['health'] });
    await watcher.next('backfill');
    const frames: Array<[string, Buffer]> = [
      ['over 64 KiB', frame(0x1, Buffer.alloc(70_000, 0x61))],
      ['invalid UTF-8', frame(0x1, Buffer.from([0xc3, 0x28]))],
      ['unmasked', frame(0x1, Buffer.from('{}'), { masked: false })],
      ['RSV bit', frame(0x1, Buffer.from('{}'), { rsv: 0x40 })],
      ['bad opcode', frame(0x3, Buffer.from('{}'))],
      ['close code 999', frame(0x8, Buffer.from([0x03, 0xe7]))],
      ['2^63 length', Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])],
    ];
    for (const [label, bytes] of frames) {
      const closed = await rawClient(server.port, `/live`, bytes);
      expect(closed, label).toBe(true);
      feed.push([health(7)]);
      await watcher.next('events', (m) => m.events.length === 1, watcher.messages.length - 1);
    }
    expect(watcher.closed).toBeNull();
    watcher.close();
  });
});

describe('helios serve: access', () => {
  it('requires the token on every route when one is set', async () => {
    expect((await fetch(`${server.url}/days`)).status).toBe(401);
    expect((await fetch(`${server.url}/days`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${server.url}/days`, { headers: auth })).status).toBe(200);
    await expect(ProtocolClient.connect(liveUrl())).rejects.toThrow(/401/);
    await expect(ProtocolClient.connect(liveUrl(), { Authorization: `Bearer ${TOKEN}x` })).rejects.toThrow(/401/);
  });

  it('on loopback, answers only requests for its own address from no page or its own', async () => {
    expect((await fetch(`${server.url}/days`, { headers: { ...auth, Origin: 'http://evil.example' } })).status).toBe(403);
    expect((await fetch(`${server.url}/days`, { headers: { ...auth, Origin: server.url } })).status).toBe(200);
    const res = await rawRequest(server.port, `GET /days HTTP/1.1\r\nHost: evil.example:${server.port}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 403/);
  });

  it('elsewhere, needs a token, and refuses browsers', () => {
    expect(() => accessPolicy('0.0.0.0', () => 7600, null)).toThrow(/token is required/);
    const policy = accessPolicy('0.0.0.0', () => 7600, TOKEN);
    const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
    expect(policy.refuse(req({ host: 'tape.lan:7600', authorization: `Bearer ${TOKEN}` }))).toBeNull();
    expect(policy.refuse(req({ host: 'tape.lan:7600' }))?.status).toBe(401);
    expect(policy.refuse(req({ host: 'tape.lan:7600', authorization: `Bearer ${TOKEN}`, origin: 'http://tape.lan:7600' }))?.status).toBe(403);
  });
});

/** A WebSocket frame as a client would send it (masked unless told otherwise). */
function frame(opcode: number, payload: Buffer, options: { masked?: boolean; rsv?: number } = {}): Buffer {
  const masked = options.masked ?? true;
  const head: number[] = [0x80 | (options.rsv ?? 0) | opcode];
  const len = payload.length;
  if (len < 126) head.push((masked ? 0x80 : 0) | len);
  else if (len < 65536) head.push((masked ? 0x80 : 0) | 126, len >> 8, len & 0xff);
  else head.push((masked ? 0x80 : 0) | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from(head), mask, body]);
}

/** Opens a WebSocket by hand on `path`, sends `bytes`, resolves true once the server closed the connection. */
function rawClient(port: number, path: string, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let upgraded = false;
    socket.on('data', (d) => {
      if (!upgraded && String(d).startsWith('HTTP/1.1 101')) {
        upgraded = true;
        socket.write(bytes);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(upgraded));
    socket.setTimeout(10_000, () => reject(new Error('the server kept a malformed connection open')));
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
    );
  });
}

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += String(d)));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
    socket.write(text);
  });
}
