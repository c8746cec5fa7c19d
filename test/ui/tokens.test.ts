import { describe, expect, test } from 'vitest';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import { orderTokens, tokenLabel } from '../../src/renderer/src/panels/tokens';
import { manifestOf } from './fake-backends';
import { BUCKETS, syntheticDay, TOKENS } from './synthetic-day';

const day = syntheticDay({ start_ms: Date.parse('2026-01-29T15:45:00.000Z'), minutes: 3 });
const channels = applyEvents(emptyChannelState(), day.events);
const ids = Object.keys(channels.books);

describe('token names and order', () => {
  test('replay: the manifest’s bucket order and labels, whatever the ids', () => {
    const tokens = manifestOf(day).tokens;
    expect([...ids].sort()).not.toEqual(TOKENS); // ids alone would order them differently
    expect(orderTokens(ids, { tokens, channels })).toEqual(TOKENS);
    expect(TOKENS.map((t) => tokenLabel(t, {}, tokens))).toEqual(BUCKETS); // known before any book
  });

  test('live: the latest nowcast’s bucket order, labels from the snapshots; unknown tokens last', () => {
    expect(orderTokens(ids, { tokens: [], channels })).toEqual(TOKENS);
    expect(TOKENS.map((t) => tokenLabel(t, channels.books, []))).toEqual(BUCKETS);
    // a nowcast listing the buckets the other way round reorders them
    const reversed = { ...channels, nowcast: { ...channels.nowcast!, p_bucket: [...channels.nowcast!.p_bucket].reverse() } };
    expect(orderTokens(ids, { tokens: [], channels: reversed })).toEqual([...TOKENS].reverse());
    // a token whose snapshots carry no bucket: after the others, by its shortened id
    const stranger = '7132000000000000000000000000000000000000000000000000000000002563';
    const books = { ...channels.books, [stranger]: { ...channels.books[TOKENS[0]!]!, token_id: stranger, bucket: null } };
    expect(orderTokens([stranger, ...ids], { tokens: [], channels: { ...channels, books } })).toEqual([...TOKENS, stranger]);
    expect(tokenLabel(stranger, books, [])).toBe('71320000…02563');
  });
});
