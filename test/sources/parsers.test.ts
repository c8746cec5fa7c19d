/** The pure halves of the connectors, on frames and responses in the shapes the real services send. */
import { describe, expect, it } from 'vitest';
import { parseIngestMessage } from '../../src/services/sources/ingest/protocol';
import { parseAwcResponse, parseIemCsv, ReportLog } from '../../src/services/sources/metar/reports';
import { parseBooksResponse } from '../../src/services/sources/polymarket/books';
import { parseClobFrame } from '../../src/services/sources/polymarket/frames';
import { eventSlug, eventUrl, parseGammaEvent } from '../../src/services/sources/polymarket/gamma';
import { PWS_PROVIDERS, pwsRequests } from '../../src/services/sources/pws/providers';
import { redactUrl } from '../../src/services/sources/raw-records';
import { retryAfterSeconds, Backoff } from '../../src/services/sources/http';
import { resolveSourcesConfig } from '../../src/services/sources/config';
import { NOWCAST_MESSAGE } from './helpers';
import {
  awcElement,
  BEST_BID_ASK_FRAME,
  DUMP_FRAME,
  EMPTY_BEST_FRAME,
  gammaEvent,
  IEM_CSV,
  marketResolvedFrame,
  newMarketFrame,
  PRICE_CHANGE_FRAME,
  REST_BOOK,
  TICK_SIZE_FRAME,
  TRADE_FRAME,
  FRAME_ASSETS,
} from './fixtures/captured';

const AT = 1_790_908_667_700;

describe('CLOB frames', () => {
  it('an array dump becomes one message per book, an unknown asset’s empty book included', () => {
    const out = parseClobFrame(DUMP_FRAME, AT);
    expect(out.rejections).toEqual([]);
    expect(out.messages.map((m) => [m.kind, m.received_ms, (m.message as { asset_id: string }).asset_id])).toEqual([
      ['clob', AT, FRAME_ASSETS.a],
      ['clob', AT, FRAME_ASSETS.b],
    ]);
    // passed on exactly as received (strings and all)
    expect(out.messages[0]!.message).toEqual(JSON.parse(DUMP_FRAME)[0]);
  });

  it('`[]`, PONG and NO NEW ASSETS are accepted and deliver nothing', () => {
    expect(parseClobFrame('[]', AT)).toEqual({ messages: [], rejections: [], control: null, newMarketSlugs: [] });
    expect(parseClobFrame('PONG', AT).control).toBe('PONG');
    expect(parseClobFrame('NO NEW ASSETS', AT)).toMatchObject({ messages: [], rejections: [], control: 'NO NEW ASSETS' });
  });

  it('every recorded event type passes through; new_market is only a hint', () => {
    for (const frame of [PRICE_CHANGE_FRAME, EMPTY_BEST_FRAME, TRADE_FRAME, TICK_SIZE_FRAME, BEST_BID_ASK_FRAME, marketResolvedFrame('0x25f9', [FRAME_ASSETS.c, FRAME_ASSETS.a], FRAME_ASSETS.c)]) {
      const out = parseClobFrame(frame, AT);
      expect(out.rejections, frame).toEqual([]);
      expect(out.messages).toHaveLength(1);
    }
    const hint = parseClobFrame(newMarketFrame('highest-temperature-in-nyc-on-january-30-2026'), AT);
    expect(hint).toMatchObject({ messages: [], rejections: [], newMarketSlugs: ['highest-temperature-in-nyc-on-january-30-2026'] });
  });

  it('malformed frames are rejected with a reason and the good elements of an array still pass', () => {
    expect(parseClobFrame('{"event_type":"book",', AT).rejections[0]!.reason).toMatch(/^not JSON/);
    expect(parseClobFrame('HELLO', AT).rejections[0]!.reason).toMatch(/unknown text frame/);
    expect(parseClobFrame('', AT).rejections[0]!.reason).toBe('empty frame');
    expect(parseClobFrame('{"event_type":"gossip"}', AT).rejections[0]!.reason).toBe('unknown event_type "gossip"');
    const mixed = parseClobFrame(`[${JSON.parse(JSON.stringify(DUMP_FRAME)).slice(1, -1)}, 42, {"no":"type"}]`, AT);
    expect(mixed.messages).toHaveLength(2);
    expect(mixed.rejections.map((r) => r.reason)).toEqual(['element 2: expected a message object, got a number', 'element 3: event_type: expected a string, got nothing']);
  });
});

