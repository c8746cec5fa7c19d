/**
 * Property tests over the venue parsers: thousands of malformed frames and responses — random
 * text, random JSON, and real frames broken one field at a time — never throw, and each malformed
 * CLOB frame ends up rejected with a reason (by the connector's parser or by the recorder it feeds).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveRecordingConfig } from '../../src/services/recorder/config';
import { Recorder, type Rejection } from '../../src/services/recorder/recorder';
import { RecordDecoder } from '../../src/services/sources/decode';
import { parseIngestMessage } from '../../src/services/sources/ingest/protocol';
import { parseAwcResponse, parseIemCsv } from '../../src/services/sources/metar/reports';
import { parseBooksResponse } from '../../src/services/sources/polymarket/books';
import { parseClobFrame } from '../../src/services/sources/polymarket/frames';
import { parseGammaEvent } from '../../src/services/sources/polymarket/gamma';
import { PWS_PROVIDERS } from '../../src/services/sources/pws/providers';
import { rawRecord } from '../../src/services/sources/raw-records';
import { DUMP_FRAME, FRAME_ASSETS, PRICE_CHANGE_FRAME, REST_BOOK, TICK_SIZE_FRAME, TRADE_FRAME, gammaEvent } from './fixtures/captured';

const AT = 1_790_908_667_700;
const RUNS = 2000;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Real frames, one message each (the dump's first book). */
const VALID: Record<string, Record<string, Json>> = {
  book: JSON.parse(DUMP_FRAME)[0],
  price_change: JSON.parse(PRICE_CHANGE_FRAME),
  last_trade_price: JSON.parse(TRADE_FRAME),
  tick_size_change: JSON.parse(TICK_SIZE_FRAME),
};

/** Fields whose absence or corruption makes a message unusable, per type (paths into the message). */
const REQUIRED: Record<string, string[][]> = {
  book: [['asset_id'], ['market'], ['bids'], ['asks'], ['timestamp'], ['bids', '0', 'price'], ['asks', '1', 'size']],
  price_change: [['market'], ['price_changes'], ['timestamp'], ['price_changes', '0', 'asset_id'], ['price_changes', '1', 'price'], ['price_changes', '0', 'size'], ['price_changes', '1', 'side']],
  last_trade_price: [['asset_id'], ['price'], ['size'], ['side'], ['timestamp']],
  tick_size_change: [['asset_id'], ['new_tick_size'], ['timestamp']],
};

const notADecimal = fc.constantFrom('abc', 'NaN', '0x10', '--1', ' ', '1,5', '∞', '.', '-');
const wrongType: fc.Arbitrary<Json> = fc.oneof(fc.constant(null), fc.boolean(), fc.constant<Json>({}), fc.constant<Json>(['x']), fc.integer({ min: 1 }).map((n) => ({ n })));

function setPath(root: Record<string, Json>, path: string[], value: Json | undefined): void {
  let node = root as Record<string, Json> | Json[];
  for (const key of path.slice(0, -1)) node = (node as Record<string, Json>)[key] as Record<string, Json>;
  const last = path.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1, null as unknown as Json);
    else delete node[last];
  } else (node as Record<string, Json>)[last] = value;
}

/** A real message with one required field removed, of the wrong type, or (for numbers and sides) garbage. */
const brokenMessage: fc.Arbitrary<{ type: string; message: Record<string, Json> }> = fc
  .constantFrom(...Object.keys(VALID))
  .chain((type) =>
    fc.record({
      type: fc.constant(type),
      path: fc.constantFrom(...REQUIRED[type]!),
      how: fc.oneof(fc.constant<'drop'>('drop'), wrongType.map((v) => ({ value: v })), notADecimal.map((v) => ({ value: v as Json }))),
    }),
  )
  .map(({ type, path, how }) => {
    const message = structuredClone(VALID[type]!);
    const last = path.at(-1)!;
    const textual = ['asset_id', 'market', 'bids', 'asks', 'price_changes'].includes(last);
    // garbage text is still a valid id; for textual fields use a value of the wrong type instead
    const value = how === 'drop' ? undefined : textual && typeof how.value === 'string' ? 42 : how.value;
    setPath(message, path, value);
    return { type, message };
  });

