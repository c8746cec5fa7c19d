/**
 * What discovery and the connectors deliver besides market data: listings that grow and shrink
 * the cone (the `markets` channel), resolutions, frames a source refused, and upstream states.
 */
import { describe, expect, it } from 'vitest';
import type { ListedMarket, SourceMessage, SourceStatus } from '../../src/services/sources/source';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import { parseEvent } from '../../src/shared/registry';
import { marketResolved, NYC_2026_09_29 } from './fixtures/venue-data';
import { A, B, harness, ladder, T0, TOKENS, Venue } from './helpers';

const DATE = '2026-01-29';
const [LOW, MID] = NYC_2026_09_29.buckets;

/** The 2026-09-29 event's rules and two buckets, listed as the market of DATE. */
function listing(overrides: Partial<ListedMarket> = {}): ListedMarket {
  return {
    market_date: DATE,
    event_id: NYC_2026_09_29.event_id,
    slug: NYC_2026_09_29.slug,
    title: NYC_2026_09_29.title,
    rules: NYC_2026_09_29.description,
    resolution_source: NYC_2026_09_29.resolutionSource,
    tokens: NYC_2026_09_29.buckets.map((b) => ({ token_id: b.yes, market_id: b.conditionId, bucket: b.groupItemTitle, market_date: DATE })),
    ...overrides,
  };
}
const listed = (at: number, market: ListedMarket): SourceMessage => ({ kind: 'market_listed', received_ms: at, market });
const iso = (ms: number) => new Date(ms).toISOString();

