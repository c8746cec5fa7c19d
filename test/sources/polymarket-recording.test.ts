/**
 * The recorder fed by the Polymarket connector from a fake venue: the books it records stay equal
 * to the venue's through cuts without a close frame, 1008 closes and stale feeds, and malformed
 * frames are quarantined without stopping the connection.
 */
import { describe, expect, it } from 'vitest';
import { startRecording, type RecordingSession } from '../../src/services/recorder/session';
import { LiveSources } from '../../src/services/sources/live-sources';
import { parseLine } from '../../src/shared/registry';
import type { AnyEvent, EventOf } from '../../src/shared/schemas';
import { stationDate } from '../../src/shared/time';
import { readJournal } from '../recorder/journal-files';
import { FakeVenue } from './fake-upstreams';
import { cleanupAfterEach, fakeConfig, onCleanup, sleep, tempDir, until } from './helpers';

cleanupAfterEach();

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

interface Rig {
  venue: FakeVenue;
  sources: LiveSources;
  session: RecordingSession;
  root: string;
  /** Events as the live feed published them. */
  events: AnyEvent[];
  tokens: string[];
}

async function rig(fast: Parameters<typeof fakeConfig>[1] = {}): Promise<Rig> {
  const venue = await FakeVenue.start();
  onCleanup(() => venue.stop());
  const today = stationDate(Date.now(), 'KLGA');
  venue.listEvent(today);
  venue.listEvent(addDays(today, 1));
  const root = tempDir();
  const sources = await LiveSources.create({ config: fakeConfig({ venue }, fast), dataRoot: root, log: () => {} });
  const session = await startRecording({ dataRoot: root, source: sources, clock: sources.clock, config: { journal: { fsync: 'none' } } });
  onCleanup(() => session.stop().then(() => undefined)); // stop() is idempotent
  const events: AnyEvent[] = [];
  session.feed.subscribe(['l2', 'health'], (m) => {
    if (m.type === 'events') events.push(...m.events);
  });
  return { venue, sources, session, root, events, tokens: sources.info.tokens.map((t) => t.token_id) };
}

const bookEvents = (events: AnyEvent[], kind: string) => events.filter((e): e is EventOf<'book_events'> => e.ch === 'book_events' && e.kind === kind);

/** Every token has been resynced `n` times (BOOK_RESYNC_DONE). */
function resynced(events: AnyEvent[], tokens: string[], n: number): boolean {
  const done = bookEvents(events, 'BOOK_RESYNC_DONE');
  return tokens.every((t) => done.filter((e) => e.token_id === t).length >= n);
}

/** Random level changes on the venue: prices stay on their side of the book. */
function churn(venue: FakeVenue, tokens: string[], count: number, seed: number): void {
  let x = seed;
  const rnd = () => ((x = (x * 48271) % 2147483647) / 2147483647);
  for (let i = 0; i < count; i++) {
    const token = tokens[Math.floor(rnd() * tokens.length)]!;
    const top = venue.top(token, 1);
    const buy = rnd() < 0.5;
    const edge = buy ? top.bids[0]!.p : top.asks[0]!.p;
    const price = Math.round((edge + (buy ? -1 : 1) * Math.floor(rnd() * 6) * 0.01) * 100) / 100;
    if (price <= 0 || price >= 1) continue;
    const size = rnd() < 0.2 ? '0' : String(Math.round(rnd() * 500));
    const change: [string, 'BUY' | 'SELL', string, string] = [token, buy ? 'BUY' : 'SELL', String(price), size];
    // now and then both legs of the market in one price_change (the NO token is outside the cone)
    const no = rnd() < 0.3 ? venue.noOf(token) : null;
    venue.change(no ? [change, [no, buy ? 'SELL' : 'BUY', String(Math.round((1 - price) * 100) / 100), size]] : [change]);
  }
}

/** After stopping: the journal's last snapshot of each token. */
function lastSnapshots(root: string): Map<string, EventOf<'l2_snap_1s'>> {
  const last = new Map<string, EventOf<'l2_snap_1s'>>();
  for (const f of readJournal(root)) {
    for (const line of f.lines) {
      const parsed = parseLine(line);
      if (parsed.ok && parsed.event.ch === 'l2_snap_1s') last.set(parsed.event.token_id, parsed.event);
    }
  }
  return last;
}

