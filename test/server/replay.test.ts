import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS } from '../../src/shared/channels';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import type { AnyEvent } from '../../src/shared/schemas';
import { DataRoot } from '../../src/services/data-root';
import { dayParquetFiles, openNodeEventSource, type NodeEventSource } from '../../src/services/replay/node-event-source';
import { buildReplayCopy, REPLAY_COPY_FILE } from '../../src/services/replay/replay-copy';
import { startHeliosServer, type HeliosServer } from '../../src/services/server/server';
import { makeDayFixture, type DayFixture } from '../replay/fixtures/day-fixture';
import { stateByPlaying, visible } from '../replay/helpers';
import { ProtocolClient } from './helpers';

let fx: DayFixture;
let server: HeliosServer;
/** The same server without replay copies: every day merged from its part files. */
let streamServer: HeliosServer;
const logs: string[] = [];
const streamLogs: string[] = [];
let instance: DuckDBInstance;
let source: NodeEventSource;

beforeAll(async () => {
  fx = await makeDayFixture();
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const root = new DataRoot(fx.root);
  const copy = join(await root.generationFolder(fx.day, fx.manifest.generation), REPLAY_COPY_FILE);
  await buildReplayCopy(instance, await dayParquetFiles(root, fx.day, fx.manifest), copy);
  const log = (m: string) => logs.push(m);
  server = await startHeliosServer({ dataRoot: root, host: '127.0.0.1', port: 0, token: null, live: null, instance, log });
  streamServer = await startHeliosServer({ dataRoot: root, host: '127.0.0.1', port: 0, token: null, live: null, instance, replayCopies: false, log: (m) => streamLogs.push(m) });
  source = await openNodeEventSource(fx.root, fx.day);
});

afterAll(async () => {
  await server?.close();
  await streamServer?.close();
  await source?.close();
  instance?.closeSync();
  await fx?.dispose();
});

const replayUrlOf = (s: HeliosServer) => `${s.url.replace('http', 'ws')}/replay?station=${fx.day.station_id}&date=${fx.day.date}`;
const ms = (e: AnyEvent) => Date.parse(e.ts_ingest_utc);

/** Every event a client received after its last backfill (the played part). */
function played(client: ProtocolClient, from = 0): AnyEvent[] {
  return client.messages.slice(from).flatMap((m) => (m.type === 'events' ? m.events : []));
}

const FROM_COPY = 'from its replay copy';
const MERGING = 'merging its Parquet files';
const paths: [string, () => HeliosServer, string[], string, string][] = [
  ['from its replay copy', () => server, logs, FROM_COPY, MERGING],
  ['merging its Parquet files (no copy)', () => streamServer, streamLogs, MERGING, FROM_COPY],
];

