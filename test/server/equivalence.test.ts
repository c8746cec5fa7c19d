/**
 * Logical equivalence (docs/spec.md §7, docs/architecture.md "Server"): what a client saw on /live while a
 * day was recorded is what /replay plays of that day once it is compacted — the same events
 * (event_id, channel, payload: the whole event), in the same order. Only the batching into
 * `events` messages may differ.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS } from '../../src/shared/channels';
import type { AnyEvent } from '../../src/shared/schemas';
import { stationDate } from '../../src/shared/time';
import { compactDay } from '../../src/services/compactor';
import { DataRoot } from '../../src/services/data-root';
import { startRecording } from '../../src/services/recorder/session';
import { SimulatorSource } from '../../src/services/sources/simulator';
import { startHeliosServer, type HeliosServer } from '../../src/services/server/server';
import { ProtocolClient } from './helpers';

let root: string;
let instance: DuckDBInstance;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'helios-equivalence-'));
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
});

afterAll(async () => {
  instance?.closeSync();
  await rm(root, { recursive: true, force: true });
});

const ms = (e: AnyEvent) => Date.parse(e.ts_ingest_utc);
const eventsOf = (client: ProtocolClient, from = 0) => client.messages.slice(from).flatMap((m) => (m.type === 'events' ? m.events : []));

it('replaying a compacted session through /replay gives exactly the events /live streamed while it was recorded', async () => {
  const dataRoot = new DataRoot(root);
  // 12:50:30 New York, 30× real time: the 12:51 METAR, its event window with book deltas, trades.
  const start = Date.parse('2026-01-20T17:50:30Z');
  const source = new SimulatorSource({ station: 'KLGA', seed: 3, tokens: 6, start, speed: 30 });
  const recording = await startRecording({ dataRoot, source, clock: source.clock });
  let server: HeliosServer | null = null;
  try {
    server = await startHeliosServer({ dataRoot, host: '127.0.0.1', port: 0, token: null, live: { station_id: 'KLGA', feed: recording.feed }, instance });
    await new Promise((r) => setTimeout(r, 500)); // the client joins a recording under way: a real backfill
    const live = await ProtocolClient.connect(`${server.url.replace('http', 'ws')}/live`);
    live.send({ type: 'subscribe', groups: [...GROUPS] });
    await live.next('backfill');
    while (source.clock.now() < start + 150_000) await new Promise((r) => setTimeout(r, 100));
    const stats = await recording.stop();
    await new Promise((r) => setTimeout(r, 200)); // the last live batch
    live.close();
    expect(Object.values(stats.journal.dropped).reduce((a, b) => a + b, 0)).toBe(0); // nothing shed: the journal has it all

    const date = stationDate(start, 'KLGA');
    await compactDay({ dataRoot, station: 'KLGA', date });

    const streamed = eventsOf(live);
    // From the first whole millisecond after the client joined to the last one it saw complete.
    const from = ms(streamed[0]!) + 1;
    const to = ms(streamed.at(-1)!);
    const liveRange = streamed.filter((e) => ms(e) >= from && ms(e) < to);

    const replay = await ProtocolClient.connect(`${server.url.replace('http', 'ws')}/replay?station=KLGA&date=${date}`);
    replay.send({ type: 'subscribe', groups: [...GROUPS] });
    const first = await replay.next('backfill');
    const mark = replay.messages.length;
    replay.send({ type: 'seek', at: new Date(from - 1).toISOString() });
    await replay.next('backfill', (m) => m.seek_id > first.seek_id, mark);
    replay.send({ type: 'speed', speed: 10_000 });
    replay.send({ type: 'play' });
    const end = await replay.next('clock', (m) => !m.clock.playing && m.clock.current_ms === m.clock.end_ms, mark, 60_000);
    expect(end.clock.end_ms).toBeGreaterThanOrEqual(to);
    const replayRange = eventsOf(replay, mark).filter((e) => ms(e) >= from && ms(e) < to);
    replay.close();

    const channels = new Set(liveRange.map((e) => e.ch));
    expect(liveRange.length).toBeGreaterThan(1000);
    for (const ch of ['l2_snap_1s', 'l2_deltas', 'metar_obs', 'health', 'pws_cluster']) expect(channels, ch).toContain(ch);
    expect(replayRange.map((e) => `${e.ch} ${e.event_id}`)).toEqual(liveRange.map((e) => `${e.ch} ${e.event_id}`));
    expect(replayRange).toEqual(liveRange);
  } finally {
    await server?.close();
    await recording.stop();
  }
}, 120_000);
