import { describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLineChunks } from '../../src/services/compactor/journal-reader';
import { rowGroupSize } from '../../src/services/compactor';
import { schemaIsIdentity } from '../../src/services/compactor/schema-identity';
import { isoFromMicros, microsFromIso } from '../../src/shared/time';
import { int32Overflow } from '../../src/services/compactor/duckdb-columns';
import { CURRENT_SCHEMAS, CURRENT_VERSION } from '../../src/shared/schemas';
import { EventIdIndex } from '../../src/services/compactor/event-id-index';
import { validateChunk, CHANNEL_INDEX } from '../../src/services/compactor/validate-lines';
import { parseLine } from '../../src/shared/registry';
import { CHANNEL_COLUMNS } from '../../src/shared/columns';
import { localDayBoundsUtc } from '../../src/shared/time';
import { MARKET, TOKEN_A, event, line, snapshot, tempRoot } from './helpers';

describe('readLineChunks', () => {
  it('cuts only at newlines, numbers lines across chunks and flags an unterminated tail', async () => {
    const dir = tempRoot();
    try {
      const path = join(dir, 'j.ndjson');
      // Multi-byte characters straddle every 7-byte read; one line is longer than a chunk.
      const lines = ['{"a":"é€"}', '', '{"b":"𝄞𝄞𝄞𝄞𝄞𝄞"}', '{"c":1}', 'tail without newline'];
      writeFileSync(path, lines.join('\n'));
      const chunks = [];
      for await (const c of readLineChunks(path, 7)) chunks.push({ ...c, text: Buffer.from(c.bytes).toString('utf8') });
      expect(chunks.map((c) => c.text).join('')).toBe(lines.join('\n'));
      for (const c of chunks.slice(0, -1)) expect(c.text.endsWith('\n')).toBe(true);
      // Every line here is longer than a 7-byte read, so each chunk is exactly one line.
      expect(chunks.map((c) => [c.firstLine, c.text])).toEqual(lines.map((l, i) => [i + 1, i < lines.length - 1 ? `${l}\n` : l]));
      expect(chunks.map((c) => c.unterminatedTail)).toEqual(chunks.map((_, i) => i === chunks.length - 1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('row group size', () => {
  it('holds about 10 minutes of a channel, in 2048-row steps between 2048 and 10240 rows', () => {
    expect(rowGroupSize(6 * 86_400, 86_400_000)).toBe(2048); // 6 tokens at 1 Hz: 1800 rows / 5 min
    expect(rowGroupSize(8 * 86_400, 86_400_000)).toBe(4096); // 8 tokens at 1 Hz: 2400 rows / 5 min
    expect(rowGroupSize(20 * 86_400, 86_400_000)).toBe(4096); // capped
    expect(rowGroupSize(43_200, 86_400_000)).toBe(2048); // health every 2 s: floor
    expect(rowGroupSize(5, 0)).toBe(2048);
  });
});

describe('schemaIsIdentity', () => {
  it('passes bytes through only for schemas without defaults or transforms', () => {
    expect(schemaIsIdentity(CURRENT_SCHEMAS.l2_snap_1s)).toBe(true);
    expect(schemaIsIdentity(CURRENT_SCHEMAS.l2_deltas)).toBe(true);
    expect(schemaIsIdentity(CURRENT_SCHEMAS.nowcast_1m)).toBe(true);
    expect(schemaIsIdentity(CURRENT_SCHEMAS.metar_obs)).toBe(false); // report_type, clouds, qc … defaults
  });
});

describe('timestamps', () => {
  it('converts DuckDB microseconds to ISO and back, keeping sub-millisecond digits only when present', () => {
    expect(isoFromMicros(1769702582114000n)).toBe('2026-01-29T16:03:02.114Z');
    expect(isoFromMicros(1769702582114567n)).toBe('2026-01-29T16:03:02.114567Z');
    expect(microsFromIso('2026-01-29T16:03:02.114567Z')).toBe(1769702582114567);
    expect(microsFromIso('2026-01-29T16:03:02Z')).toBe(1769702582000000);
  });
});

describe('int32Overflow', () => {
  it('names the field that does not fit a 32-bit INTEGER column', () => {
    expect(int32Overflow('health', { reconnects: 1, gaps: 0, resyncs: 0, queue_depth: 2 ** 31 - 1, queue_bytes: 0, events_written: 0 })).toBeNull();
    expect(int32Overflow('health', { reconnects: 1, gaps: 0, resyncs: 0, queue_depth: 0, queue_bytes: 2 ** 31, events_written: 0 })).toBe('queue_bytes');
    expect(int32Overflow('metar_obs', { clouds: [{ cover: 'FEW', base_ft: 2 ** 40 }] })).toBe('clouds.base_ft');
  });
});

describe('EventIdIndex', () => {
  const words = (...ids: number[][]) => Uint32Array.from(ids.flat());

  it('finds every id it was given across growth, and no other', () => {
    const index = new EventIdIndex(4);
    // Ids that differ in one word only, including the nil UUID and sequential UUIDv7-like prefixes.
    const ids = Array.from({ length: 5000 }, (_, i) => [0x019c0a0d, 0xc3030000 + (i >> 2), i & 3 ? 0x80000000 + i : 0, i % 7]);
    const all = words(...ids);
    ids.forEach((_, i) => {
      expect(index.get(all, i * 4)).toBeUndefined();
      index.add(all, i * 4, i);
    });
    expect(index.size).toBe(5000);
    ids.forEach((_, i) => expect(index.get(all, i * 4)).toBe(i));
    expect(index.get(words([0x019c0a0d, 0xc3030000, 0, 1]), 0)).toBeUndefined();
    expect(index.get(words([0, 0, 0, 0]), 0)).toBeUndefined();
    index.add(words([0, 0, 0, 0]), 0, 7);
    expect(index.get(words([0, 0, 0, 0]), 0)).toBe(7);
  });
});

describe('validateChunk on L2 lines whose book sides it need not build', () => {
  const at = '2026-01-29T15:00:00.000Z';
  const base = line(snapshot(TOKEN_A, at, 0.5));
  const bids = '"bids":[{"p":0.49,"s":100},{"p":0.48,"s":250}]';
  const withBids = (replacement: string) => base.replace(bids, replacement);
  const levels = (n: number) => JSON.stringify(Array.from({ length: n }, () => ({ p: 0.49, s: 1 })));
  const { bids: _b, asks: _a, ...noLevels } = snapshot(TOKEN_A, at, 0.5) as Record<string, unknown>;
  const cases: [string, string][] = [
    ['canonical', base],
    ['spaces inside a side', withBids('"bids": [{"p": 0.49, "s": 100}]')],
    ['an exponent', withBids('"bids":[{"p":0.49,"s":1e3}]')],
    ['an extra key in a level', withBids('"bids":[{"p":0.49,"s":100,"x":1}]')],
    ['more levels than allowed', withBids(`"bids":${levels(201)}`)],
    ['a price above 1', withBids('"bids":[{"p":1.5,"s":100}]')],
    ['a canonical side, then the same key again, invalid', base.replace('"book_ok":true', '"book_ok":true,"bids":[{"p":2,"s":1}]')],
    ['an invalid side, then the same key again, canonical', withBids('"bids":[{"p":2,"s":1}]').replace('"book_ok":true', '"book_ok":true,"bids":[]')],
    ['a canonical side nested in an unknown key before an invalid one', withBids('"extra":{"bids":[{"p":0.5,"s":1}]},"bids":[{"p":-1,"s":1}]')],
    ['a canonical side missing its pair', line(noLevels).replace('"book_ok":true', '"book_ok":true,"bids":[]')],
    ['schema_version 1 with object levels', base.replace(`"schema_version":${CURRENT_VERSION.l2_snap_1s}`, '"schema_version":1')],
    ['an escaped character elsewhere', base.replace('"bucket":null', '"bucket":"34-35\\u00b0F"')],
    ['another channel with a stray side', line(event('tape_trades', { station_id: 'KLGA', market_id: MARKET, token_id: TOKEN_A, p: 0.5, s: 10, side: 'buy', trade_id: null }, at)).replace('}', ',"bids":[{"p":0.5,"s":1}]}')],
  ];

  it.each(cases)('gives parseLine’s verdict and DuckDB the registry’s event — %s', (_, raw) => {
    const [startMs, endMs] = localDayBoundsUtc('2026-01-29', 'America/New_York');
    const result = validateChunk({ seq: 0, bytes: Buffer.from(raw + '\n'), firstLine: 1, unterminatedTail: false, tailMode: 'quarantine' }, { station: 'KLGA', date: '2026-01-29', startMs, endMs });
    const expected = parseLine(raw);
    if (!expected.ok) {
      expect(result.rejected.map((r) => [r.code, r.reason])).toEqual([[expected.code, expected.reason]]);
      return;
    }
    expect(result.rejected).toEqual([]);
    // What DuckDB reads from the spool line — the channel's columns — is the registry's event.
    const ch = expected.event.ch;
    const columns = (value: Record<string, unknown>) => Object.fromEntries(CHANNEL_COLUMNS[ch].map((c) => [c.name, value[c.name]]));
    const spool = JSON.parse(Buffer.from(result.spools[CHANNEL_INDEX.get(ch)!]!).toString('utf8'));
    expect(columns(spool)).toEqual(columns(JSON.parse(JSON.stringify(expected.event))));
  });

  it('covers both verdicts', () => {
    expect(cases.map(([, raw]) => parseLine(raw).ok)).toEqual([true, true, true, true, false, false, false, true, false, false, false, true, true]);
  });
});
