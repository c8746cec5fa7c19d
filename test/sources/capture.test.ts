/**
 * The raw capture: a live recording of the fake upstreams across local midnight, its capture
 * gzipped when the day closes, played back through the recorder into another data root — the same
 * journal events, in the same order, at the same instants.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRecording } from '../../src/services/recorder/session';
import { captureFiles } from '../../src/services/sources/capture/raw-capture';
import { recordCapture } from '../../src/services/sources/capture/capture-source';
import { LiveSources } from '../../src/services/sources/live-sources';
import { parseLine } from '../../src/shared/registry';
import type { AnyEvent } from '../../src/shared/schemas';
import { localDayBoundsUtc } from '../../src/shared/time';
import { readJournal } from '../recorder/journal-files';
import { FakeVenue, ScriptedHttp } from './fake-upstreams';
import { awcElement } from './fixtures/captured';
import { cleanupAfterEach, fakeConfig, onCleanup, sleep, tempDir, until } from './helpers';

cleanupAfterEach();

function journalEvents(root: string): AnyEvent[] {
  return readJournal(root).flatMap((f) =>
    f.lines.map((l) => {
      const p = parseLine(l);
      if (!p.ok) throw new Error(p.reason);
      return p.event;
    }),
  );
}

/**
 * Events without `health` (it describes the recording process: queue depths, latencies), with
 * event/correlation/window ids numbered by first appearance (they are random UUIDs).
 */
function comparable(events: AnyEvent[]): unknown[] {
  const ids = new Map<string, string>();
  const id = (v: unknown) => {
    if (typeof v !== 'string') return v;
    if (!ids.has(v)) ids.set(v, `#${ids.size}`);
    return ids.get(v);
  };
  return events
    .filter((e) => e.ch !== 'health')
    .map((e) => {
      const x = { ...e } as Record<string, unknown>;
      x.event_id = id(x.event_id);
      x.correlation_id = id(x.correlation_id);
      if ('window_id' in x) x.window_id = id(x.window_id);
      return x;
    });
}

function quarantined(root: string): { source: string; reason: string }[] {
  return readJournal(root, 'quarantine').flatMap((f) =>
    f.lines.map((l) => {
      const q = JSON.parse(l) as { source: string; reason: string };
      return { source: q.source, reason: q.reason };
    }),
  );
}

function metar(obsMs: number, tenths: number): string {
  const d = new Date(obsMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `KLGA ${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}Z 31012KT 10SM FEW250 0${Math.round(tenths / 10)}/M03 A3012 RMK AO2 T0${String(tenths).padStart(3, '0')}1033`;
}

describe('raw capture', () => {
  it('a recording across local midnight replays from its capture to identical journal events', async () => {
    const day = '2026-03-07';
    const [, midnight] = localDayBoundsUtc(day, 'America/New_York');
    const offset = midnight - 2000 - Date.now(); // the session starts 2 s before midnight
    const clock = () => Date.now() + offset;

    const venue = await FakeVenue.start();
    onCleanup(() => venue.stop());
    for (const d of ['2026-03-07', '2026-03-08', '2026-03-09']) venue.listEvent(d);
    const m1 = metar(midnight - 9 * 60_000, 21);
    const m2 = metar(midnight - 60_000, 18);
    const awc = await ScriptedHttp.start(({ index }) => ({
      status: index === 2 ? 503 : 200,
      body: JSON.stringify(index < 3 ? [awcElement(m1, (midnight - 9 * 60_000) / 1000, 'METAR')] : [awcElement(m2, (midnight - 60_000) / 1000, 'SPECI'), awcElement(m1, (midnight - 9 * 60_000) / 1000, 'METAR')]),
    }));
    onCleanup(() => awc.stop());

    const live = tempDir();
    const config = fakeConfig(
      { venue, metar: { url: awc.url('/api/data/metar') }, ingest: { port: 0, token_env: 'T' }, raw_capture: true },
      { poll_s: 0.4 },
      { T: 'tok' },
    );
    const sources = await LiveSources.create({ config, dataRoot: live, now: clock, log: () => {} });
    const session = await startRecording({ dataRoot: live, source: sources, clock: sources.clock, config: { journal: { fsync: 'none' } } });
    onCleanup(() => session.stop());
    const helios = new WebSocket(`ws://127.0.0.1:${sources.ingestPort}/`, { headers: { Authorization: 'Bearer tok' } });
    await new Promise((r) => helios.once('open', r));
    onCleanup(() => helios.terminate());

    await until(() => venue.openSockets === 1 && session.stats().recorder.resyncs >= 8, 'the first dump', 5000);
    const tokens = [...venue.books.keys()];
    let k = 0;
    const churn = setInterval(() => {
      const t = tokens[k++ % tokens.length]!;
      const best = venue.top(t, 1).bids[0];
      if (best) venue.change([[t, 'BUY', String(best.p), String(100 + (k % 50))]]);
      if (k % 40 === 0) venue.broadcast('{"event_type":"price_change",'); // a malformed frame now and then
    }, 5);
    onCleanup(() => clearInterval(churn));
    helios.send(JSON.stringify({ ch: 'features_1m', model_run: 'hrrr', features: { wind_kt: 10 }, staleness_s: { wind_kt: 30 } }));
    helios.send(JSON.stringify({ ch: 'nowcast_1m', tmax_mean: 'hot' }));
    await sleep(1200);
    venue.cut();
    await until(() => clock() > midnight + 1500 && session.stats().recorder.reconnects >= 1, 'midnight and a reconnect', 8000);
    clearInterval(churn);
    await sleep(300);
    const liveStats = await session.stop();
    expect(liveStats.errors).toBe(0);

    // the day that closed was compressed; today's files are still plain
    const files = (await captureFiles(join(live, 'raw'))).map((f) => f.slice(join(live, 'raw').length + 1));
    expect(files.filter((f) => f.includes('date=2026-03-07')).every((f) => f.endsWith('.ndjson.gz'))).toBe(true);
    expect(files.filter((f) => f.includes('date=2026-03-08')).every((f) => f.endsWith('.ndjson'))).toBe(true);
    // one file per upstream (`books` too when a REST resync happened)
    expect([...new Set(files.map((f) => f.split('/').at(-1)!.split('-')[0]))]).toEqual(expect.arrayContaining(['capture', 'clob', 'gamma', 'metar', 'ingest', 'status']));

    const replay = tempDir();
    const { stats } = await recordCapture({ dir: join(live, 'raw'), dataRoot: replay });
    const a = journalEvents(live);
    const b = journalEvents(replay);
    expect([...new Set(a.map((e) => e.ch))]).toEqual(expect.arrayContaining(['l2_snap_1s', 'l2_deltas', 'book_events', 'metar_obs', 'event_windows', 'features_1m', 'health']));
    expect(readdirSync(join(replay, 'journal', 'station=KLGA')).sort()).toEqual(['date=2026-03-07', 'date=2026-03-08']);
    expect(comparable(b)).toEqual(comparable(a));
    expect(b.filter((e) => e.ch !== 'health').map((e) => e.ts_ingest_utc)).toEqual(a.filter((e) => e.ch !== 'health').map((e) => e.ts_ingest_utc));
    expect(quarantined(replay)).toEqual(quarantined(live));
    expect(quarantined(live).map((q) => q.source)).toEqual(expect.arrayContaining(['clob', 'ingest']));
    expect(stats.recorder.gaps).toBe(liveStats.recorder.gaps);
  });
});
