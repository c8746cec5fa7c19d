/**
 * End to end through the recorder, on what the recorder side of #9 does with what the connectors
 * deliver: the cone following discovery (market_listed / market_unlisted), the markets' rules
 * recorded, "" best prices, tick_size_change, market_resolved, transaction_hash as trade id, and
 * the upstreams' states in health.
 */
import { describe, expect, it } from 'vitest';
import { startRecording, type RecordingSession } from '../../src/services/recorder/session';
import { LiveSources } from '../../src/services/sources/live-sources';
import { GROUPS } from '../../src/shared/channels';
import type { AnyEvent } from '../../src/shared/schemas';
import { localDayBoundsUtc, stationDate } from '../../src/shared/time';
import { FakeVenue } from './fake-upstreams';
import { marketResolvedFrame, NYC_RULES } from './fixtures/captured';
import { cleanupAfterEach, fakeConfig, onCleanup, sleep, tempDir, until } from './helpers';


cleanupAfterEach();

async function record(venue: FakeVenue, now?: () => number): Promise<{ session: RecordingSession; sources: LiveSources; events: AnyEvent[] }> {
  const root = tempDir();
  const config = fakeConfig({ venue });
  config.polymarket!.rediscover_s = 0.3;
  const sources = await LiveSources.create({ config, dataRoot: root, now, log: () => {} });
  const session = await startRecording({ dataRoot: root, source: sources, clock: sources.clock });
  onCleanup(() => session.stop());
  const events: AnyEvent[] = [];
  session.feed.subscribe(GROUPS, (m) => m.type === 'events' && events.push(...m.events));
  return { session, sources, events };
}

const snapshotsOf = (events: AnyEvent[], token: string) => events.filter((e) => e.ch === 'l2_snap_1s' && e.token_id === token);
const mentions = (events: AnyEvent[], text: string) => events.filter((e) => JSON.stringify(e).includes(text));

describe('recorder side of #9, fed by the connectors', () => {
  it('the cone grows when an event appears after the start and shrinks at local midnight; the rules are recorded', async () => {
    const venue = await FakeVenue.start();
    onCleanup(() => venue.stop());
    const day = '2026-03-07';
    const [, midnight] = localDayBoundsUtc(day, 'America/New_York');
    const offset = midnight - 4000 - Date.now();
    const { events, sources } = await record(venue, () => Date.now() + offset);
    expect(sources.info.tokens).toEqual([]); // nothing listed yet
    const yes = venue.listEvent(day, { rules: `${NYC_RULES} (test)` });
    await until(() => yes.every((y) => snapshotsOf(events, y.token).some((s) => (s as { book_ok: boolean }).book_ok)), 'snapshots of the listed tokens', 8000);
    expect(events.some((e) => Object.values(e).includes(`${NYC_RULES} (test)`))).toBe(true); // verbatim
    await until(() => Date.now() + offset > midnight + 1500, 'midnight');
    const after = events.filter((e) => Date.parse(e.ts_ingest_utc) > midnight + 1000);
    expect(yes.every((y) => !after.some((e) => e.ch === 'l2_snap_1s' && e.token_id === y.token))).toBe(true);
  });

  it('"" best bid, tick_size_change, transaction_hash and market_resolved', async () => {
    const venue = await FakeVenue.start();
    onCleanup(() => venue.stop());
    const yes = venue.listEvent(stationDate(Date.now(), 'KLGA'), { buckets: 2 });
    const { events, session } = await record(venue);
    await until(() => session.stats().recorder.resyncs >= 2, 'the dump');
    const token = yes[0]!.token;
    // empty the bid side: the venue reports best_bid ""
    for (const level of venue.top(token, 50).bids) venue.change([[token, 'BUY', String(level.p), '0']]);
    await sleep(300);
    expect(events.filter((e) => e.ch === 'book_events' && e.kind === 'GAP_DETECTED')).toEqual([]);

    venue.broadcast(JSON.stringify({ event_type: 'tick_size_change', asset_id: token, market: yes[0]!.market, old_tick_size: '0.01', new_tick_size: '0.001', timestamp: String(Date.now()) }), token);
    // the book is dropped and taken again from a fresh book (the connector asks POST /books)
    const resyncs = () => events.filter((e) => e.ch === 'book_events' && e.token_id === token);
    await until(() => resyncs().some((e) => (e as { kind: string }).kind === 'BOOK_RESYNC_START' && /tick/.test((e as { detail: string }).detail)), 'the book dropped after tick_size_change');
    await until(() => (resyncs().at(-1) as { kind?: string } | undefined)?.kind === 'BOOK_RESYNC_DONE', 'the book taken again');
    expect(venue.booksRequests.flat()).toContain(token);

    const hash = '0x5c3e0a4f2b1d9e8c7a6b5d4c3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f';
    venue.broadcast(
      JSON.stringify({ asset_id: token, event_type: 'last_trade_price', fee_rate_bps: '0', market: yes[0]!.market, price: '0.456', side: 'BUY', size: '10', timestamp: String(Date.now()), transaction_hash: hash }),
      token,
    );
    await until(() => events.some((e) => e.ch === 'tape_trades' && e.trade_id === hash), 'the trade with its transaction hash');

    venue.broadcast(marketResolvedFrame(yes[0]!.market, [token, yes[0]!.no], token), token);
    await until(() => mentions(events, token).some((e) => e.ch !== 'l2_snap_1s' && JSON.stringify(e).includes('winning')), 'the resolution recorded', 5000);
  });

  it('health carries each upstream’s state', async () => {
    const venue = await FakeVenue.start();
    onCleanup(() => venue.stop());
    venue.listEvent(stationDate(Date.now(), 'KLGA'));
    const { events } = await record(venue);
    await until(() => events.some((e) => e.ch === 'health' && /"clob"/.test(JSON.stringify(e)) && /connected/.test(JSON.stringify(e))), 'a health record naming clob connected', 8000);
    expect(events.some((e) => e.ch === 'health' && JSON.stringify(e).includes('not_configured'))).toBe(true);
  });
});
