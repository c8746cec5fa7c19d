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
      { token_id: TOKEN_B, market_id: MARKET, bucket: '≤33°F' },
      { token_id: TOKEN_A, market_id: MARKET, bucket: '≥36°F' },
      { token_id: TOKEN_C, market_id: MARKET, bucket: null },
    ]);
  });
});