describe('Gamma discovery', () => {
  it('builds the slug with the lowercase month and an unpadded day', () => {
    expect(eventSlug('highest-temperature-in-nyc-on-{month}-{day}-{year}', '2026-09-05')).toBe('highest-temperature-in-nyc-on-september-5-2026');
    expect(eventUrl('https://gamma-api.polymarket.com/', 'x-{month}-{day}-{year}', '2026-01-29')).toBe('https://gamma-api.polymarket.com/events/slug/x-january-29-2026');
  });

  it('lists the YES token of every bucket in threshold order, v1 from clobTokenIds and v2 from positionIds', () => {
    for (const version of ['v1', 'v2'] as const) {
      const e = gammaEvent({ id: '4242', slug: 's', date: '2026-09-29', lowest: 63, buckets: 11, version, seed: 7 });
      const r = parseGammaEvent(JSON.stringify(e.body), '2026-09-29');
      if (!r.ok) throw new Error(r.reason);
      expect(r.market.tokens).toEqual(e.yes.map((y) => ({ token_id: y.token, market_id: y.market, bucket: y.bucket, market_date: '2026-09-29' })));
      expect(r.market.tokens[0]!.bucket).toBe('63°F or below');
      expect(r.market.tokens.at(-1)!.bucket).toBe('82°F or higher');
      expect(r.market).toMatchObject({ event_id: '4242', market_date: '2026-09-29', resolution_source: 'https://www.weather.gov/wrh/timeseries?site=klga' });
      expect(r.market.rules).toBe(e.body.description);
    }
  });

  it('also takes the /events?slug= array form; a bad market is rejected alone, a bad event whole', () => {
    const e = gammaEvent({ id: '1', slug: 's', date: '2026-09-29', lowest: 63, buckets: 4, seed: 1 });
    const markets = e.body.markets as Record<string, unknown>[];
    markets[1]!.clobTokenIds = '["only-one"';
    const r = parseGammaEvent(JSON.stringify([e.body]), '2026-09-29');
    if (!r.ok) throw new Error(r.reason);
    expect(r.market.tokens).toHaveLength(3);
    expect(r.rejected[0]!.reason).toMatch(/clobTokenIds: not a JSON-encoded array/);
    expect(parseGammaEvent('{"id":1}', '2026-09-29')).toMatchObject({ ok: false, reason: expect.stringMatching(/slug/) });
    expect(parseGammaEvent('<html>', '2026-09-29')).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) });
  });
});

describe('REST books', () => {
  it('POST /books answers books in the book shape minus event_type', () => {
    const out = parseBooksResponse(JSON.stringify([REST_BOOK]), AT);
    expect(out.messages).toEqual([{ kind: 'clob_rest_book', received_ms: AT, book: REST_BOOK }]);
    expect(parseBooksResponse('{"error":"x"}', AT).rejections[0]!.reason).toMatch(/expected an array/);
  });
});

describe('METAR responses', () => {
  const metar = 'KLGA 281051Z 02009KT 4SM -RA BR SCT009 BKN014 OVC019 15/14 A2979 RMK AO2 SLP088 P0001 T01500139';
  const speci = 'SPECI KLGA 281059Z 02009KT 4SM -RA BR SCT009 BKN014 OVC019 15/14 A2979 RMK AO2 P0000 T01500139 $';
  const cor = 'SPECI KLGA 281032Z COR 02008KT 5SM -RA BR BKN012 OVC019 15/14 A2980 RMK AO2 T01500139';

  it('aviationweather.gov JSON (newest first) becomes reports oldest first; 204 and [] are nothing', () => {
    const body = JSON.stringify([awcElement(speci, 1790593140, 'SPECI'), awcElement(metar, 1790592660, 'METAR'), awcElement(cor, 1790591520, 'SPECI')]);
    expect(parseAwcResponse(200, body).reports.map((r) => r.raw)).toEqual([cor, metar, speci]);
    expect(parseAwcResponse(204, '')).toEqual({ reports: [], rejections: [] });
    expect(parseAwcResponse(200, '[]')).toEqual({ reports: [], rejections: [] });
    expect(parseAwcResponse(200, '[{"rawOb":""}]').rejections[0]!.reason).toMatch(/report 0: rawOb/);
  });

  it('a repeat is not new, a COR is, and the same report from IEM (no SPECI prefix) is not', () => {
    const log = new ReportLog();
    const first = parseAwcResponse(200, JSON.stringify([awcElement(speci, 1790593140, 'SPECI'), awcElement(metar, 1790592660, 'METAR')])).reports;
    expect(log.fresh(first).map((r) => r.raw)).toEqual([metar, speci]);
    expect(log.fresh(first)).toEqual([]);
    expect(log.fresh([{ raw: cor, obs_time_ms: 1790591520_000 }]).map((r) => r.raw)).toEqual([cor]);
    expect(log.fresh([{ raw: speci.replace(/^SPECI /, ''), obs_time_ms: 1790593140_000 }])).toEqual([]);
  });

  it('IEM ASOS CSV', () => {
    const out = parseIemCsv(IEM_CSV);
    expect(out.rejections).toEqual([]);
    expect(out.reports.map((r) => [r.raw.slice(0, 17), new Date(r.obs_time_ms).toISOString()])).toEqual([
      ['KLGA 271651Z 0601', '2026-09-27T16:51:00.000Z'],
      ['KLGA 271720Z 0601', '2026-09-27T17:20:00.000Z'],
    ]);
    expect(parseIemCsv('station,valid,tmpf\n').rejections[0]!.reason).toMatch(/header/);
  });
});

