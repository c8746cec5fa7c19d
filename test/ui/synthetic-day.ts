/**
 * A small, deterministic, schema-valid stretch of a KLGA day for UI tests: a few bucket tokens with a
 * snapshot per second, hourly METARs that open windows (with deltas and trades inside), PWS every
 * 5 s, features/nowcast every minute, health every 5 s, and one gap + resync.
 */
import { stampEvent } from '../fixtures/events';
import { parseMetarReport } from '../../src/shared/metar';
import { bookMetrics, type Level } from '../../src/shared/book';
import { assertEvent } from '../../src/shared/registry';
import type { AnyEvent } from '../../src/shared/schemas';

/** Token ids that sort unlike their buckets, so the UI's bucket order is visible in tests. */
export const TOKENS = ['tok-9f1c', 'tok-02ab', 'tok-5d7e'];
/** Each token's outcome bucket, in the market's order (the nowcast's p_bucket order). */
export const BUCKETS = ['33-34°F', '35-36°F', '37-38°F'];
const MARKET = 'mkt-klga-high';
const STATION = 'KLGA';

export interface SyntheticDay {
  events: AnyEvent[];
  start_ms: number;
  end_ms: number;
  metar_ms: number[];
}

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function syntheticDay(options: { start_ms?: number; minutes?: number; seed?: number } = {}): SyntheticDay {
  const start = options.start_ms ?? Date.parse('2026-01-29T15:00:00.000Z');
  const minutes = options.minutes ?? 90;
  const end = start + minutes * 60_000;
  const r = rand(options.seed ?? 7);
  const out: AnyEvent[] = [];
  const push = (e: AnyEvent) => {
    assertEvent(e.ch, e);
    out.push(e);
  };
  const mids = TOKENS.map((_, i) => 0.2 + 0.25 * i);
  let seq = 0;
  let epoch = 0;
  let openWindow: { id: string; corr: string; until: number; start: string } | null = null;
  const metarMs: number[] = [];
  let bookOk = true;

  for (let t = start; t < end; t += 1000) {
    const minute = Math.floor((t - start) / 60_000);
    const secOfMinute = Math.floor((t - start) / 1000) % 60;
    // METAR at :51 of each hour (UTC), received 2 s after the observation minute.
    const d = new Date(t);
    if (d.getUTCMinutes() === 51 && d.getUTCSeconds() === 2) {
      const tempC = -2 + (minute % 7) * 0.3;
      const tenths = Math.round(Math.abs(tempC) * 10);
      const raw = `METAR KLGA ${String(d.getUTCDate()).padStart(2, '0')}${String(d.getUTCHours()).padStart(2, '0')}51Z 31012KT 10SM FEW050 ${tempC < 0 ? 'M' : ''}${String(Math.round(Math.abs(tempC))).padStart(2, '0')}/M09 A3012 RMK AO2 T${tempC < 0 ? 1 : 0}${String(tenths).padStart(3, '0')}1094`;
      const metar = stampEvent('metar_obs', { ...parseMetarReport(raw, t), qc: 'OK' }, t);
      push(metar);
      metarMs.push(t);
      const windowId = `win-${metar.event_id.slice(0, 8)}`;
      openWindow = { id: windowId, corr: metar.correlation_id, until: t + 120_000, start: metar.ts_ingest_utc };
      push(
        stampEvent(
          'event_windows',
          {
            station_id: STATION,
            correlation_id: metar.correlation_id,
            window_id: windowId,
            reason: 'METAR',
            reasons: ['METAR'],
            start_ts: metar.ts_ingest_utc,
            end_ts: new Date(t + 120_000).toISOString(),
            state: 'open',
            detail: 'new METAR',
          },
          t,
        ),
      );
      mids.forEach((_, i) => (mids[i] = Math.min(0.95, Math.max(0.05, mids[i]! + (r() - 0.5) * 0.08))));
    }
    if (openWindow && t >= openWindow.until) {
      push(
        stampEvent(
          'event_windows',
          {
            station_id: STATION,
            correlation_id: openWindow.corr,
            window_id: openWindow.id,
            reason: 'METAR',
            reasons: ['METAR'],
            start_ts: openWindow.start,
            end_ts: new Date(t).toISOString(),
            state: 'closed',
            detail: 'new METAR',
          },
          t,
        ),
      );
      openWindow = null;
    }
    // Gap + resync on the first token 20 minutes in.
    if (t === start + 20 * 60_000) {
      bookOk = false;
      epoch++;
      push(stampEvent('book_events', { station_id: STATION, market_id: MARKET, token_id: TOKENS[0]!, kind: 'GAP_DETECTED', resync_epoch_id: epoch, seq_before: seq, seq_after: seq + 5, detail: 'seq jump' }, t));
      push(stampEvent('book_events', { station_id: STATION, market_id: MARKET, token_id: TOKENS[0]!, kind: 'BOOK_RESYNC_START', resync_epoch_id: epoch, seq_before: seq, seq_after: null, detail: 'REST book' }, t + 1));
    }
    if (t === start + 20 * 60_000 + 3000) {
      bookOk = true;
      push(stampEvent('book_events', { station_id: STATION, market_id: MARKET, token_id: TOKENS[0]!, kind: 'BOOK_RESYNC_DONE', resync_epoch_id: epoch, seq_before: null, seq_after: seq, detail: 'REST book' }, t));
    }
    TOKENS.forEach((token, i) => {
      mids[i] = Math.min(0.95, Math.max(0.05, mids[i]! + (r() - 0.5) * 0.004));
      const mid = Math.round(mids[i]! * 1000) / 1000;
      const bids: Level[] = [];
      const asks: Level[] = [];
      for (let k = 0; k < 10; k++) {
        bids.push({ p: Math.round((mid - 0.005 - k * 0.01) * 1000) / 1000, s: Math.round(50 + r() * 900) });
        asks.push({ p: Math.round((mid + 0.005 + k * 0.01) * 1000) / 1000, s: Math.round(50 + r() * 900) });
      }
      seq++;
      const m = bookMetrics(bids, asks);
      push(
        stampEvent(
          'l2_snap_1s',
          {
            station_id: STATION,
            market_id: MARKET,
            token_id: token,
            bucket: BUCKETS[i]!,
            seq,
            resync_epoch_id: epoch,
            bids: bids.filter((l) => l.p > 0),
            asks: asks.filter((l) => l.p < 1),
            ...m,
            book_ok: i === 0 ? bookOk : true,
            ...(openWindow ? { window_id: openWindow.id, correlation_id: openWindow.corr } : {}),
          },
          t + 10 + i,
        ),
      );
      if (openWindow) {
        seq++;
        push(
          stampEvent(
            'l2_deltas',
            { station_id: STATION, market_id: MARKET, token_id: token, seq, side: 'bid', p: bids[0]!.p, s: bids[0]!.s + 10, window_id: openWindow.id, correlation_id: openWindow.corr },
            t + 500 + i,
          ),
        );
      }
      if (r() < 0.02 || (openWindow && r() < 0.2)) {
        push(
          stampEvent(
            'tape_trades',
            {
              station_id: STATION,
              market_id: MARKET,
              token_id: token,
              p: r() < 0.5 ? bids[0]!.p : asks[0]!.p,
              s: Math.round(5 + r() * 100),
              side: r() < 0.5 ? 'buy' : 'sell',
              trade_id: `tr-${t}-${i}`,
              ...(openWindow ? { window_id: openWindow.id, correlation_id: openWindow.corr } : {}),
            },
            t + 700 + i,
          ),
        );
      }
    });
    if (secOfMinute % 5 === 0) {
      push(
        stampEvent(
          'pws_cluster',
          { station_id: STATION, obs_time_utc: new Date(t - 4000).toISOString(), median: 29 + r(), mad: 0.4 + r() * 0.3, support: 12, qc_state: 'OK', pws_ids: null },
          t + 100,
        ),
      );
      push(
        stampEvent(
          'health',
          {
            station_id: STATION,
            latency_ms: { source_to_ingest: 40 + r() * 30, ingest_to_journal: 2 + r() * 3 },
            staleness_s: { clob: r(), metar: (t - (metarMs[metarMs.length - 1] ?? start)) / 1000 },
            rejected: {},
            write_errors: 0,
            write_error_code: null,
            write_error: null,
            sources: [],
            reconnects: 0,
            gaps: t > start + 20 * 60_000 ? 1 : 0,
            resyncs: t > start + 20 * 60_000 ? 1 : 0,
            queue_depth: 3,
            queue_bytes: 4096,
            flush_ms_p99: 1.2,
            events_written: out.length,
            dropped: {},
          },
          t + 200,
        ),
      );
    }
    if (secOfMinute === 30) {
      const corr = openWindow?.corr;
      push(
        stampEvent(
          'features_1m',
          { station_id: STATION, model_run: 'hrrr-12z', features: { wind_kt: 12, cloud_frac: 0.2, sst_c: 4.1 }, staleness_s: { wind_kt: 30, cloud_frac: 600, sst_c: 7200 }, ...(corr ? { correlation_id: corr } : {}) },
          t + 300,
        ),
      );
      const mean = 34 + (minute % 10) * 0.1;
      const p = [0.25, 0.5, 0.25];
      push(
        stampEvent(
          'nowcast_1m',
          {
            station_id: STATION,
            tmax_mean: mean,
            sigma: 1.2,
            p_bucket: BUCKETS.map((bucket, k) => ({ bucket, p: p[k]! })),
            t_peak_bins: [
              { bin: '13:00', p: 0.4 },
              { bin: '14:00', p: 0.6 },
            ],
            confidence: 0.7,
            qc_state: 'OK',
            ...(corr ? { correlation_id: corr } : {}),
          },
          t + 400,
        ),
      );
    }
  }
  out.sort((a, b) => a.ts_ingest_utc.localeCompare(b.ts_ingest_utc));
  return { events: out, start_ms: start, end_ms: end, metar_ms: metarMs };
}
