import { describe, expect, it } from 'vitest';
import { parseEvent, parseLine } from '../../src/shared/registry';
import { CHANNELS } from '../../src/shared/channels';
import { CURRENT_VERSION, LEVEL_FIELDS, MAX_LEVELS, canonicalLevelsEnd, l2Snap1s } from '../../src/shared/schemas';
import { sampleEvents, T0, TOKEN, MARKET } from '../fixtures/events';
import { stamp } from '../../src/shared/envelope';

const good = sampleEvents();

/** One realistic way to break each channel, with the field the error must name. */
const BAD: Record<(typeof CHANNELS)[number], [string, (e: any) => void]> = {
  l2_snap_1s: ['bids.0.p', (e) => (e.bids[0].p = 1.5)],
  l2_deltas: ['side', (e) => (e.side = 'BUY')],
  tape_trades: ['s', (e) => (e.s = '12')],
  book_events: ['kind', (e) => (e.kind = 'RESYNC')],
  metar_obs: ['obs_time_utc', (e) => (e.obs_time_utc = '2026-01-29 17:51')],
  pws_cluster: ['qc_state', (e) => (e.qc_state = 'FINE')],
  features_1m: ['staleness_s.wind_kt', (e) => (e.staleness_s.wind_kt = -1)],
  nowcast_1m: ['p_bucket', (e) => (e.p_bucket[0].p = 0.2)],
  health: ['queue_depth', (e) => (e.queue_depth = 1.5)],
  event_windows: ['reason', (e) => (e.reason = 'LUNCH')],
  markets: ['market_date', (e) => (e.market_date = 'January 29')],
};

describe('registry: every channel', () => {
  for (const ch of CHANNELS) {
    it(`accepts a good ${ch} event and round-trips it through a journal line`, () => {
      const r = parseLine(JSON.stringify(good[ch]));
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.event).toEqual(good[ch]);
        expect(r.upgradedFrom).toBeNull();
      }
    });

    it(`rejects a broken ${ch} event naming the bad field`, () => {
      const [field, breakIt] = BAD[ch];
      const bad = structuredClone(good[ch]);
      breakIt(bad);
      const r = parseEvent(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.code).toBe('invalid');
        expect(r.reason).toContain(field);
      }
    });
  }

  it('checks every book level: size, price, shape; other keys inside a level are left alone', () => {
    const snap = good.l2_snap_1s as any;
    const withLevels = (asks: unknown) => parseEvent({ ...snap, asks });
    expect(withLevels([{ p: 0.52, s: -1 }])).toMatchObject({ ok: false, reason: expect.stringContaining('asks.0.s') });
    expect(withLevels([{ p: 0.52, s: 1 }, { p: '0.53', s: 1 }])).toMatchObject({ ok: false, reason: expect.stringContaining('asks.1.p') });
    expect(withLevels([[0.52, 1]])).toMatchObject({ ok: false, reason: expect.stringContaining('asks.0.p') });
    expect(withLevels({ p: 0.52, s: 1 })).toMatchObject({ ok: false, reason: expect.stringContaining('asks') });
    expect(withLevels(Array.from({ length: 201 }, () => ({ p: 0.5, s: 1 })))).toMatchObject({ ok: false });
    expect(withLevels([{ p: 0.52, s: 1, note: 'x' }]).ok).toBe(true);
  });

  it('rejects an event without the envelope', () => {
    const { event_id: _dropped, ...rest } = good.metar_obs;
    const r = parseEvent(rest);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('event_id');
  });
});

