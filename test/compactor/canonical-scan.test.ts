/**
 * The compactor's whole-line patterns accept only what the registry accepts: for every channel
 * that has patterns, lines built from valid events and then mutated at random (characters
 * replaced, inserted, deleted; values swapped for other JSON values; keys repeated, reordered,
 * added) are accepted by `scanLine` only when `parseLine` accepts them as current-version events
 * whose values are exactly the line's — so the fast path can change the compactor's speed, never
 * its verdicts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { learnLine, scanLine, SCANNED_CHANNELS } from '../../src/services/compactor/canonical-scan';
import { parseLine } from '../../src/shared/registry';
import { CHANNEL_COLUMNS } from '../../src/shared/columns';
import type { Channel } from '../../src/shared/channels';
import { sampleEvents } from '../fixtures/events';

const events = sampleEvents();
const base = (ch: Channel) => JSON.stringify(events[ch]);

/** The verdict the fast path must agree with: accepted, current version, and the line's own values. */
function registryAccepts(line: string): boolean {
  const parsed = parseLine(line);
  if (!parsed.ok || parsed.upgradedFrom !== null) return false;
  // an identity schema returns its input: equal to the line's JSON unless keys were dropped or repeated
  return isDeepStrictEqual(parsed.event, JSON.parse(line)) && !/\\/.test(line);
}

function fits32(line: string, ch: Channel): boolean {
  const event = objectOf(line)!;
  return CHANNEL_COLUMNS[ch].filter((c) => c.type === 'int').every((c) => event[c.name] == null || Math.abs(event[c.name] as number) <= 2 ** 31 - 1);
}

const JSON_VALUES = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-0', '1', '1.0', '0.5', '1.5', '-1', '-1.5', '2', '1e3', '1E-3', '1e999', '-1e999', '2147483648', '2147483647', '9007199254740993', '01', '.5', '0.', '""', '"x"', '"\\u0041"', '"é"', '"𝄞"', '"a\\"b"', '[]', '[1]', '{}', '{"a":1}', '"2026-01-29T17:53:02.114Z"', '"KLGA"', '"bid"'),
  fc.double().map((d) => JSON.stringify(d) ?? 'null'),
  fc.integer().map(String),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  // strings around the schemas' length bounds, counted in UTF-16 units as JS (and zod) count them
  fc.tuple(fc.constantFrom(0, 1, 3, 5, 6, 63, 64, 65, 199, 200, 201, 2000, 2001), fc.constantFrom('x', 'é', '𝄞', '7')).map(([n, c]) => JSON.stringify(c.repeat(n).slice(0, n))),
);

