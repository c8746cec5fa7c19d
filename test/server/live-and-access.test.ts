import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelGroup } from '../../src/shared/channels';
import { stampEvent } from '../fixtures/events';
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
      write_errors: 0,
      write_error_code: null,
      write_error: null,
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
    const batch = Array.from({ length: 400 }, (_, i) => health(i));
    const received = () => fast.messages.flatMap((m) => (m.type === 'events' ? m.events : [])).length;
    for (let round = 0; round < 300 && !logs.some((m) => /too slow/.test(m)); round++) {
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
