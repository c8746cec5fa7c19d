/** The Polymarket connector against a fake venue on 127.0.0.1: discovery, subscription, dumps, REST resyncs. */
import { describe, expect, it } from 'vitest';
import { localDayBoundsUtc, stationDate } from '../../src/shared/time';
import { FakeVenue } from './fake-upstreams';
import { LiveSources } from '../../src/services/sources/live-sources';
import type { SourceMessage } from '../../src/services/sources/source';
import { cleanupAfterEach, CollectingSink, fakeConfig, onCleanup, sleep, startSources as run, until } from './helpers';

cleanupAfterEach();

async function venue(): Promise<FakeVenue> {
  const v = await FakeVenue.start();
  onCleanup(() => v.stop());
  return v;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const bookAssets = (sink: CollectingSink) =>
  new Set(sink.of('clob').flatMap((m) => ((m.message as { event_type: string }).event_type === 'book' ? [(m.message as { asset_id: string }).asset_id] : [])));

describe('Polymarket connector', () => {
  it('lists today’s and tomorrow’s markets, subscribes their YES tokens, takes the dump and keeps the socket alive with PING', async () => {
    const v = await venue();
    const today = stationDate(Date.now(), 'KLGA');
    const yesToday = v.listEvent(today, { version: 'v2' });
    const yesTomorrow = v.listEvent(addDays(today, 1));
    const { sources, sink } = await run({ config: fakeConfig({ venue: v }) });

    // the session starts with both days' tokens in its cone, each saying its market date
    expect(sources.info.tokens.map((t) => [t.token_id, t.market_date])).toEqual([
      ...yesToday.map((y) => [y.token, today]),
      ...yesTomorrow.map((y) => [y.token, addDays(today, 1)]),
    ]);
    const listed = sink.of('market_listed');
    expect(listed.map((m) => m.market.market_date)).toEqual([today, addDays(today, 1)]);
    expect(listed[0]!.market.rules).toMatch(/LaGuardia Airport Station/);

    await until(() => bookAssets(sink).size === 8, 'the dump of all 8 tokens');
    expect(JSON.parse(v.received[0]!)).toEqual({ assets_ids: sources.info.tokens.map((t) => t.token_id), type: 'market', custom_feature_enabled: true });
    expect(sink.of('clob_connection').map((m) => m.state)).toEqual(['up']);
    await until(() => v.received.includes('PING'), 'a PING');
    expect(sink.state('clob')).toMatchObject({ state: 'connected' });
    expect(sink.state('gamma')).toMatchObject({ state: 'connected' });
    expect([...v.userAgents].every((ua) => ua.startsWith('HELIOS-Tape/'))).toBe(true);
  });

  it('at local midnight unlists the day that ended, lists the new one and changes the subscription on the open socket', async () => {
    const v = await venue();
    const day = '2026-03-07';
    const [, midnight] = localDayBoundsUtc(day, 'America/New_York');
    const offset = midnight - 1500 - Date.now(); // the session clock starts 1.5 s before midnight
    const d0 = v.listEvent(day);
    v.listEvent(addDays(day, 1));
    const d2 = v.listEvent(addDays(day, 2));
    const { sink } = await run({ config: fakeConfig({ venue: v }), now: () => Date.now() + offset });
    await until(() => bookAssets(sink).size === 8, 'the first dump');

    await until(() => sink.of('market_unlisted').length === 1 && sink.of('market_listed').length >= 4, 'the midnight switch', 8000);
    const unlisted = sink.of('market_unlisted')[0]!;
    expect(unlisted).toMatchObject({ market_date: day });
    expect(unlisted.received_ms).toBeGreaterThanOrEqual(midnight);
    expect(sink.of('market_listed').map((m) => m.market.market_date).sort()).toEqual([day, addDays(day, 1), addDays(day, 1), addDays(day, 2)].sort());
    await until(() => v.received.some((t) => t.includes('"operation":"subscribe"')), 'the subscribe operation');
    const ops = v.received.filter((t) => t.includes('"operation"')).map((t) => JSON.parse(t));
    expect(ops).toContainEqual({ assets_ids: d0.map((y) => y.token), operation: 'unsubscribe' });
    expect(ops).toContainEqual({ assets_ids: d2.map((y) => y.token), operation: 'subscribe', custom_feature_enabled: true });
    await until(() => d2.every((y) => bookAssets(sink).has(y.token)), 'the new day’s dump');
    expect(v.connections).toBe(1); // the same socket all along
  });

  it('a failing Gamma request is retried with backoff and reported as failing meanwhile', async () => {
    const v = await venue();
    const today = stationDate(Date.now(), 'KLGA');
    v.listEvent(today);
    v.listEvent(addDays(today, 1));
    v.gammaFailures = 3;
    const { sink } = await run({ config: fakeConfig({ venue: v }) });
    await until(() => sink.of('market_listed').length === 2, 'both markets after the retries', 8000);
    const gamma = sink.statuses.filter((s) => s.source === 'gamma');
    expect(gamma.some((s) => s.state === 'failing' && /HTTP 503; retry in/.test(s.detail ?? ''))).toBe(true);
    expect(gamma.at(-1)!.state).toBe('connected');
  });

  it('a book request waits for the dump and only asks POST /books for what the dump did not bring, batched and rate limited', async () => {
    const v = await venue();
    const today = stationDate(Date.now(), 'KLGA');
    const yes = v.listEvent(today, { buckets: 6 });
    v.listEvent(addDays(today, 1));
    const missing = yes.slice(0, 3).map((y) => y.token);
    for (const t of missing) v.notInDump.add(t);
    const config = fakeConfig({ venue: v }, { dump_wait_ms: 400 });
    config.polymarket!.books_batch = 2;
    config.polymarket!.books_per_10s = 1;
    const { sources, sink } = await run({ config });
    // the recorder asks for every book it does not have, right away
    for (const t of sources.info.tokens) sources.requestBook(t.token_id);
    await until(() => v.booksRequests.length === 1, 'the first POST /books');
    expect(v.booksRequests[0]).toEqual(missing.slice(0, 2));
    await until(() => sink.of('clob_rest_book').length === 2, 'the two REST books');
    await sleep(500);
    expect(v.booksRequests).toHaveLength(1); // the third waits for the 10 s window
    expect(sink.statuses.some((s) => s.source === 'books' && /rate limit: 1 requests in 10 s/.test(s.detail ?? ''))).toBe(true);
    expect(sink.of('clob_rest_book').map((m) => m.book.asset_id)).toEqual(missing.slice(0, 2));
  });
});

describe('a burst of frames', () => {
  it('is taken in slices: the event loop keeps turning and every frame is delivered, in order', async () => {
    const v = await venue();
    const today = stationDate(Date.now(), 'KLGA');
    const [yes] = v.listEvent(today, { buckets: 1 });
    // a sink that costs what the recorder does per message (~40 µs), and counts the messages it
    // takes between two turns of the event loop (a 1 ms timer marks each turn); a count, not a
    // duration, so a loaded machine does not change it
    let sinceTurn = 0;
    let most = 0;
    const sink = new (class extends CollectingSink {
      override push(message: SourceMessage): void {
        const until = performance.now() + 0.04;
        while (performance.now() < until);
        most = Math.max(most, ++sinceTurn);
        super.push(message);
      }
    })();
    const sources = await LiveSources.create({ config: fakeConfig({ venue: v }), log: () => {} });
    await sources.start(sink);
    onCleanup(() => sources.stop());
    await until(() => bookAssets(sink).size === 1, 'the dump');
    const before = sink.of('clob').length;
    const ticker = setInterval(() => (sinceTurn = 0), 1);
    const frames = 30_000;
    for (let i = 0; i < frames; i++) v.broadcast(JSON.stringify({ event_type: 'best_bid_ask', market: yes!.market, asset_id: yes!.token, best_bid: '0.1', best_ask: '0.2', spread: '0.1', timestamp: String(i) }));
    sinceTurn = most = 0;
    await until(() => sink.of('clob').length - before === frames, 'every frame', 30_000);
    clearInterval(ticker);
    // ~1 ms slices of ~40 µs messages: a few dozen per turn; taken as they are read, a read burst is thousands
    expect(most).toBeLessThan(200);
    const stamps = sink.of('clob').slice(before).map((m) => Number((m.message as { timestamp: string }).timestamp));
    expect(stamps).toEqual(stamps.slice().sort((a, b) => a - b));
  }, 60_000);
});