/** The line's JSON object, or null when the text is no longer one. */
function objectOf(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** One random edit of a line's text (structural edits apply while it is still a JSON object). */
const edit = (line: string) =>
  fc.oneof(
    fc.tuple(fc.nat(line.length - 1), fc.string({ minLength: 1, maxLength: 3 })).map(([at, s]) => line.slice(0, at) + s + line.slice(at + 1)),
    fc.tuple(fc.nat(line.length - 1), fc.string({ minLength: 1, maxLength: 3 })).map(([at, s]) => line.slice(0, at) + s + line.slice(at)),
    fc.tuple(fc.nat(line.length - 1), fc.integer({ min: 1, max: 4 })).map(([at, n]) => line.slice(0, at) + line.slice(at + n)),
    fc.tuple(fc.nat(1000), JSON_VALUES).map(([k, value]) => {
      const keys = Object.keys(objectOf(line) ?? {});
      if (!keys.length) return line;
      const key = keys[k % keys.length]!;
      return line.replace(new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}":(?:"[^"]*"|\\[[^\\]]*\\]|\\{[^}]*\\}|[^,}]*)`), () => `"${key}":${value}`);
    }),
    fc.tuple(fc.nat(1000), JSON_VALUES).map(([k, value]) => {
      const keys = Object.keys(objectOf(line) ?? {});
      return keys.length ? line.replace(/\}$/, () => `,"${keys[k % keys.length]}":${value}}`) : line;
    }),
    JSON_VALUES.map((value) => line.replace(/\}$/, () => `,"extra":${value}}`)),
    fc.nat(1000).map((k) => {
      const event = objectOf(line);
      if (!event) return line;
      const keys = Object.keys(event);
      const { [keys[k % keys.length]!]: _dropped, ...rest } = event;
      return JSON.stringify(rest);
    }),
    fc.nat(1000).map((k) => {
      const event = objectOf(line);
      if (!event) return line;
      const keys = Object.keys(event);
      const key = keys[k % keys.length]!;
      const { [key]: moved, ...rest } = event;
      return JSON.stringify({ ...rest, [key]: moved });
    }),
    fc.constant(line.replace(/,/, ', ')),
  );

describe('whole-line patterns', () => {
  it('exist for the bulk channels (their schemas use only what they understand)', () => {
    expect(SCANNED_CHANNELS).toEqual(expect.arrayContaining(['l2_snap_1s', 'l2_deltas', 'tape_trades']));
  });

  it.each(SCANNED_CHANNELS)('accept only what parseLine accepts as is — %s', (ch) => {
    const line = base(ch);
    learnLine(line);
    expect(scanLine(line)).toMatchObject({ ch, event_id: events[ch].event_id, ts_ingest_utc: events[ch].ts_ingest_utc, station_id: 'KLGA' });
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(fc.constant(null), { maxLength: 3 }).chain((n) => n.reduce((arb) => arb.chain(edit), fc.constant(line)).chain(edit)), (mutated) => {
        // orders learnt from the registry's verdicts, as the compactor learns them
        if (registryAccepts(mutated) && fits32(mutated, ch)) learnLine(mutated);
        const scanned = scanLine(mutated);
        if (scanned === null) return;
        accepted++;
        expect(registryAccepts(mutated), mutated).toBe(true);
        expect(fits32(mutated, ch), mutated).toBe(true);
        const event = JSON.parse(mutated) as Record<string, string>;
        expect(scanned).toEqual({ ch, event_id: event.event_id, ts_ingest_utc: event.ts_ingest_utc, station_id: event.station_id });
      }),
      { numRuns: 4000, seed: 20261203 },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('judge a whole event as its own refinements do (a crossed book must not be trusted)', () => {
    const l2 = base('l2_snap_1s');
    learnLine(l2);
    fc.assert(
      fc.property(fc.double({ min: -1, max: 1, noNaN: true }), fc.boolean(), (spread, ok) => {
        const line = l2.replace('"spread":0.04', `"spread":${JSON.stringify(spread)}`).replace('"book_ok":true', `"book_ok":${ok}`);
        // taken exactly when the registry accepts it, as long as the spread is a plain decimal (no exponent)
        expect(scanLine(line) !== null, line).toBe(registryAccepts(line) && /"spread":-?(?:0(?:\.\d+)?|1(?:\.0+)?),/.test(line));
      }),
      { numRuns: 500, seed: 20261203 },
    );
  });

  it('leave to the registry what it must judge', () => {
    const l2 = base('l2_snap_1s');
    learnLine(l2);
    const variants = [
      l2.replace('"seq":12', '"seq":12.5'), // not an integer
      l2.replace('"seq":12', '"seq":2147483648'), // beyond the 32-bit column
      l2.replace('"mid":0.5', '"mid":1e-1'), // valid, but not a form the pattern takes
      l2.replace('"mid":0.5', '"mid":1.5'), // out of range
      l2.replace('"station_id":"KLGA"', '"station_id":"klga"'),
      l2.replace('"bucket":"30-31°F"', '"bucket":"30-31\\u00b0F"'), // an escape
      l2.replace('"book_ok":true', '"book_ok":true,"book_ok":false'), // a repeated key
      l2.replace('{', '{ '), // whitespace
      l2.replace(/"schema_version":\d+/, '"schema_version":1'), // an older version: upgraded by the registry
      l2.replace('"spread":0.04', '"spread":-0.04'), // a crossed book flagged as trusted: the event's own refinement
    ];
    for (const v of variants) expect(scanLine(v), v).toBeNull();
    // the same crossed book flagged untrusted is valid, and the pattern takes it
    expect(scanLine(l2.replace('"spread":0.04', '"spread":-0.04').replace('"book_ok":true', '"book_ok":false'))).not.toBeNull();
  });
});
