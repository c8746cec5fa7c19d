import { describe, expect, it } from 'vitest';
import { compactDay } from '../../src/services/compactor';
import { TOKEN_A, TOKEN_B, MARKET, event, journalDir, line, snapshot, tempRoot, writeJournalFile } from './helpers';

const TOKEN_C = '3333333333333333333333333333333333333333333333333333333333333333333333333333';

describe('manifest tokens', () => {
  it('lists every token with its bucket, in the nowcast’s bucket order, unlabelled last', async () => {
    const root = tempRoot();
    const nowcast = event(
      'nowcast_1m',
      {
        station_id: 'KLGA',
        tmax_mean: 35,
        sigma: 1,
        p_bucket: [
          { bucket: '≤33°F', p: 0.2 },
          { bucket: '34-35°F', p: 0.5 },
          { bucket: '≥36°F', p: 0.3 },
        ],
        t_peak_bins: [{ bin: '14:00', p: 1 }],
        confidence: 0.7,
        qc_state: 'OK',
      },
      '2026-01-29T15:00:30.000Z',
    );
    writeJournalFile(journalDir(root, 'KLGA', '2026-01-29'), 'a.ndjson', [
      line(snapshot(TOKEN_A, '2026-01-29T15:00:00.000Z', 0.5, { bucket: '≥36°F' })),
      line(snapshot(TOKEN_B, '2026-01-29T15:00:00.000Z', 0.3, { bucket: '≤33°F' })),
      line(snapshot(TOKEN_C, '2026-01-29T15:00:00.000Z', 0.2)),
      line(nowcast),
    ]);
    const result = await compactDay({ dataRoot: root, station: 'KLGA', date: '2026-01-29', threads: 0 });
    expect(result.manifest.tokens).toEqual([
      { token_id: TOKEN_B, market_id: MARKET, bucket: '≤33°F', market_date: null },
      { token_id: TOKEN_A, market_id: MARKET, bucket: '≥36°F', market_date: null },
      { token_id: TOKEN_C, market_id: MARKET, bucket: null, market_date: null },
    ]);
    expect(result.manifest.markets).toEqual([]);
  });

  it('gives every token its market date and lists each market date’s rules, resolution source and winner', async () => {
    const root = tempRoot();
    const MARKET_B = '0x' + 'b'.repeat(64);
    const listing = (date: string, rules: string, tokens: { token_id: string; market_id: string; bucket: string }[], at: string) =>
      event(
        'markets',
        {
          station_id: 'KLGA',
          kind: 'listed',
          market_date: date,
          venue_event_id: `ev-${date}`,
          slug: `highest-temperature-in-nyc-on-${date}`,
          title: `Highest temperature in NYC on ${date}?`,
          rules,
          resolution_source: 'https://www.weather.gov/wrh/timeseries?site=klga',
          tokens,
          winning_asset_id: null,
          winning_outcome: null,
          bucket: null,
          detail: 'listed',
        },
        at,
      );
    const resolved = (marketId: string, token: string, winner: string, outcome: string, bucket: string, at: string) =>
      event(
        'markets',
        {
          station_id: 'KLGA',
          market_id: marketId,
          token_id: token,
          kind: 'resolved',
          market_date: '2026-01-28',
          venue_event_id: null,
          slug: null,
          title: null,
          rules: null,
          resolution_source: null,
          tokens: [],
          winning_asset_id: winner,
          winning_outcome: outcome,
          bucket,
          detail: 'resolved',
        },
        at,
      );
    writeJournalFile(journalDir(root, 'KLGA', '2026-01-29'), 'a.ndjson', [
      line(snapshot(TOKEN_A, '2026-01-29T15:00:00.000Z', 0.5, { bucket: '34-35°F' })),
      line(snapshot(TOKEN_B, '2026-01-29T15:00:00.000Z', 0.3, { bucket: '36-37°F' })),
      line(snapshot(TOKEN_C, '2026-01-29T15:00:00.000Z', 0.2)),
      line(listing('2026-01-29', 'old rules', [{ token_id: TOKEN_A, market_id: MARKET, bucket: '34-35°F' }], '2026-01-29T05:00:01.000Z')),
      line(listing('2026-01-29', 'new rules', [{ token_id: TOKEN_A, market_id: MARKET, bucket: '34-35°F' }], '2026-01-29T09:00:00.000Z')),
      line(listing('2026-01-30', 'rules of the 30th', [{ token_id: TOKEN_B, market_id: MARKET_B, bucket: '36-37°F' }], '2026-01-29T05:00:02.000Z')),
      // yesterday's market settles this morning: the 33°F bucket lost, the 34-35°F one paid
      line(resolved('0xlost', 'yes-33', 'no-33', 'No', '≤33°F', '2026-01-29T14:00:00.000Z')),
      line(resolved('0xwon', 'yes-34', 'yes-34', 'Yes', '34-35°F', '2026-01-29T14:00:01.000Z')),
    ]);
    const result = await compactDay({ dataRoot: root, station: 'KLGA', date: '2026-01-29', threads: 0 });
    expect(Object.fromEntries(result.manifest.tokens.map((t) => [t.token_id, t.market_date]))).toEqual({
      [TOKEN_A]: '2026-01-29',
      [TOKEN_B]: '2026-01-30',
      [TOKEN_C]: null,
    });
    expect(result.manifest.markets.map((m) => [m.market_date, m.rules, m.resolution_source, m.winner])).toEqual([
      ['2026-01-28', null, null, '34-35°F'],
      ['2026-01-29', 'new rules', 'https://www.weather.gov/wrh/timeseries?site=klga', null],
      ['2026-01-30', 'rules of the 30th', 'https://www.weather.gov/wrh/timeseries?site=klga', null],
    ]);
    expect(result.manifest.markets[1]!.title).toBe('Highest temperature in NYC on 2026-01-29?');
    expect(result.manifest.channels.markets!.rows).toBe(5);
  });
});