describe('registry: reasons for what it cannot take', () => {
  it.each([
    ['not JSON', '{"ch":"metar_obs",', 'not_json'],
    ['a torn line', JSON.stringify(good.l2_snap_1s).slice(0, 120), 'not_json'],
    ['an array', '[1,2]', 'not_object'],
    ['no ch', '{"schema_version":1}', 'missing_ch'],
    ['an unknown channel', '{"ch":"world","schema_version":1}', 'unknown_channel'],
    ['no schema_version', '{"ch":"metar_obs"}', 'missing_schema_version'],
  ])('%s', (_what, line, code) => {
    const r = parseLine(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe(code);
  });

  it('quarantines a future schema_version instead of guessing', () => {
    const r = parseEvent({ ...good.metar_obs, schema_version: CURRENT_VERSION.metar_obs + 1 });
    expect(r).toMatchObject({ ok: false, code: 'future_schema_version' });
    if (!r.ok) expect(r.reason).toBe(`metar_obs: schema_version ${CURRENT_VERSION.metar_obs + 1} is newer than supported ${CURRENT_VERSION.metar_obs}`);
  });
});

describe('registry: upgrades', () => {
  const v1 = {
    schema_version: 1,
    ch: 'l2_snap_1s',
    event_id: '019c0b7e-1a2b-7000-8000-00000000abcd',
    correlation_id: '019c0b7e-1a2b-7000-8000-00000000abcd',
    ts_ingest_utc: '2026-01-29T17:53:02.114Z',
    ts_nyc: '2026-01-29T12:53:02.114-05:00',
    ts_es: '2026-01-29T18:53:02.114+01:00',
    station_id: 'KLGA',
    market_id: MARKET,
    token_id: TOKEN,
    update_id: 881,
    bids: [
      [0.48, 30],
      [0.47, 100],
    ],
    asks: [[0.52, 10]],
  };

  it('reads the design note’s v1 L2 snapshot (tuple levels) as current with derived metrics', () => {
    const r = parseEvent(v1);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.upgradedFrom).toBe(1);
    expect(r.event).toMatchObject({
      schema_version: CURRENT_VERSION.l2_snap_1s,
      seq: 881,
      resync_epoch_id: 0,
      bids: [{ p: 0.48, s: 30 }, { p: 0.47, s: 100 }],
      asks: [{ p: 0.52, s: 10 }],
      best_bid: 0.48,
      best_ask: 0.52,
      spread: 0.04,
      book_ok: true,
    });
    if (r.event.ch === 'l2_snap_1s') expect(r.event.microprice).toBeCloseTo((0.48 * 10 + 0.52 * 30) / 40, 12);
  });

  it('rejects a broken v1 event with the v1 field named', () => {
    const r = parseEvent({ ...v1, bids: [[0.48]] });
    expect(r).toMatchObject({ ok: false, code: 'invalid' });
    if (!r.ok) expect(r.reason).toMatch(/^l2_snap_1s v1: bids\.0/);
  });
});

describe('docs/spec.md examples', () => {
  it('accepts the docs/spec.md §3 journal line shape (abbreviated METAR fields default to not reported)', () => {
    const line = {
      schema_version: 1,
      ch: 'metar_obs',
      event_id: '019c0b7e-1a2b-7000-8000-00000000abcd',
      correlation_id: '019c0b7e-1a2b-7000-8000-00000000abce',
      station_id: 'KLGA',
      obs_time_utc: '2026-01-29T17:51:00Z',
      ts_ingest_utc: '2026-01-29T17:53:02.114Z',
      ts_nyc: '2026-01-29T12:53:02.114-05:00',
      ts_es: '2026-01-29T18:53:02.114+01:00',
      raw: 'KLGA 291751Z 31012KT 10SM M02/M12 A3012 RMK AO2 T10221122',
      temp_c: -2,
      temp_c_precise: -2.2,
      judge_aligned_temp: 28,
      qc: 'OK',
    };
    const r = parseEvent(line);
    expect(r.ok).toBe(true);
    if (r.ok && r.event.ch === 'metar_obs') {
      expect(r.event.wind_kt).toBeNull();
      expect(r.event.clouds).toEqual([]);
      expect(r.event.report_type).toBe('METAR');
    }
  });
});

/** The values of an event's symbol properties: the ingest ms `stamp` attaches, and nothing else. */
const attachedMs = (e: object) => Object.getOwnPropertySymbols(e).map((s) => (e as Record<symbol, unknown>)[s]);

describe('stamp', () => {
  it('builds a complete envelope: UUIDv7 id, self-correlation, three clocks, its instant in ms attached', () => {
    const e = stamp('tape_trades', { station_id: 'KLGA', market_id: MARKET, token_id: TOKEN, p: 0.5, s: 1, side: null, trade_id: null }, T0);
    expect(attachedMs(e)).toEqual([T0]);
    expect(e.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.correlation_id).toBe(e.event_id);
    expect(e.ts_ingest_utc).toBe('2026-01-29T17:53:02.114Z');
    expect(e.ts_nyc).toBe('2026-01-29T12:53:02.114-05:00');
    expect(e.ts_es).toBe('2026-01-29T18:53:02.114+01:00');
  });

  it('names the millisecond a fractional instant falls in, in the text and in ms alike', () => {
    const e = stamp('tape_trades', { station_id: 'KLGA', market_id: MARKET, token_id: TOKEN, p: 0.5, s: 1, side: null, trade_id: null }, T0 + 0.875);
    expect(attachedMs(e)).toEqual([T0]);
    expect([e.ts_ingest_utc, e.ts_nyc]).toEqual(['2026-01-29T17:53:02.114Z', '2026-01-29T12:53:02.114-05:00']);
  });

  it('self-correlates even when the payload spells correlation_id: undefined', () => {
    const e = stamp('tape_trades', { station_id: 'KLGA', market_id: MARKET, token_id: TOKEN, p: 0.5, s: 1, side: null, trade_id: null, correlation_id: undefined }, T0);
    expect(e.correlation_id).toBe(e.event_id);
  });

  it('gives each of many events in one millisecond its own id and the same clocks', () => {
    const payload = { station_id: 'KLGA', market_id: MARKET, token_id: TOKEN, p: 0.5, s: 1, side: null, trade_id: null } as const;
    const a = stamp('tape_trades', payload, T0);
    const b = stamp('tape_trades', payload, T0);
    const c = stamp('tape_trades', payload, T0 + 3_600_000);
    expect(a.event_id).not.toBe(b.event_id);
    expect([a.ts_nyc, b.ts_nyc]).toEqual(['2026-01-29T12:53:02.114-05:00', '2026-01-29T12:53:02.114-05:00']);
    expect(c.ts_nyc).toBe('2026-01-29T13:53:02.114-05:00');
  });
});