describe.each(paths)('helios serve: /replay, %s', (_name, serverOf, logsOf, logged, notLogged) => {
  const replayUrl = () => replayUrlOf(serverOf());

  it('greets with hello and the clock at the start of the day, before any subscription', async () => {
    const client = await ProtocolClient.connect(replayUrl());
    const hello = await client.next('hello');
    expect(hello).toMatchObject({ mode: 'replay', station_id: 'KLGA', date: fx.day.date, groups: [] });
    const clock = await client.next('clock');
    expect(clock.clock).toMatchObject({ current_ms: ms(fx.events[0]!), start_ms: ms(fx.events[0]!), end_ms: ms(fx.events.at(-1)!), playing: false });
    client.close();
  });

  it('plays the whole day at full speed: the backfill at the start, then every later event once, in order; the clock stops at end_ms', async () => {
    const client = await ProtocolClient.connect(replayUrl());
    client.send({ type: 'subscribe', groups: [...GROUPS] });
    client.send({ type: 'speed', speed: 10_000 });
    client.send({ type: 'play' });
    const backfill = await client.next('backfill');
    const end = ms(fx.events.at(-1)!);
    const stop = await client.next('clock', (m) => !m.clock.playing && m.clock.current_ms === end, 0, 60_000);
    expect(stop.clock.current_ms).toBe(end);
    const start = ms(fx.events[0]!);
    expect(backfill.at).toBe(new Date(start).toISOString());
    const afterStart = fx.events.filter((e) => ms(e) > start);
    const got = played(client);
    expect(got.length).toBe(afterStart.length);
    expect(got.map((e) => e.event_id)).toEqual(afterStart.map((e) => e.event_id));
    expect(got).toEqual(afterStart);
    client.close();
  });

  it('seeks: a new seek_id whose backfill rebuilds the state of playing the day up to that instant', async () => {
    const client = await ProtocolClient.connect(replayUrl());
    client.send({ type: 'subscribe', groups: [...GROUPS] });
    const first = await client.next('backfill');
    const metar = fx.events.find((e) => e.ch === 'metar_obs')!;
    const t = ms(metar) + 45_500;
    client.send({ type: 'seek', at: new Date(t).toISOString() });
    const seeked = await client.next('backfill', (m) => m.seek_id > first.seek_id);
    expect(seeked.at).toBe(new Date(t).toISOString());
    expect(seeked.events).toEqual(await source.backfill(t));
    expect(visible(applyEvents(emptyChannelState(), seeked.events))).toEqual(visible(stateByPlaying(fx.events, t)));
    const clock = await client.next('clock', (m) => m.clock.current_ms === t);
    expect(clock.clock.playing).toBe(false);
    client.close();
  });

  it('steps one second forward by playing it through, and jumps to the next METAR', async () => {
    const client = await ProtocolClient.connect(replayUrl());
    client.send({ type: 'subscribe', groups: [...GROUPS] });
    const backfill = await client.next('backfill');
    const start = Date.parse(backfill.at);
    const before = client.messages.length;
    client.send({ type: 'step', target: 'second', direction: 1 });
    await client.next('clock', (m) => m.clock.current_ms === start + 1000, before);
    expect(played(client, before)).toEqual(fx.events.filter((e) => ms(e) > start && ms(e) <= start + 1000));

    const metarMs = ms(fx.events.find((e) => e.ch === 'metar_obs')!);
    client.send({ type: 'step', target: 'metar', direction: 1 });
    const atMetar = await client.next('backfill', (m) => Date.parse(m.at) === metarMs);
    expect(atMetar.events.some((e) => e.ch === 'metar_obs' && ms(e) === metarMs)).toBe(true);
    client.close();
  });

  it('sends only the subscribed groups: exactly their events, from a seek that falls between two events', async () => {
    const client = await ProtocolClient.connect(replayUrl());
    const t = ms(fx.events[Math.floor(fx.events.length / 3)]!) + 250;
    client.send({ type: 'seek', at: new Date(t).toISOString() });
    client.send({ type: 'subscribe', groups: ['world', 'windows'] });
    client.send({ type: 'speed', speed: 10_000 });
    client.send({ type: 'play' });
    await client.next('clock', (m) => !m.clock.playing && m.clock.current_ms === ms(fx.events.at(-1)!), 0, 60_000);
    const wanted = new Set(['event_windows', 'metar_obs', 'pws_cluster']);
    const channels = new Set([...(await client.next('backfill')).events, ...played(client)].map((e) => e.ch));
    expect([...channels].sort()).toEqual([...wanted]);
    expect(played(client)).toEqual(fx.events.filter((e) => wanted.has(e.ch) && ms(e) > t));
    client.close();
  });

  it(`says in its log where the events came from (${logged})`, () => {
    expect(logsOf.some((m) => m.includes(logged))).toBe(true);
    expect(logsOf.filter((m) => m.includes(notLogged))).toEqual([]);
  });

  it('answers a bad command with an error naming the field, and stays up', async () => {
    const client = await ProtocolClient.connect(replayUrl());
    client.send({ type: 'speed', speed: 20_000 });
    const error = await client.next('error');
    expect(error.message).toMatch(/speed/);
    client.ws.send('{"type":"seek","at":"yesterday"}');
    expect((await client.next('error', (m) => m !== error)).message).toMatch(/at/);
    client.ws.send('not json');
    await client.next('error', (m) => /not JSON/.test(m.message));
    client.send({ type: 'subscribe', groups: ['world'] });
    await client.next('backfill');
    expect(client.closed).toBeNull();
    client.close();
  });

});

