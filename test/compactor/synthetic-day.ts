/**
 * A realistic recorded KLGA day as NDJSON journal files, for the compactor's tests and bench:
 * 8 bucket tokens with 20-level books snapshotted every second, deltas inside event windows,
 * trades, hourly METARs that open windows, PWS every 3 s, features/nowcast each minute, health
 * every 2 s, and a resync now and then. Deterministic apart from event ids (UUIDv7).
 */
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { stampEvent } from '../fixtures/events';
import { bookMetrics, roundPrice, type Level } from '../../src/shared/book';
import type { AnyEvent } from '../../src/shared/schemas';
import { uuidv7 } from '../../src/shared/uuid';

export interface SyntheticDayOptions {
  dir: string;
  station?: string;
  /** First instant (UTC ms) and length of the recording. */
  startMs: number;
  hours: number;
  tokens?: number;
  levels?: number;
  /** Rotate journal files every this many minutes (the recorder's choice; any naming works). */
  rotateMinutes?: number;
  seed?: number;
}

export interface SyntheticDayResult {
  files: string[];
  lines: number;
  bytes: number;
  byChannel: Record<string, number>;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface TokenBook {
  token_id: string;
  bucket: string;
  mid: number;
  seq: number;
  epoch: number;
  sizes: { bid: number[]; ask: number[] };
  ok: boolean;
}

const MARKET = '0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1';

export function writeSyntheticDay(opts: SyntheticDayOptions): SyntheticDayResult {
  const station = opts.station ?? 'KLGA';
  const nTokens = opts.tokens ?? 8;
  const nLevels = opts.levels ?? 20;
  const rotateMs = (opts.rotateMinutes ?? 60) * 60_000;
  const rand = rng(opts.seed ?? 7);
  mkdirSync(opts.dir, { recursive: true });

  const books: TokenBook[] = Array.from({ length: nTokens }, (_, i) => ({
    token_id: (BigInt('71321045679252212594626385532706912750332728571942532289631379312455583992') * 1000n + BigInt(i)).toString(),
    bucket: `${30 + 2 * i}-${31 + 2 * i}°F`,
    mid: roundPrice(0.05 + (0.9 * (i + 0.5)) / nTokens),
    seq: 1000 * i,
    epoch: 1,
    sizes: {
      bid: Array.from({ length: nLevels }, () => Math.round(50 + rand() * 2000)),
      ask: Array.from({ length: nLevels }, () => Math.round(50 + rand() * 2000)),
    },
    ok: true,
  }));

  const files: string[] = [];
  const byChannel: Record<string, number> = {};
  let fd = -1;
  let fileStart = -Infinity;
  let lines = 0;
  let bytes = 0;
  let buffer = '';
  const flush = () => {
    if (fd >= 0 && buffer) writeSync(fd, buffer);
    buffer = '';
  };
  // Events of one second are collected and written in ingest-time order, as a recorder appends them.
  let second: { event: AnyEvent; ms: number }[] = [];
  const emit = (event: AnyEvent, ms: number) => {
    second.push({ event, ms });
  };
  const write = (event: AnyEvent, ms: number) => {
    if (ms - fileStart >= rotateMs) {
      flush();
      if (fd >= 0) closeSync(fd);
      fileStart = ms - (ms % rotateMs);
      const name = join(opts.dir, `journal-${new Date(fileStart).toISOString().replace(/[:.]/g, '-')}.ndjson`);
      fd = openSync(name, 'w');
      files.push(name);
    }
    const line = JSON.stringify(event) + '\n';
    buffer += line;
    if (buffer.length > 1 << 20) flush();
    lines++;
    bytes += Buffer.byteLength(line);
    byChannel[event.ch] = (byChannel[event.ch] ?? 0) + 1;
  };

  const levelsOf = (b: TokenBook): { bids: Level[]; asks: Level[] } => {
    const bids: Level[] = [];
    const asks: Level[] = [];
    const bestBid = Math.round((b.mid - 0.005) * 100) / 100;
    const bestAsk = Math.round((b.mid + 0.005) * 100) / 100 + (bestBid >= Math.round((b.mid + 0.005) * 100) / 100 ? 0.01 : 0);
    for (let l = 0; l < nLevels; l++) {
      const bp = roundPrice(bestBid - l * 0.01);
      const ap = roundPrice(bestAsk + l * 0.01);
      if (bp >= 0.01) bids.push({ p: bp, s: b.sizes.bid[l]! });
      if (ap <= 0.99) asks.push({ p: ap, s: b.sizes.ask[l]! });
    }
    return { bids, asks };
  };

  type Window = { id: string; start: number; end: number; reason: 'METAR' | 'MID_SHOCK'; corr: string };
  let window = null as Window | null;
  const openWindow = (ms: number, reason: 'METAR' | 'MID_SHOCK', corr: string, seconds: number) => {
    if (window) {
      window.end = Math.max(window.end, ms + seconds * 1000);
      return;
    }
    window = { id: uuidv7(ms), start: ms, end: ms + seconds * 1000, reason, corr };
    emit(windowEvent(ms, 'open'), ms);
  };
  const windowEvent = (ms: number, state: 'open' | 'closed') =>
    stampEvent(
      'event_windows',
      {
        station_id: station,
        correlation_id: window!.corr,
        window_id: window!.id,
        reason: window!.reason,
        reasons: [window!.reason],
        start_ts: new Date(window!.start).toISOString(),
        end_ts: new Date(window!.end).toISOString(),
        state,
        detail: `${window!.reason} window`,
      },
      ms,
    );

  let tempF = 30;
  const endMs = opts.startMs + opts.hours * 3_600_000;
  for (let sec = opts.startMs; sec < endMs; sec += 1000) {
    const minuteStart = sec % 60_000 === 0;
    const inWindow = window !== null;
    // METAR at :51 each hour opens a window and moves the books.
    if (sec % 3_600_000 === 51 * 60_000 + 120_000) {
      const d = new Date(sec - 120_000);
      tempF += Math.round((rand() - 0.4) * 3);
      const c = Math.round(((tempF - 32) * 5) / 9 * 10) / 10;
      const hhmm = `${String(d.getUTCDate()).padStart(2, '0')}${String(d.getUTCHours()).padStart(2, '0')}51Z`;
      const tGroup = `T${c < 0 ? 1 : 0}${String(Math.round(Math.abs(c) * 10)).padStart(3, '0')}1122`;
      const metar = stampEvent(
        'metar_obs',
        {
          station_id: station,
          obs_time_utc: new Date(sec - 120_000).toISOString(),
          report_type: 'METAR',
          raw: `METAR ${station} ${hhmm} 31012KT 10SM FEW045 ${c < 0 ? 'M' : ''}${String(Math.round(Math.abs(c))).padStart(2, '0')}/M12 A3012 RMK AO2 ${tGroup}`,
          temp_c: Math.round(c),
          dewpoint_c: -12,
          wind_dir_deg: 310,
          wind_kt: 12,
          gust_kt: null,
          visibility_sm: 10,
          altim_inhg: 30.12,
          clouds: [{ cover: 'FEW', base_ft: 4500 }],
          temp_c_precise: c,
          judge_aligned_temp: tempF,
          qc: 'OK',
        },
        sec,
      );
      emit(metar, sec);
      openWindow(sec, 'METAR', metar.correlation_id, 120);
    }
    for (const b of books) {
      // A few sizes change every second; the mid wanders a tick now and then, rarely jumps.
      for (let k = 0; k < 3; k++) {
        const side = rand() < 0.5 ? b.sizes.bid : b.sizes.ask;
        side[Math.floor(rand() * nLevels)] = Math.round(50 + rand() * 2000);
      }
      const r = rand();
      const move = r < 0.02 ? 0.01 : r < 0.04 ? -0.01 : r < 0.0402 ? 0.05 : 0;
      if (move) b.mid = Math.min(0.95, Math.max(0.05, roundPrice(b.mid + move)));
      if (move === 0.05) openWindow(sec, 'MID_SHOCK', uuidv7(sec), 60);
      b.seq += 1 + Math.floor(rand() * 4);
      // Resync now and then: gap, start, done two seconds later.
      if (rand() < 1 / 7200 && b.ok) {
        b.ok = false;
        const common = { station_id: station, market_id: MARKET, token_id: b.token_id, resync_epoch_id: b.epoch };
        emit(stampEvent('book_events', { ...common, kind: 'GAP_DETECTED', seq_before: b.seq, seq_after: b.seq + 7, detail: 'sequence gap' }, sec), sec);
        emit(stampEvent('book_events', { ...common, kind: 'BOOK_RESYNC_START', seq_before: b.seq, seq_after: null, detail: 'REST /book' }, sec + 1), sec + 1);
      } else if (!b.ok && rand() < 0.5) {
        b.ok = true;
        b.epoch++;
        emit(
          stampEvent(
            'book_events',
            { station_id: station, market_id: MARKET, token_id: b.token_id, resync_epoch_id: b.epoch, kind: 'BOOK_RESYNC_DONE', seq_before: null, seq_after: b.seq, detail: 'book replaced' },
            sec,
          ),
          sec,
        );
      }
      const { bids, asks } = levelsOf(b);
      const corr = inWindow ? window!.corr : undefined;
      const snapMs = sec + 3;
      emit(
        stampEvent(
          'l2_snap_1s',
          {
            station_id: station,
            market_id: MARKET,
            token_id: b.token_id,
            ...(inWindow ? { window_id: window!.id, correlation_id: corr } : {}),
            bucket: null,
            seq: b.seq,
            resync_epoch_id: b.epoch,
            bids,
            asks,
            ...bookMetrics(bids, asks),
            book_ok: b.ok,
          },
          snapMs,
        ),
        snapMs,
      );
      if (inWindow) {
        const n = 2 + Math.floor(rand() * 6);
        for (let k = 0; k < n; k++) {
          const bid = rand() < 0.5;
          const lv = (bid ? bids : asks)[Math.floor(rand() * 5)];
          if (!lv) continue;
          const ms = sec + 100 + k * 97;
          emit(
            stampEvent(
              'l2_deltas',
              {
                station_id: station,
                market_id: MARKET,
                token_id: b.token_id,
                window_id: window!.id,
                correlation_id: corr,
                seq: b.seq + k,
                side: bid ? 'bid' : 'ask',
                p: lv.p,
                s: rand() < 0.1 ? 0 : Math.round(50 + rand() * 2000),
                hash: null,
              },
              ms,
            ),
            ms,
          );
        }
      }
      if (rand() < 0.05) {
        const ms = sec + 500;
        emit(
          stampEvent(
            'tape_trades',
            { station_id: station, market_id: MARKET, token_id: b.token_id, p: b.mid, s: Math.round(1 + rand() * 300), side: rand() < 0.5 ? 'buy' : 'sell', trade_id: `0x${Math.floor(rand() * 1e15).toString(16)}` },
            ms,
          ),
          ms,
        );
      }
    }
    if ((sec / 1000) % 3 === 0) {
      const ms = sec + 700;
      emit(
        stampEvent(
          'pws_cluster',
          { station_id: station, obs_time_utc: new Date(sec).toISOString(), median: tempF + rand() - 0.5, mad: 0.4 + rand() * 0.3, support: 12 + Math.floor(rand() * 4), qc_state: 'OK', pws_ids: null },
          ms,
        ),
        ms,
      );
    }
    if ((sec / 1000) % 2 === 0) {
      const ms = sec + 900;
      emit(
        stampEvent(
          'health',
          {
            station_id: station,
            latency_ms: { source_to_ingest: 40 + rand() * 80, ingest_to_journal: 2 + rand() * 10 },
            staleness_s: { clob: rand(), metar: (sec % 3_600_000) / 1000, pws: rand() * 3 },
            rejected: {},
            write_errors: 0,
            write_error_code: null,
            write_error: null,
            sources: [],
            reconnects: 0,
            gaps: 0,
            resyncs: 0,
            queue_depth: Math.floor(rand() * 10),
            queue_bytes: Math.floor(rand() * 10000),
            flush_ms_p99: 1 + rand(),
            events_written: lines,
            dropped: {},
          },
          ms,
        ),
        ms,
      );
    }
    if (minuteStart) {
      const ms = sec + 400;
      emit(
        stampEvent(
          'features_1m',
          {
            station_id: station,
            model_run: `hrrr-${new Date(sec - (sec % 3_600_000)).toISOString().slice(0, 13)}`,
            features: { wind_kt: 12, cloud_cover: 0.2, shortwave: 300 + rand() * 50, sst_c: null, upstream_delta: rand() },
            staleness_s: { wind_kt: 60, cloud_cover: 600, shortwave: 60, sst_c: 86400, upstream_delta: 60 },
          },
          ms,
        ),
        ms,
      );
      const probs = books.map(() => rand());
      const total = probs.reduce((a, b) => a + b, 0);
      const p_bucket = books.map((b, i) => ({ bucket: b.bucket, p: probs[i]! / total }));
      const drift = p_bucket.reduce((a, b) => a + b.p, 0) - 1;
      p_bucket[0]!.p -= drift;
      emit(
        stampEvent(
          'nowcast_1m',
          {
            station_id: station,
            tmax_mean: tempF + 2,
            sigma: 1.1,
            p_bucket,
            t_peak_bins: [
              { bin: '13:00', p: 0.25 },
              { bin: '14:00', p: 0.5 },
              { bin: '15:00', p: 0.25 },
            ],
            confidence: 0.8,
            qc_state: 'OK',
          },
          ms + 1,
        ),
        ms + 1,
      );
    }
    if (window && sec >= window.end) {
      emit(windowEvent(sec + 950, 'closed'), sec + 950);
      window = null;
    }
    second.sort((a, b) => a.ms - b.ms);
    for (const e of second) write(e.event, e.ms);
    second = [];
  }
  flush();
  if (fd >= 0) closeSync(fd);
  return { files, lines, bytes, byChannel };
}