async function expectBooksEqualVenue(r: Rig): Promise<void> {
  await sleep(1200); // a whole second of snapshots after the last change
  await r.session.stop();
  const last = lastSnapshots(r.root);
  for (const token of r.tokens) {
    const snap = last.get(token)!;
    expect(snap.book_ok, token).toBe(true);
    expect({ bids: snap.bids, asks: snap.asks }, token).toEqual(r.venue.top(token, 10));
  }
}

describe('recording the fake venue', () => {
  it('after a socket cut without a close frame: gap, reconnect, resubscribe, and the recorded books equal the venue’s', async () => {
    const r = await rig();
    await until(() => resynced(r.events, r.tokens, 1), 'every book from the first dump');
    churn(r.venue, r.tokens, 200, 1);
    await sleep(100);
    const cutAt = Date.now();
    r.venue.cut(); // TCP gone, no close frame
    churn(r.venue, r.tokens, 200, 2); // nobody hears these
    await until(() => resynced(r.events, r.tokens, 2), 'every book resynced after the reconnect');
    const reconnectMs = Date.now() - cutAt;
    expect(reconnectMs).toBeLessThan(3000);
    expect(r.venue.connections).toBe(2);
    const gaps = bookEvents(r.events, 'GAP_DETECTED');
    expect(new Set(gaps.map((g) => g.token_id))).toEqual(new Set(r.tokens));
    expect(gaps[0]!.detail).toMatch(/market connection down: closed 1006/);
    // the second socket subscribed everything again
    const subscribes = r.venue.received.filter((t) => t.includes('"type":"market"')).map((t) => JSON.parse(t).assets_ids);
    expect(subscribes).toEqual([r.tokens, r.tokens]);
    churn(r.venue, r.tokens, 100, 3);
    await expectBooksEqualVenue(r);
    expect(r.venue.booksRequests).toEqual([]); // the dumps did all the resyncing
  });

  it('a 1008 close is a gap too, and the next dump resyncs', async () => {
    const r = await rig();
    await until(() => resynced(r.events, r.tokens, 1), 'the first dump');
    r.venue.close1008();
    churn(r.venue, r.tokens, 50, 4);
    await until(() => resynced(r.events, r.tokens, 2), 'the resync after 1008');
    expect(bookEvents(r.events, 'GAP_DETECTED')[0]!.detail).toMatch(/closed 1008 no ping received/);
    await expectBooksEqualVenue(r);
  });

  it('a stale feed (no frame, no PONG for stale_s) is dropped and reconnected', async () => {
    const r = await rig({ stale_s: 0.6, ping_s: 0.1 });
    await until(() => resynced(r.events, r.tokens, 1), 'the first dump');
    r.venue.silent = true;
    churn(r.venue, r.tokens, 50, 5); // not sent: the feed is stale
    await until(() => bookEvents(r.events, 'GAP_DETECTED').length > 0, 'the stale gap');
    expect(bookEvents(r.events, 'GAP_DETECTED')[0]!.detail).toMatch(/stale: no frame for 0.6 s/);
    r.venue.silent = false;
    await until(() => resynced(r.events, r.tokens, 2), 'the resync after the stale feed');
    await expectBooksEqualVenue(r);
  });

  it('malformed frames are quarantined with their reason and the connection goes on', async () => {
    const r = await rig();
    await until(() => resynced(r.events, r.tokens, 1), 'the first dump');
    for (const bad of ['{"event_type":"price_change",', 'HELLO', '[{"event_type":"book"}]', '{"event_type":"price_change","market":"0x1","price_changes":[],"timestamp":"1"}']) {
      r.venue.broadcast(bad);
    }
    churn(r.venue, r.tokens, 50, 6);
    await sleep(300);
    expect(r.venue.connections).toBe(1);
    await expectBooksEqualVenue(r);
    const quarantined = readJournal(r.root, 'quarantine')
      .flatMap((f) => f.lines.map((l) => JSON.parse(l) as { source: string; reason: string }))
      .filter((q) => q.source === 'clob');
    expect(quarantined.map((q) => [q.source, q.reason.slice(0, 30)])).toEqual([
      ['clob', expect.stringMatching(/^not JSON/)],
      ['clob', 'unknown text frame (expected J'],
      ['clob', expect.stringMatching(/^CLOB message: /)],
      ['clob', expect.stringMatching(/^CLOB message: /)],
    ]);
  });
});