const brokenFrame: fc.Arbitrary<string> = fc.oneof(
  // one broken message, alone or inside a dump array
  brokenMessage.map((b) => JSON.stringify(b.message)),
  fc.tuple(brokenMessage, fc.boolean()).map(([b, first]) => JSON.stringify(first ? [b.message, VALID.book] : [VALID.book, b.message])),
  // an unknown event_type, or none usable
  fc.string({ minLength: 1 }).filter((t) => !['book', 'price_change', 'last_trade_price', 'tick_size_change', 'best_bid_ask', 'market_resolved', 'new_market'].includes(t)).map((t) => JSON.stringify({ ...VALID.book, event_type: t })),
  wrongType.map((t) => JSON.stringify({ ...VALID.book, event_type: t })),
  // a real frame cut short (a proper prefix of a JSON object or array is never JSON)
  fc.tuple(fc.constantFrom(DUMP_FRAME, PRICE_CHANGE_FRAME, TRADE_FRAME), fc.double({ min: 0.05, max: 0.99, noNaN: true })).map(([f, at]) => f.slice(0, Math.floor(f.length * at))),
  // scalars and text that are not frames
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)).map((v) => JSON.stringify(v)),
  fc.string().filter((t) => !['PONG', 'NO NEW ASSETS', '[]'].includes(t.trim()) && !/^\s*[[{]/.test(t)),
);

function recorderFor(rejections: Rejection[]): Recorder {
  const assets = Object.values(FRAME_ASSETS);
  return new Recorder({
    station_id: 'KLGA',
    tokens: assets.map((token_id) => ({ token_id, market_id: 'm', bucket: 'b' })),
    config: resolveRecordingConfig(),
    startMs: AT - 5000,
    emit: () => {},
    reject: (r) => rejections.push(r),
  });
}

describe('venue parsers under malformed input', () => {
  it('a malformed CLOB frame never crashes the parser or the recorder and is always rejected with a reason', () => {
    const recorderRejections: Rejection[] = [];
    const recorder = recorderFor(recorderRejections);
    let t = AT;
    fc.assert(
      fc.property(brokenFrame, (text) => {
        const before = recorderRejections.length;
        const out = parseClobFrame(text, ++t);
        for (const m of out.messages) recorder.ingest(m, t);
        const reasons = [...out.rejections.map((r) => r.reason), ...recorderRejections.slice(before).map((r) => r.reason)];
        expect(reasons.length).toBeGreaterThan(0);
        for (const reason of reasons) expect(reason).toMatch(/\S/);
        for (const r of out.rejections) expect(r.input).not.toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('valid frames of the fixtures are not rejected (the property above is not vacuous)', () => {
    const rejections: Rejection[] = [];
    const recorder = recorderFor(rejections);
    for (const text of [DUMP_FRAME, PRICE_CHANGE_FRAME, TRADE_FRAME, TICK_SIZE_FRAME]) {
      const out = parseClobFrame(text, AT);
      expect(out.rejections).toEqual([]);
      for (const m of out.messages) recorder.ingest(m, AT);
    }
    expect(rejections).toEqual([]);
  });

  it('arbitrary text and JSON: no parser throws', () => {
    const anyText = fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.string({ unit: 'binary' }));
    const decoder = new RecordDecoder('KLGA');
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 599 }), (text, status) => {
        parseClobFrame(text, AT);
        parseGammaEvent(text, '2026-09-29');
        parseBooksResponse(text, AT);
        parseAwcResponse(200, text);
        parseIemCsv(text);
        parseIngestMessage(text, AT);
        PWS_PROVIDERS.wunderground.parse([{ url: 'u', status, body: text }], 'KLGA');
        PWS_PROVIDERS.synoptic.parse([{ url: 'u', status, body: text }], 'KLGA');
        for (const src of ['books', 'gamma', 'metar'] as const) {
          const record = rawRecord.parse({ t: AT, n: 0, src, type: 'http', api: 'awc', market_date: '2026-09-29', url: 'u', status, body: text });
          decoder.decode(record);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('Gamma events broken one field at a time are rejected with a reason, never half-listed silently', () => {
    const e = gammaEvent({ id: '1', slug: 's', date: '2026-09-29', lowest: 63, buckets: 3, seed: 3 }).body;
    const fields = ['id', 'slug', 'markets', 'markets.0.conditionId', 'markets.1.outcomes', 'markets.2.clobTokenIds', 'markets.0.groupItemTitle'];
    fc.assert(
      fc.property(fc.constantFrom(...fields), wrongType, fc.boolean(), (field, value, drop) => {
        const broken = structuredClone(e) as Record<string, Json>;
        setPath(broken, field.split('.'), drop ? undefined : value);
        const r = parseGammaEvent(JSON.stringify(broken), '2026-09-29');
        if (r.ok) {
          // only a market was broken: it is left out, with its reason
          expect(r.rejected.length).toBe(1);
          expect(r.rejected[0]!.reason).toMatch(/^Gamma market \d/);
          expect(r.market.tokens).toHaveLength(2);
        } else expect(r.reason).toMatch(/^Gamma event/);
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /books answers with broken books reach the recorder as rejections with a reason', () => {
    const rejections: Rejection[] = [];
    const recorder = recorderFor(rejections);
    fc.assert(
      fc.property(fc.constantFrom('asset_id', 'bids', 'asks', 'timestamp', 'market'), wrongType, (field, value) => {
        const before = rejections.length;
        const out = parseBooksResponse(JSON.stringify([{ ...REST_BOOK, asset_id: FRAME_ASSETS.a, [field]: value }]), AT);
        for (const m of out.messages) recorder.ingest(m, AT);
        const reasons = [...out.rejections.map((r) => r.reason), ...rejections.slice(before).map((r) => r.reason)];
        expect(reasons).toHaveLength(1);
        expect(reasons[0]).toMatch(/\S/);
      }),
      { numRuns: 500 },
    );
  });
});