describe('dynamic cone and the markets channel', () => {
  it('a listing adds its YES tokens: snapshots from the next second, book_ok=false and a book request until their first book', () => {
    const h = harness();
    h.recorder.advanceTo(T0);
    h.recorder.ingest(listed(T0 + 1_500, listing()));
    expect(h.requests).toEqual([A, B, LOW.yes, MID.yes]);
    h.recorder.advanceTo(T0 + 2_000);
    const at2 = h.of('l2_snap_1s').filter((s) => s.ts_ingest_utc === iso(T0 + 2_000));
    expect(at2.map((s) => [s.token_id, s.bucket, s.book_ok])).toEqual([
      [A, '34-35°F', false],
      [B, '36-37°F', false],
      [LOW.yes, '63°F or below', false],
      [MID.yes, '64-65°F', false],
    ]);
    expect(h.of('book_events').filter((e) => e.token_id === LOW.yes).map((e) => e.kind)).toEqual(['BOOK_RESYNC_START']);
    const l = ladder(0.5);
    h.recorder.ingest(new Venue().bookMessage(LOW.yes, T0 + 2_300, l.bids, l.asks));
    h.recorder.advanceTo(T0 + 3_000);
    expect(h.of('l2_snap_1s').filter((s) => s.token_id === LOW.yes).map((s) => s.book_ok)).toEqual([false, true]);
  });

  it('records a listing with its rules verbatim once; a repeat records nothing; changed rules are recorded again', () => {
    const h = harness();
    h.recorder.ingest(listed(T0 + 100, listing()));
    h.recorder.ingest(listed(T0 + 60_000, listing()));
    h.recorder.ingest(listed(T0 + 120_000, listing({ rules: NYC_2026_09_29.description + '\n\nClarification: SPECIs count.' })));
    const markets = h.of('markets');
    expect(markets.map((e) => [e.kind, e.ts_ingest_utc, e.detail])).toEqual([
      ['listed', iso(T0 + 100), 'listed, 2 bucket token(s)'],
      ['listed', iso(T0 + 120_000), 'listing changed: rules'],
    ]);
    expect(markets[0]).toMatchObject({
      market_date: DATE,
      venue_event_id: '1090393',
      slug: NYC_2026_09_29.slug,
      title: NYC_2026_09_29.title,
      rules: NYC_2026_09_29.description,
      resolution_source: 'https://www.weather.gov/wrh/timeseries?site=klga',
      tokens: [
        { token_id: LOW.yes, market_id: LOW.conditionId, bucket: '63°F or below' },
        { token_id: MID.yes, market_id: MID.conditionId, bucket: '64-65°F' },
      ],
    });
    for (const e of markets) expect(parseEvent(JSON.parse(JSON.stringify(e))).ok).toBe(true);
  });

  it('an unlisting takes the market’s tokens out of the cone: no more snapshots, their messages ignored', () => {
    const h = harness();
    h.recorder.ingest(listed(T0 + 100, listing()));
    h.recorder.advanceTo(T0 + 1_000);
    h.recorder.ingest({ kind: 'market_unlisted', received_ms: T0 + 1_500, market_date: DATE, detail: 'local midnight' });
    const l = ladder(0.5);
    h.recorder.ingest(new Venue().bookMessage(LOW.yes, T0 + 1_600, l.bids, l.asks));
    h.recorder.advanceTo(T0 + 3_000);
    expect(new Set(h.of('l2_snap_1s').filter((s) => s.ts_ingest_utc > iso(T0 + 1_500)).map((s) => s.token_id))).toEqual(new Set([A, B]));
    expect(h.of('markets').at(-1)).toMatchObject({ kind: 'unlisted', market_date: DATE, detail: 'local midnight', tokens: [{ token_id: LOW.yes }, { token_id: MID.yes }] });
    expect(h.recorder.stats().ignored).toBe(1);
  });

  it('records the venue’s resolution of a followed bucket market once, also after the market left the cone', () => {
    const h = harness();
    h.recorder.ingest(listed(T0 + 100, listing()));
    h.recorder.ingest({ kind: 'market_unlisted', received_ms: T0 + 200, market_date: DATE, detail: 'day over' });
    const clob = (at: number, m: unknown): SourceMessage => ({ kind: 'clob', received_ms: at, message: m as never });
    h.recorder.ingest(clob(T0 + 300, marketResolved(LOW.conditionId, [LOW.yes, LOW.no], LOW.no, 'No')));
    h.recorder.ingest(clob(T0 + 400, marketResolved(MID.conditionId, [MID.yes, MID.no], MID.yes, 'Yes')));
    h.recorder.ingest(clob(T0 + 500, marketResolved(MID.conditionId, [MID.yes, MID.no], MID.yes, 'Yes'))); // repeated
    h.recorder.ingest(clob(T0 + 600, marketResolved('0xnot-ours', ['1', '2'], '1', 'Yes')));
    const resolved = h.of('markets').filter((e) => e.kind === 'resolved');
    expect(resolved.map((e) => [e.market_date, e.market_id, e.bucket, e.winning_outcome, e.winning_asset_id === e.token_id])).toEqual([
      [DATE, LOW.conditionId, '63°F or below', 'No', false],
      [DATE, MID.conditionId, '64-65°F', 'Yes', true],
    ]);
    const state = applyEvents(emptyChannelState(), h.events);
    expect(state.markets[DATE]).toMatchObject({ unlisted: true, winner: '64-65°F', listing: { rules: NYC_2026_09_29.description } });
    expect(Object.keys(state.markets[DATE]!.resolutions)).toEqual([LOW.conditionId, MID.conditionId]);
  });

  it('rejects a malformed listing with the field named, and keeps the cone as it was', () => {
    const h = harness();
    h.recorder.ingest(listed(T0 + 100, listing({ market_date: '29 Jan', tokens: [] })));
    h.recorder.ingest(listed(T0 + 200, listing({ tokens: [{ token_id: 'x', market_id: 'm', bucket: '1°F', market_date: '2026-01-30' }] })));
    expect(h.rejections.map((r) => r.reason)).toEqual([
      expect.stringMatching(/market listing: market_date: .*; tokens: /),
      expect.stringContaining('tokens.0.market_date: token of 2026-01-30 listed under 2026-01-29'),
    ]);
    h.recorder.advanceTo(T0 + 2_000);
    expect(new Set(h.of('l2_snap_1s').map((s) => s.token_id))).toEqual(new Set([A, B]));
  });

  it('after a restart, a listing already in the journal records nothing but still fills the cone', () => {
    const first = harness();
    first.recorder.ingest(listed(T0 + 100, listing()));
    const recorded = first.of('markets');
    const h = harness({}, T0 + 3_600_000, { history: { metars: [], markets: recorded } });
    h.recorder.ingest(listed(T0 + 3_600_100, listing()));
    h.recorder.advanceTo(T0 + 3_601_000);
    expect(h.of('markets')).toEqual([]);
    expect(h.of('l2_snap_1s').map((s) => s.token_id)).toContain(LOW.yes);
  });
});