describe('canonical book sides', () => {
  const side = l2Snap1s.shape.bids;
  const accepts = (text: string) => canonicalLevelsEnd(text, 0) === text.length;

  it('knows which fields hold book sides', () => {
    expect(LEVEL_FIELDS.l2_snap_1s).toEqual(['bids', 'asks']);
    expect(LEVEL_FIELDS.l2_deltas).toEqual([]);
  });

  it('accepts what JSON.stringify writes for valid sides, from where they start', () => {
    const valid = [[], [{ p: 0, s: 0 }], [{ p: 1, s: 12.5 }, { p: 0.47, s: 100 }], Array.from({ length: MAX_LEVELS }, (_, i) => ({ p: i / 1000, s: i * 7 }))];
    for (const levels of valid) {
      const text = JSON.stringify(levels);
      expect(accepts(text)).toBe(true);
      expect(canonicalLevelsEnd(`{"bids":${text},"x":1}`, 8)).toBe(8 + text.length);
    }
  });

  it('stops at the levels check’s limits: more than MAX_LEVELS levels, p above 1, sizes that overflow', () => {
    const levels = (n: number) => JSON.stringify(Array.from({ length: n }, () => ({ p: 0.5, s: 1 })));
    expect(accepts(levels(MAX_LEVELS))).toBe(true);
    expect(accepts(levels(MAX_LEVELS + 1))).toBe(false);
    expect(side.safeParse(JSON.parse(levels(MAX_LEVELS + 1))).success).toBe(false);
    expect(accepts('[{"p":1.01,"s":1}]')).toBe(false);
    expect(accepts(`[{"p":0.5,"s":${'9'.repeat(15)}.5}]`)).toBe(true);
    expect(accepts(`[{"p":0.5,"s":${'9'.repeat(16)}}]`)).toBe(false); // over 2^53: sizes stay safe integers
    expect(side.safeParse([{ p: 0.5, s: 2 ** 53 }]).success).toBe(false);
  });

  it('accepts nothing the levels check would reject (random sides, valid and not)', () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const numbers = ['0', '1', '0.5', '1.0', '1.5', '-0', '-0.1', '01', '0.', '.5', '1e-7', '2e3', '7', '123.45', '9'.repeat(300), '9'.repeat(301), '1' + '0'.repeat(400), 'NaN', 'null', '"0.5"', '0.99999999999999999999'];
    const level = () => {
      const p = numbers[Math.floor(random() * numbers.length)];
      const s = numbers[Math.floor(random() * numbers.length)];
      const forms = [`{"p":${p},"s":${s}}`, `{"s":${s},"p":${p}}`, `{"p":${p}}`, `{"p":${p},"s":${s},"x":1}`, `{"p": ${p},"s":${s}}`, `[${p},${s}]`, 'null'];
      return random() < 0.7 ? forms[0] : forms[Math.floor(random() * forms.length)];
    };
    let accepted = 0;
    for (let n = 0; n < 3000; n++) {
      const count = random() < 0.05 ? MAX_LEVELS + Math.floor(random() * 3) - 1 : Math.floor(random() * 4);
      const text = `[${Array.from({ length: count }, level).join(random() < 0.95 ? ',' : ', ')}]`;
      if (!accepts(text)) continue;
      accepted++;
      expect(side.safeParse(JSON.parse(text)).success, text).toBe(true);
    }
    expect(accepted).toBeGreaterThan(300);
  });
});