describe('helios serve: /replay of a day that is not there', () => {
  it('refuses an unknown day with an error and a close', async () => {
    const client = await ProtocolClient.connect(`${server.url.replace('http', 'ws')}/replay?station=KLGA&date=1999-01-01`);
    expect((await client.next('error')).message).toMatch(/no compacted day KLGA 1999-01-01/);
    expect((await client.waitClosed()).code).toBe(1008);
  });
});

describe('helios serve: HTTP', () => {
  it('lists the days with their manifests', async () => {
    const res = await fetch(`${server.url}/days`);
    const days = (await res.json()) as Array<{ station_id: string; date: string; manifest: unknown }>;
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({ station_id: 'KLGA', date: fx.day.date });
    expect(days[0]!.manifest).toEqual(fx.manifest);
    expect(await (await fetch(`${server.url}/days/KLGA/${fx.day.date}`)).json()).toEqual(fx.manifest);
    expect((await fetch(`${server.url}/days/KLGA/1999-01-01`)).status).toBe(404);
  });

  it('serves a manifest-listed Parquet file whole and by byte range', async () => {
    const file = fx.manifest.channels.l2_snap_1s!.parts[0]!.file;
    const bytes = await readFile(join(new DataRoot(fx.root).parquetDayDir(fx.day), file));
    const url = `${server.url}/parquet/station=KLGA/date=${fx.day.date}/${file}`;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await fetch(url, { headers: { Range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);
    const tail = await fetch(url, { headers: { Range: 'bytes=-8' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 8))).toBe(true);
    expect((await fetch(url, { headers: { Range: `bytes=${bytes.length}-` } })).status).toBe(416);
  });

  it('serves a part of the generation the reader opened, and says to reopen the day once it is gone', async () => {
    const file = fx.manifest.channels.l2_snap_1s!.parts[0]!.file;
    const url = `${server.url}/parquet/station=KLGA/date=${fx.day.date}/${file}`;
    expect((await fetch(`${url}?generation=${fx.manifest.generation}`)).status).toBe(200);
    const gone = await fetch(`${url}?generation=${fx.manifest.generation + 7}`);
    expect(gone.status).toBe(409);
    expect(((await gone.json()) as { error: string }).error).toMatch(/compacted again.*reopen the day/);
  });

  it('serves nothing a manifest does not list', async () => {
    for (const path of [
      `/parquet/station=KLGA/date=${fx.day.date}/_manifest.json`,
      `/parquet/station=KLGA/date=${fx.day.date}/ch=l2_snap_1s/part-0001.parquet`,
      `/parquet/station=KLGA/date=${fx.day.date}/ch=l2_snap_1s/..%2F..%2F..%2Fetc%2Fpasswd.parquet`,
      '/parquet/station=..%2F..%2F/date=2026-01-29/ch=x/part-0000.parquet',
      '/etc/passwd',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect([400, 404], path).toContain(res.status);
    }
  });

  it('follows no link out of the data root', async () => {
    // a day folder inside the root that links to a folder outside it, holding a "part file"
    const outside = await mkdtemp(join(tmpdir(), 'helios-outside-'));
    await mkdir(join(outside, 'ch=l2_snap_1s'));
    await writeFile(join(outside, 'ch=l2_snap_1s', 'part-0000.parquet'), 'SECRET');
    const link = join(new DataRoot(fx.root).parquetStationDir('KLGA'), 'date=2030-01-01');
    await symlink(outside, link);
    try {
      const res = await fetch(`${server.url}/parquet/station=KLGA/date=2030-01-01/ch=l2_snap_1s/part-0000.parquet`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('SECRET');
    } finally {
      await rm(link);
      await rm(outside, { recursive: true });
    }
  });
});