describe('what sources report besides messages', () => {
  it('quarantines a frame a source refused, with its reason, counted by upstream in health', () => {
    const h = harness({ healthIntervalMs: 2000 });
    h.recorder.sourceRejected({ source: 'clob', received_ms: T0 + 500, reason: 'not JSON: Unexpected token P', input: 'PONGG' });
    h.recorder.sourceRejected({ source: 'gamma', received_ms: T0 + 600, reason: 'HTTP 200 body: markets[3].clobTokenIds: expected a JSON array', input: '{…}' });
    h.recorder.advanceTo(T0 + 2_000);
    expect(h.rejections.map((r) => [r.source, r.at_ms, r.reason, r.input])).toEqual([
      ['clob', T0 + 500, 'not JSON: Unexpected token P', 'PONGG'],
      ['gamma', T0 + 600, 'HTTP 200 body: markets[3].clobTokenIds: expected a JSON array', '{…}'],
    ]);
    expect(h.of('health').at(-1)!.rejected).toEqual({ clob: 1, gamma: 1 });
  });

  it('keeps each upstream’s state for health, with its detail', () => {
    const h = harness({ healthIntervalMs: 2000 });
    const status = (source: string, state: SourceStatus['state'], detail: string | null, at: number): SourceStatus => ({ source, state, detail, at_ms: at });
    h.recorder.sourceStatus(status('metar', 'failing', 'HTTP 503, retry in 30 s', T0 + 100));
    h.recorder.sourceStatus(status('pws', 'not_configured', null, T0 + 100));
    h.recorder.sourceStatus(status('clob', 'connected', null, T0 + 200));
    h.recorder.advanceTo(T0 + 2_000);
    expect(h.of('health').at(-1)!.sources).toEqual([
      { source: 'clob', state: 'connected', detail: null },
      { source: 'metar', state: 'failing', detail: 'HTTP 503, retry in 30 s' },
      { source: 'pws', state: 'not_configured', detail: null },
    ]);
    expect(h.recorder.sources().map((s) => s.state)).toEqual(['connected', 'failing', 'not_configured']);
    h.recorder.sourceStatus({ source: 'clob', state: 'sleeping' as never, detail: null, at_ms: T0 + 2_100 });
    expect(h.rejections.at(-1)!.reason).toMatch(/^source status: state: /);
  });

  it('a clob feed reconnecting or stale is a connection drop: a gap on every book, fresh books once connected', () => {
    const run = (drop: (h: ReturnType<typeof harness>) => void, back: (h: ReturnType<typeof harness>) => void) => {
      const h = harness();
      const v = new Venue();
      const l = ladder(0.5);
      h.recorder.ingest(v.bookMessage(A, T0 + 100, l.bids, l.asks));
      h.recorder.ingest(v.bookMessage(B, T0 + 100, l.bids, l.asks));
      h.requests.length = 0;
      drop(h);
      const whileDown = [...h.requests];
      back(h);
      return { kinds: h.of('book_events').slice(4).map((e) => [e.token_id, e.kind, e.detail.replace(/:.*/, '')]), whileDown, requests: h.requests, stats: h.recorder.stats() };
    };
    const viaStatus = (state: 'reconnecting' | 'stale') =>
      run(
        (h) => h.recorder.sourceStatus({ source: 'clob', state, detail: 'no frame for 30 s', at_ms: T0 + 2_000 }),
        (h) => h.recorder.sourceStatus({ source: 'clob', state: 'connected', detail: null, at_ms: T0 + 4_000 }),
      );
    const viaMessage = run(
      (h) => h.recorder.ingest({ kind: 'clob_connection', received_ms: T0 + 2_000, state: 'down', detail: 'no frame for 30 s' }),
      (h) => h.recorder.ingest({ kind: 'clob_connection', received_ms: T0 + 4_000, state: 'up', detail: 'reconnected' }),
    );
    for (const state of ['reconnecting', 'stale'] as const) {
      const s = viaStatus(state);
      expect(s.kinds).toEqual([
        [A, 'GAP_DETECTED', 'market connection down'],
        [A, 'BOOK_RESYNC_START', 'connection lost'],
        [B, 'GAP_DETECTED', 'market connection down'],
        [B, 'BOOK_RESYNC_START', 'connection lost'],
      ]);
      expect(s.kinds).toEqual(viaMessage.kinds);
      expect([s.whileDown, s.requests]).toEqual([[], [A, B]]);
      expect(s.stats).toMatchObject({ gaps: 2, reconnects: 1 });
    }
  });
});