describe('PWS providers', () => {
  const config = resolveSourcesConfig(
    { station: 'KLGA', polymarket: null, metar: null, pws: { provider: 'wunderground', key_env: 'WU_KEY', stations: ['KNYNEWYO1', 'KNYNEWYO2'] }, ingest: null },
    { WU_KEY: 'secret-key' },
  );

  it('Weather Underground: one request per station, key in the URL only (redacted for the record)', () => {
    const urls = pwsRequests(config.pws!, config.secrets, 'KLGA');
    expect(urls).toHaveLength(2);
    expect(urls[0]).toContain('/v2/pws/observations/current?stationId=KNYNEWYO1&format=json&units=e');
    expect(urls[0]).toContain('apiKey=secret-key');
    expect(redactUrl(urls[0]!)).not.toContain('secret-key');
    const body = JSON.stringify({ observations: [{ stationID: 'KNYNEWYO1', obsTimeUtc: '2026-01-29T17:50:00Z', epoch: 1769709000, imperial: { temp: 31.5, dewpt: 20 } }] });
    const out = PWS_PROVIDERS.wunderground.parse(
      [
        { url: 'u', status: 200, body },
        { url: 'u', status: 204, body: '' },
      ],
      'KLGA',
    );
    expect(out).toEqual({ readings: [{ pws_id: 'KNYNEWYO1', temp_f: 31.5, obs_time_ms: 1769709000_000 }], rejections: [] });
  });

  it('Synoptic: one radius request; the station itself and empty values are left out', () => {
    const body = JSON.stringify({
      SUMMARY: { RESPONSE_CODE: 1, RESPONSE_MESSAGE: 'OK' },
      STATION: [
        { STID: 'KLGA', OBSERVATIONS: { air_temp_value_1: { value: 30, date_time: '2026-01-29T17:51:00Z' } } },
        { STID: 'F1234', OBSERVATIONS: { air_temp_value_1: { value: 31.2, date_time: '2026-01-29T17:50:00Z' } } },
        { STID: 'E5678', OBSERVATIONS: { air_temp_value_1: { value: null, date_time: '2026-01-29T17:50:00Z' } } },
      ],
    });
    expect(PWS_PROVIDERS.synoptic.parse([{ url: 'u', status: 200, body }], 'KLGA').readings).toEqual([
      { pws_id: 'F1234', temp_f: 31.2, obs_time_ms: Date.parse('2026-01-29T17:50:00Z') },
    ]);
    const bad = JSON.stringify({ SUMMARY: { RESPONSE_CODE: -1, RESPONSE_MESSAGE: 'Invalid token' } });
    expect(PWS_PROVIDERS.synoptic.parse([{ url: 'u', status: 200, body: bad }], 'KLGA').rejections[0]!.reason).toBe('Synoptic: RESPONSE_CODE -1 Invalid token');
  });
});

describe('ingest messages', () => {
  const nowcast = NOWCAST_MESSAGE;

  it('a valid message is acked with its id; an invalid one gets an error naming the field', () => {
    const ok = parseIngestMessage(JSON.stringify({ id: 7, ...nowcast }), AT);
    if (!ok.ok) throw new Error(ok.reason);
    expect(ok.reply).toEqual({ type: 'ack', id: 7 });
    expect(ok.message).toMatchObject({ kind: 'nowcast', received_ms: AT, payload: { tmax_mean: NOWCAST_MESSAGE.tmax_mean } });
    const bad = parseIngestMessage(JSON.stringify({ id: 'x', ...nowcast, sigma: 'wide' }), AT);
    expect(bad).toMatchObject({ ok: false, reply: { type: 'error', id: 'x', field: 'sigma' } });
    expect(parseIngestMessage(JSON.stringify({ ch: 'pws_cluster' }), AT).reply).toMatchObject({ type: 'error', field: 'ch' });
    expect(parseIngestMessage('{', AT).reply).toMatchObject({ type: 'error', field: null, message: expect.stringMatching(/^not JSON/) });
  });
});

describe('helpers', () => {
  it('Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterSeconds('120')).toBe(120);
    expect(retryAfterSeconds(new Date(Date.UTC(2026, 0, 1, 0, 1)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(60);
    expect(retryAfterSeconds(null)).toBeNull();
  });

  it('backoff grows exponentially with jitter up to its cap and resets', () => {
    let r = 0;
    const b = new Backoff(100, 1000, () => (r = (r + 0.37) % 1));
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThan(100);
    expect(delays[3]).toBeGreaterThanOrEqual(400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    expect(delays.slice(5).every((d) => d >= 500)).toBe(true);
    b.reset();
    expect(b.next()).toBeLessThan(100);
  });
});
