import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../src/shared/registry';
import type { SourceMessage } from '../../src/services/sources/source';
import type { AnyEvent } from '../../src/shared/schemas';
import { A, B, T0, Venue, features, harness, ingestEveryInput, klgaMetar, ladder, metar, nowcast, pws } from './helpers';

const iso = (ms: number) => new Date(ms).toISOString();

/** A recorder with both books synced at T0 + 100 ms around mid 0.50. */
function synced(config = {}) {
  const h = harness(config);
  const v = new Venue();
  const l = ladder(0.5);
  h.recorder.ingest(v.bookMessage(A, T0 + 100, l.bids, l.asks));
  h.recorder.ingest(v.bookMessage(B, T0 + 100, l.bids, l.asks));
  return { ...h, v };
}

describe('capture policy', () => {
  it('writes exactly one snapshot per token per whole second, changes or not, even after a stalled loop', () => {
    const { recorder, of, v } = synced();
    recorder.ingest(v.change(T0 + 1500, [[A, 'BUY', 0.49, 800]]));
    recorder.advanceTo(T0 + 3_000);
    recorder.advanceTo(T0 + 3_000); // same instant again: nothing new
    recorder.advanceTo(T0 + 8_400); // a 5.4 s stall: the missed seconds are still all there
    const snaps = of('l2_snap_1s');
    for (const token of [A, B]) {
      const times = snaps.filter((s) => s.token_id === token).map((s) => s.ts_ingest_utc);
      // the recording starts at T0, a whole second: the first snapshot is at T0
      expect(times).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => iso(T0 + k * 1000)));
    }
    const a = snaps.filter((s) => s.token_id === A).slice(1);
    expect(a[0]!.bids[0]).toEqual({ p: 0.49, s: 500 });
    expect(a[1]!.bids[0]).toEqual({ p: 0.49, s: 800 }); // the change at 1.5 s shows from the 2 s snapshot
    expect(a[1]!.seq).toBe(a[0]!.seq + 1);
    expect(a[1]).toMatchObject({ book_ok: true, best_bid: 0.49, best_ask: 0.51, mid: 0.5, spread: 0.02, resync_epoch_id: 1 });
    expect(a[0]!.bids).toHaveLength(10);
  });

  it('snapshots a token that has no book yet with book_ok=false', () => {
    const h = harness();
    h.recorder.advanceTo(T0 + 2_000);
    const snaps = h.of('l2_snap_1s');
    expect(snaps).toHaveLength(6);
    expect(snaps.every((s) => !s.book_ok && s.bids.length === 0 && s.mid === null && s.resync_epoch_id === 0)).toBe(true);
  });

  it('records no l2_deltas outside a window, and every raw change inside one', () => {
    const { recorder, of, v } = synced();
    recorder.ingest(v.change(T0 + 1_200, [[A, 'BUY', 0.49, 700], [A, 'SELL', 0.52, 0]]));
    expect(of('l2_deltas')).toHaveLength(0);
    recorder.markWindow(T0 + 2_000, 5_000, 'analyst');
    recorder.ingest(v.change(T0 + 2_500, [[A, 'BUY', 0.49, 900], [B, 'SELL', 0.51, 300]]));
    recorder.ingest(v.change(T0 + 6_999, [[A, 'BUY', 0.48, 0]]));
    recorder.ingest(v.change(T0 + 7_000, [[A, 'BUY', 0.47, 10]])); // window is [2 s, 7 s)
    const deltas = of('l2_deltas');
    expect(deltas.map((d) => [d.token_id, d.side, d.p, d.s])).toEqual([
      [A, 'bid', 0.49, 900],
      [B, 'ask', 0.51, 300],
      [A, 'bid', 0.48, 0],
    ]);
    const window = of('event_windows')[0]!;
    expect(deltas.every((d) => d.window_id === window.window_id)).toBe(true);
    expect(deltas[0]!.hash).toMatch(/^pc-/);
    // seq orders the changes per token, continuing the snapshot's count
    const a = deltas.filter((d) => d.token_id === A).map((d) => d.seq);
    expect(a[1]).toBe(a[0]! + 1);
  });

  it('records trades always, with the aggressor side', () => {
    const { recorder, of, v } = synced();
    recorder.ingest(v.trade(T0 + 1_100, A, 0.51, 25, 'BUY'));
    recorder.ingest(v.trade(T0 + 1_200, B, 0.49, 10, 'SELL'));
    recorder.ingest(v.trade(T0 + 1_300, 'not-in-cone', 0.49, 10, 'SELL'));
    expect(of('tape_trades').map((t) => [t.token_id, t.p, t.s, t.side])).toEqual([
      [A, 0.51, 25, 'buy'],
      [B, 0.49, 10, 'sell'],
    ]);
    expect(h().ignored).toBe(1);
    function h() {
      return recorder.stats();
    }
  });
});

describe('event windows', () => {
  it('METAR: a new report opens a window of metarS; a repeat of the same report is not new', () => {
    const { recorder, of } = synced({ windows: { metarS: 90 } });
    const raw = klgaMetar(T0 - 9 * 60_000);
    recorder.ingest(metar(T0 + 10_000, raw));
    recorder.ingest(metar(T0 + 70_000, raw));
    recorder.advanceTo(T0 + 200_000);
    const w = of('event_windows');
    expect(w.map((e) => [e.state, e.reason, e.start_ts, e.end_ts])).toEqual([
      ['open', 'METAR', iso(T0 + 10_000), iso(T0 + 100_000)],
      ['closed', 'METAR', iso(T0 + 10_000), iso(T0 + 100_000)],
    ]);
    expect(w[1]!.ts_ingest_utc).toBe(iso(T0 + 100_000));
    expect(of('metar_obs')).toHaveLength(1);
    expect(of('metar_obs')[0]).toMatchObject({ temp_c: -2, temp_c_precise: -2.2, judge_aligned_temp: 28, obs_time_utc: iso(T0 - 9 * 60_000) });
    expect(recorder.stats().duplicate_metars).toBe(1);
  });

  it('QC: the PWS cluster turning OUTLIER_LIKELY opens a qcOutlierS window', () => {
    const { recorder, of } = synced();
    const stations = (t: number): [string, number][] => [['KNYLGA1', t], ['KNYLGA2', t + 0.2], ['KNYLGA3', t - 0.1], ['KNYLGA4', t + 0.1]];
    recorder.ingest(pws(T0 + 5_000, stations(35)));
    recorder.ingest(pws(T0 + 8_000, stations(35.1)));
    expect(of('event_windows')).toHaveLength(0);
    recorder.ingest(pws(T0 + 11_000, [...stations(35.1).slice(0, 3), ['KNYLGA4', 44]]));
    const cluster = of('pws_cluster');
    expect(cluster.map((c) => c.qc_state)).toEqual(['OK', 'OK', 'OUTLIER_LIKELY']);
    const open = of('event_windows')[0]!;
    expect(open).toMatchObject({ reason: 'QC', start_ts: iso(T0 + 11_000), end_ts: iso(T0 + 131_000) });
    expect(open.detail).toContain('KNYLGA4');
    expect(cluster[2]!.window_id).toBe(open.window_id);
  });

  it('MID_SHOCK: a mid move over midShockTicks within a second opens a window; a smaller one does not', () => {
    const { recorder, of, v } = synced({ triggers: { midShockTicks: 3 } });
    recorder.advanceTo(T0 + 1_000); // reference mid(t−1s) = 0.50
    // both sides up 2 ticks: mid 0.52, |Δ| = 2 ticks: no shock
    recorder.ingest(v.change(T0 + 1_100, [[A, 'BUY', 0.5, 500], [A, 'BUY', 0.51, 500], [A, 'SELL', 0.51, 0], [A, 'SELL', 0.52, 0], [A, 'SELL', 0.53, 500]]));
    expect(of('event_windows')).toHaveLength(0);
    recorder.advanceTo(T0 + 2_000); // reference now 0.52
    // asks pulled up to 0.58 and bids to 0.55: mid 0.565 (4.5 ticks)
    recorder.ingest(
      v.change(T0 + 2_300, [
        [A, 'SELL', 0.53, 0],
        [A, 'SELL', 0.54, 0],
        [A, 'SELL', 0.55, 0],
        [A, 'SELL', 0.56, 0],
        [A, 'SELL', 0.57, 0],
        [A, 'SELL', 0.58, 800],
        [A, 'BUY', 0.55, 600],
      ]),
    );
    const w = of('event_windows');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ reason: 'MID_SHOCK', start_ts: iso(T0 + 2_300), end_ts: iso(T0 + 62_300) });
    expect(w[0]!.detail).toMatch(/0\.52→0\.565/);
  });

  it('MID_SHOCK: rests for midShockCooldownS on that token; ticks alone under midShockMinMove are no shock', () => {
    const { recorder, of, v } = synced({ triggers: { midShockTicks: 3, midShockMinMove: 0.06, midShockCooldownS: 120 } });
    recorder.advanceTo(T0 + 1_000);
    // 4.5 ticks (0.045) is over midShockTicks but under the 0.06 floor
    const up = (at: number, bid: number, ask: number) =>
      v.change(at, [
        ...[...Array(30).keys()].map((i): [string, 'BUY' | 'SELL', number, number] => [A, 'SELL', Math.round((0.51 + i * 0.01) * 100) / 100, 0]),
        [A, 'SELL', ask, 800],
        [A, 'BUY', bid, 600],
      ]);
    recorder.ingest(up(T0 + 1_300, 0.53, 0.56)); // mid 0.5 → 0.545
    expect(of('event_windows')).toHaveLength(0);
    recorder.advanceTo(T0 + 2_000);
    recorder.ingest(up(T0 + 2_300, 0.62, 0.64)); // 0.545 → 0.63: 8.5 ticks, 0.085
    expect(of('event_windows').map((w) => w.reason)).toEqual(['MID_SHOCK']);
    recorder.advanceTo(T0 + 100_000); // window closed at 62.3 s; the cool-down runs to 122.3 s
    recorder.ingest(up(T0 + 100_300, 0.72, 0.74)); // another 0.1 move: resting
    recorder.advanceTo(T0 + 130_000);
    expect(of('event_windows').filter((w) => w.state === 'open')).toHaveLength(1);
    recorder.ingest(up(T0 + 130_300, 0.82, 0.84)); // after the cool-down: a new window
    expect(of('event_windows').filter((w) => w.state === 'open').map((w) => w.start_ts)).toEqual([iso(T0 + 2_300), iso(T0 + 130_300)]);
  });

  it('SPREAD_REGIME: a NORMAL → WIDE change opens a window once it has held spreadPersistS', () => {
    const { recorder, of, v } = synced({ triggers: { wideSpread: 0.05, spreadPersistS: 5 } });
    recorder.ingest(v.change(T0 + 1_000, [[B, 'SELL', 0.51, 0], [B, 'SELL', 0.52, 0]])); // spread 0.04: still NORMAL
    recorder.ingest(v.change(T0 + 1_500, [[B, 'SELL', 0.53, 0]])); // best ask 0.54: spread 0.05 → WIDE
    recorder.advanceTo(T0 + 6_499);
    expect(of('event_windows')).toHaveLength(0);
    recorder.advanceTo(T0 + 9_000); // no message needed: it has held 5 s at 6.5 s
    const w = of('event_windows');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ reason: 'SPREAD_REGIME', start_ts: iso(T0 + 6_500), end_ts: iso(T0 + 66_500) });
    expect(w[0]!.detail).toContain('NORMAL→WIDE');
  });

  it('SPREAD_REGIME hysteresis: flicker shorter than spreadPersistS opens nothing, in either direction', () => {
    const { recorder, of, v } = synced({ triggers: { wideSpread: 0.05, spreadPersistS: 5 } });
    for (let k = 0; k < 6; k++) {
      const at = T0 + 1_000 + k * 10_000;
      // the lone ask touch is taken (spread 0.02 → 0.05: WIDE) and requoted 4.9 s later
      recorder.ingest(v.change(at, [[B, 'SELL', 0.51, 0], [B, 'SELL', 0.52, 0], [B, 'SELL', 0.53, 0]]));
      recorder.ingest(v.change(at + 4_900, [[B, 'SELL', 0.51, 500]]));
      // and a LOCKED blip (bid = ask) for 2 s
      recorder.ingest(v.change(at + 6_000, [[B, 'BUY', 0.51, 10]]));
      recorder.ingest(v.change(at + 8_000, [[B, 'BUY', 0.51, 0]]));
    }
    recorder.advanceTo(T0 + 120_000);
    expect(of('event_windows')).toHaveLength(0);
    expect(of('l2_deltas')).toHaveLength(0);
    // held for the full 5 s this time
    recorder.ingest(v.change(T0 + 121_000, [[B, 'SELL', 0.51, 0]]));
    recorder.ingest(v.change(T0 + 121_000, [[B, 'BUY', 0.44, 0], [B, 'BUY', 0.45, 0], [B, 'BUY', 0.46, 0], [B, 'BUY', 0.47, 0], [B, 'BUY', 0.48, 0], [B, 'BUY', 0.49, 0]]));
    recorder.advanceTo(T0 + 130_000);
    expect(of('event_windows').map((w) => [w.reason, w.start_ts])).toEqual([['SPREAD_REGIME', iso(T0 + 126_000)]]);
  });

  it('SPREAD_REGIME rests for spreadRegimeCooldownS: the way back inside it opens nothing, and becomes the new baseline', () => {
    const { recorder, of, v } = synced({ triggers: { spreadPersistS: 2, spreadRegimeCooldownS: 600 }, windows: { spreadRegimeS: 60 } });
    recorder.ingest(v.change(T0 + 1_000, [[B, 'SELL', 0.51, 0], [B, 'SELL', 0.52, 0], [B, 'SELL', 0.53, 0]])); // WIDE
    recorder.ingest(v.change(T0 + 200_000, [[B, 'SELL', 0.51, 500]])); // NORMAL again (held from 200 s)
    recorder.advanceTo(T0 + 610_000);
    recorder.ingest(v.change(T0 + 620_000, [[B, 'SELL', 0.51, 0], [B, 'SELL', 0.52, 0], [B, 'SELL', 0.53, 0]])); // WIDE, after the cool-down
    recorder.advanceTo(T0 + 700_000);
    const opens = of('event_windows').filter((w) => w.state === 'open');
    expect(opens.map((w) => [w.start_ts, w.detail.slice(w.detail.indexOf('spread'), w.detail.indexOf(' ('))])).toEqual([
      [iso(T0 + 3_000), 'spread NORMAL→WIDE'],
      [iso(T0 + 622_000), 'spread NORMAL→WIDE'],
    ]);
  });

  it('DEPTH_CLIFF: makers pulling the top of a side opens a window (once per fall); one cancel on a thin side does not', () => {
    const { recorder, of, v } = synced({ triggers: { depthCliffLevels: 3, depthCliffShares: 1000, depthCliffFraction: 0.25, depthCliffMinLevels: 2 } });
    recorder.advanceTo(T0 + 1_000); // top-3 bids 500+500+500 = 1500 at the reference second
    // one level cut from 500 to 100: 1100, not under 1000
    recorder.ingest(v.change(T0 + 1_100, [[A, 'BUY', 0.49, 100]]));
    recorder.advanceTo(T0 + 2_000); // reference 1100
    // one cancel: 0.48 500 → 0: top-3 is now 100+500+500 = 1100 → the next level moves up; still ≥ 1000
    recorder.ingest(v.change(T0 + 2_100, [[A, 'BUY', 0.48, 0]]));
    recorder.ingest(v.change(T0 + 2_200, [[A, 'BUY', 0.47, 240]])); // 100+240+500 = 840 < 1000, but not a quarter of 1100
    expect(of('event_windows')).toHaveLength(0);
    recorder.advanceTo(T0 + 3_000); // reference 840
    // makers pull: every top level cut: 10+10+50 = 70 ≤ 0.25 × 840, three levels pulled
    recorder.ingest(v.change(T0 + 3_100, [[A, 'BUY', 0.49, 10], [A, 'BUY', 0.47, 10], [A, 'BUY', 0.46, 50]]));
    recorder.advanceTo(T0 + 4_000);
    recorder.ingest(v.change(T0 + 4_100, [[A, 'BUY', 0.49, 1], [A, 'BUY', 0.47, 1], [A, 'BUY', 0.46, 1]])); // still thin: no new trigger
    const w = of('event_windows');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ reason: 'DEPTH_CLIFF', start_ts: iso(T0 + 3_100) });
    expect(w[0]!.detail).toContain('top-3 bid 840→70');
    recorder.advanceTo(T0 + 200_000);
    expect(of('event_windows').at(-1)).toMatchObject({ state: 'closed', reasons: ['DEPTH_CLIFF'], detail: expect.stringContaining('1 trigger(s)') });
  });

  it('overlapping triggers extend one window: one window_id, reasons accumulate, end = latest trigger + its duration', () => {
    const { recorder, of, v } = synced({ windows: { metarS: 120, midShockS: 60 }, triggers: { midShockTicks: 3 } });
    recorder.ingest(metar(T0 + 10_500, klgaMetar(T0)));
    recorder.advanceTo(T0 + 100_000);
    // a mid shock at 100.4 s, inside the METAR window [10.5 s, 130.5 s): extends it to 160.4 s
    recorder.ingest(v.change(T0 + 100_400, [[A, 'SELL', 0.51, 0], [A, 'SELL', 0.52, 0], [A, 'SELL', 0.53, 0], [A, 'SELL', 0.54, 0], [A, 'BUY', 0.53, 50]]));
    recorder.ingest(v.change(T0 + 150_000, [[B, 'BUY', 0.49, 777]]));
    recorder.advanceTo(T0 + 400_000);
    const w = of('event_windows');
    expect(w).toHaveLength(2);
    expect(new Set(w.map((e) => e.window_id)).size).toBe(1);
    expect(w[1]).toMatchObject({ state: 'closed', reason: 'METAR', reasons: ['METAR', 'MID_SHOCK'], start_ts: iso(T0 + 10_500), end_ts: iso(T0 + 160_400) });
    const late = of('l2_deltas').filter((d) => d.token_id === B);
    expect(late).toHaveLength(1);
    expect(late[0]!.window_id).toBe(w[0]!.window_id);
    // every event stamped inside [start, end) carries the window_id, nothing outside does
    for (const e of h(of)) {
      const t = Date.parse(e.ts_ingest_utc);
      const inside = t >= T0 + 10_500 && t < T0 + 160_400;
      if (e.ch === 'event_windows') continue;
      expect(e.window_id !== undefined, `${e.ch} at ${e.ts_ingest_utc}`).toBe(inside);
    }
    function h(get: typeof of) {
      return (['l2_snap_1s', 'l2_deltas', 'metar_obs', 'health'] as const).flatMap((ch) => get(ch) as AnyEvent[]);
    }
  });

  it('a trigger after a window closed opens a new window', () => {
    const { recorder, of } = synced();
    recorder.markWindow(T0 + 1_000, 2_000, 'first');
    recorder.markWindow(T0 + 3_000, 2_000, 'second'); // exactly at the first one's end
    recorder.advanceTo(T0 + 10_000);
    const w = of('event_windows');
    expect(w.map((e) => e.state)).toEqual(['open', 'closed', 'open', 'closed']);
    expect(w[0]!.window_id).not.toBe(w[2]!.window_id);
    expect(w[1]!.ts_ingest_utc).toBe(iso(T0 + 3_000));
  });
});

describe('book integrity', () => {
  it('first book: RESYNC_START at start, RESYNC_DONE with epoch 1 when it arrives', () => {
    const h = harness();
    const v = new Venue();
    h.recorder.advanceTo(T0);
    expect(h.requests).toEqual([A, B]);
    const l = ladder(0.4);
    h.recorder.ingest(v.bookMessage(A, T0 + 300, l.bids, l.asks));
    expect(h.of('book_events').map((e) => [e.token_id, e.kind, e.resync_epoch_id])).toEqual([
      [A, 'BOOK_RESYNC_START', 0],
      [B, 'BOOK_RESYNC_START', 0],
      [A, 'BOOK_RESYNC_DONE', 1],
    ]);
    const done = h.of('book_events')[2]!;
    expect([done.seq_before, done.seq_after]).toEqual([0, 20]);
    h.recorder.advanceTo(T0 + 1_000);
    expect(h.of('l2_snap_1s').map((s) => [s.token_id, s.book_ok])).toEqual([
      [A, false],
      [B, false],
      [A, true],
      [B, false],
    ]);
  });

  it('a best bid/ask mismatch is a gap: GAP_DETECTED, RESYNC_START, book_ok=false until the fresh book, RESYNC_DONE with epoch+1', () => {
    const { recorder, of, v, requests } = synced();
    requests.length = 0;
    const seqBefore = of('book_events').at(-1)!.seq_after!;
    // the venue says best bid 0.47: we missed an update
    recorder.ingest(v.change(T0 + 1_500, [[A, 'BUY', 0.42, 50]], { best_bid: 0.47, best_ask: 0.51 }));
    const marks = of('book_events').filter((e) => e.token_id === A).slice(2); // after the initial START/DONE
    expect(marks.map((e) => [e.kind, e.resync_epoch_id, e.seq_before, e.seq_after])).toEqual([
      ['GAP_DETECTED', 1, seqBefore + 1, null],
      ['BOOK_RESYNC_START', 1, seqBefore + 1, null],
    ]);
    expect(marks[0]!.detail).toContain('0.47');
    expect(requests).toEqual([A]);
    recorder.advanceTo(T0 + 3_000);
    expect(of('l2_snap_1s').filter((s) => s.token_id === A).map((s) => s.book_ok)).toEqual([false, true, false, false]);
    expect(of('l2_snap_1s').filter((s) => s.token_id === B).map((s) => s.book_ok)).toEqual([false, true, true, true]);
    // the REST book answers
    const fresh = ladder(0.48);
    recorder.ingest(v.restBook(A, T0 + 3_200, fresh.bids, fresh.asks));
    const done = of('book_events').at(-1)!;
    expect(done).toMatchObject({ kind: 'BOOK_RESYNC_DONE', resync_epoch_id: 2, seq_before: seqBefore + 1 });
    expect(done.seq_after!).toBeGreaterThan(seqBefore + 1);
    recorder.advanceTo(T0 + 4_000);
    expect(of('l2_snap_1s').at(-2)).toMatchObject({ token_id: A, book_ok: true, resync_epoch_id: 2, best_bid: 0.47, best_ask: 0.49 });
    expect(recorder.stats()).toMatchObject({ gaps: 1, resyncs: 3 });
  });

  it('a resync is re-requested when the book does not come', () => {
    const { recorder, v, requests } = synced({ resyncRetryMs: 5_000 });
    requests.length = 0;
    recorder.ingest(v.change(T0 + 1_000, [[A, 'BUY', 0.42, 50]], { best_bid: 0.3, best_ask: 0.51 }));
    recorder.advanceTo(T0 + 5_999);
    expect(requests).toEqual([A]);
    recorder.advanceTo(T0 + 6_000);
    expect(requests).toEqual([A, A]);
  });

  it('a dropped connection is a gap on every book; reconnecting asks for fresh books', () => {
    const { recorder, of, v, requests } = synced();
    requests.length = 0;
    recorder.ingest({ kind: 'clob_connection', received_ms: T0 + 2_000, state: 'down', detail: 'ws closed 1006' });
    expect(of('book_events').slice(-4).map((e) => [e.token_id, e.kind])).toEqual([
      [A, 'GAP_DETECTED'],
      [A, 'BOOK_RESYNC_START'],
      [B, 'GAP_DETECTED'],
      [B, 'BOOK_RESYNC_START'],
    ]);
    expect(requests).toEqual([]); // no point asking while down
    recorder.ingest({ kind: 'clob_connection', received_ms: T0 + 4_000, state: 'up', detail: 'reconnected' });
    expect(requests).toEqual([A, B]);
    const l = ladder(0.5);
    recorder.ingest(v.bookMessage(A, T0 + 4_100, l.bids, l.asks)); // unchanged book: still a resync
    expect(of('book_events').at(-1)).toMatchObject({ token_id: A, kind: 'BOOK_RESYNC_DONE', resync_epoch_id: 2, detail: expect.stringContaining('0 level change') });
    expect(recorder.stats()).toMatchObject({ reconnects: 1, gaps: 2 });
  });

  it('an upstream book that agrees with a healthy mirror changes nothing; one that disagrees is a gap and a resync', () => {
    const { recorder, of, v } = synced();
    const before = of('book_events').length;
    const same = ladder(0.5);
    recorder.ingest(v.bookMessage(A, T0 + 1_200, same.bids, same.asks));
    expect(of('book_events')).toHaveLength(before);
    const moved = ladder(0.5);
    moved.bids[0] = [0.49, 123];
    recorder.ingest(v.bookMessage(A, T0 + 1_300, moved.bids, moved.asks));
    expect(of('book_events').slice(before).map((e) => e.kind)).toEqual(['GAP_DETECTED', 'BOOK_RESYNC_START', 'BOOK_RESYNC_DONE']);
    expect(of('book_events').at(-1)).toMatchObject({ resync_epoch_id: 2, detail: expect.stringContaining('1 level change') });
  });

  it('inside a window a resync records its level changes as deltas, so the window replays exactly', () => {
    const { recorder, of, v } = synced();
    recorder.markWindow(T0 + 1_000, 60_000, 'watch');
    const next = ladder(0.5);
    next.bids[0] = [0.49, 42];
    next.asks.pop();
    recorder.ingest(v.bookMessage(A, T0 + 1_300, next.bids, next.asks));
    const d = of('l2_deltas');
    expect(d.map((x) => [x.side, x.p, x.s])).toEqual([
      ['bid', 0.49, 42],
      ['ask', 0.6, 0],
    ]);
  });
});

describe('correlation', () => {
  it('a METAR starts a story: its window, the deltas and trades inside, and later features/nowcast share its id', () => {
    const { recorder, of, v } = synced();
    recorder.ingest(features(T0 + 500));
    recorder.ingest(metar(T0 + 10_000, klgaMetar(T0)));
    recorder.ingest(v.change(T0 + 11_000, [[A, 'BUY', 0.49, 900]]));
    recorder.ingest(v.trade(T0 + 12_000, A, 0.51, 5, 'BUY'));
    recorder.ingest(nowcast(T0 + 60_000));
    recorder.advanceTo(T0 + 200_000);
    recorder.ingest(features(T0 + 240_000)); // window closed, still the same METAR's story
    recorder.ingest(v.trade(T0 + 250_000, A, 0.51, 5, 'BUY')); // outside any window: its own story

    const m = of('metar_obs')[0]!;
    expect(m.correlation_id).toBe(m.event_id);
    const w = of('event_windows');
    expect(w.map((e) => e.correlation_id)).toEqual([m.event_id, m.event_id]);
    expect(m.window_id).toBe(w[0]!.window_id);
    expect(of('l2_deltas')[0]!.correlation_id).toBe(m.event_id);
    const trades = of('tape_trades');
    expect(trades[0]!.correlation_id).toBe(m.event_id);
    expect(trades[1]!.correlation_id).toBe(trades[1]!.event_id);
    expect(trades[1]!.window_id).toBeUndefined();
    const f = of('features_1m');
    expect(f[0]!.correlation_id).toBe(f[0]!.event_id); // before any METAR
    expect(f[1]!.correlation_id).toBe(m.event_id);
    expect(f[1]!.window_id).toBeUndefined();
    expect(of('nowcast_1m')[0]).toMatchObject({ correlation_id: m.event_id, window_id: w[0]!.window_id });
    const snapsInside = of('l2_snap_1s').filter((s) => s.window_id);
    expect(snapsInside.length).toBe(2 * 119); // whole seconds in (10 s, 130 s): the one at 10 s came first
    expect(snapsInside.every((s) => s.correlation_id === m.event_id)).toBe(true);
    expect(of('health').every((e) => e.correlation_id === e.event_id)).toBe(true);
  });

  it('a market-driven window opens its own correlation; a METAR inside it takes over from then on', () => {
    const { recorder, of, v } = synced();
    recorder.markWindow(T0 + 1_000, 60_000, 'analyst');
    recorder.ingest(v.change(T0 + 2_000, [[A, 'BUY', 0.49, 900]]));
    recorder.ingest(metar(T0 + 3_000, klgaMetar(T0)));
    recorder.ingest(v.change(T0 + 4_000, [[A, 'BUY', 0.49, 950]]));
    recorder.ingest(features(T0 + 5_000));
    recorder.advanceTo(T0 + 300_000);
    const [open, close] = of('event_windows');
    expect(open!.correlation_id).toBe(open!.event_id);
    expect(close!.correlation_id).toBe(open!.event_id);
    expect(close!.reasons).toEqual(['MANUAL', 'METAR']);
    const m = of('metar_obs')[0]!;
    expect(of('l2_deltas').map((d) => d.correlation_id)).toEqual([open!.event_id, m.event_id]);
    expect(of('features_1m')[0]!.correlation_id).toBe(m.event_id);
  });
});

describe('world, models and rejections', () => {
  it('keeps an unparseable or foreign METAR with its reason, and records nothing for it', () => {
    const { recorder, of, rejections } = synced();
    recorder.ingest(metar(T0 + 1_000, 'KLGA 2917 garbage'));
    recorder.ingest(metar(T0 + 2_000, 'KJFK 291651Z 31012KT 10SM FEW250 M02/M11 A3012'));
    expect(of('metar_obs')).toHaveLength(0);
    expect(rejections.map((r) => [r.source, r.reason])).toEqual([
      ['metar', expect.stringContaining('not a METAR')],
      ['metar', 'METAR of KJFK, recording KLGA'],
    ]);
    expect(rejections[0]!.input).toMatchObject({ raw: 'KLGA 2917 garbage' });
    expect(recorder.stats().rejected).toEqual({ metar: 2 });
  });

  it('validates model payloads: a nowcast whose probabilities do not sum to 1 is rejected with the reason', () => {
    const { recorder, of, rejections } = synced();
    recorder.ingest(nowcast(T0 + 1_000, [0.2, 0.5, 0.4]));
    recorder.ingest(nowcast(T0 + 2_000));
    recorder.ingest({ kind: 'features', received_ms: T0 + 3_000, payload: { model_run: null, features: { wind: 'strong' }, staleness_s: {} } as never });
    expect(of('nowcast_1m')).toHaveLength(1);
    expect(of('features_1m')).toHaveLength(0);
    expect(rejections.map((r) => r.reason)).toEqual([
      expect.stringContaining('sum to 1'),
      expect.stringMatching(/features payload: features\.wind/),
    ]);
  });

  it('rejects malformed CLOB messages and PWS readings with their reasons', () => {
    const { recorder, of, rejections } = synced();
    recorder.ingest({ kind: 'clob', received_ms: T0 + 1_000, message: { event_type: 'book', asset_id: A, market: 'm', bids: [{ price: 'x', size: '1' }], asks: [], timestamp: '1', hash: 'h' } });
    recorder.ingest(pws(T0 + 2_000, [['KNY1', 35], ['KNY2', Number.NaN]]));
    expect(rejections.map((r) => r.source)).toEqual(['clob', 'pws']);
    expect(rejections[0]!.reason).toContain('bids.0.price');
    expect(rejections[1]!.reason).toContain('reading 1');
    expect(of('pws_cluster')[0]).toMatchObject({ support: 1, median: 35 }); // the good reading still counts
  });

  it('summarizes PWS robustly: median/MAD, DEGRADED on low support, STALE when readings age out, ids at key points', () => {
    const { recorder, of } = synced({ pws: { freshS: 60, minSupport: 3 } });
    recorder.ingest(pws(T0 + 1_000, [['P1', 35], ['P2', 36], ['P3', 35.5], ['P4', 50]]));
    recorder.ingest(pws(T0 + 4_000, [['P1', 35.1]], T0 + 4_000));
    recorder.ingest(metar(T0 + 5_000, klgaMetar(T0)));
    recorder.ingest(pws(T0 + 30_000, [['P1', 35.2]], T0 + 30_000));
    // P2–P4 (obs at 1 s) age out after 61 s; P1 (obs 30 s) after 90 s
    recorder.ingest(pws(T0 + 62_000, [['P1', 35.2]], T0 + 30_000));
    recorder.advanceTo(T0 + 120_000);
    const c = of('pws_cluster');
    expect(c.map((x) => [x.median, x.mad, x.support, x.qc_state])).toEqual([
      [35.75, 0.5, 4, 'OK'],
      [35.75, 0.45, 4, 'OK'],
      [35.75, 0.4, 4, 'OK'],
      [35.2, 0, 1, 'DEGRADED'],
      [35.2, 0, 0, 'STALE'],
    ]);
    expect(c[4]!.ts_ingest_utc).toBe(iso(T0 + 90_001));
    expect(c.map((x) => x.pws_ids)).toEqual([['P1', 'P2', 'P3', 'P4'], null, ['P1', 'P2', 'P3', 'P4'], ['P1'], []]);
  });

  it('writes health every healthIntervalMs with staleness, counters and the writer figures', () => {
    const h = harness({ healthIntervalMs: 2000 }, T0 + 10);
    const v = new Venue();
    const l = ladder(0.5);
    h.recorder.ingest(v.bookMessage(A, T0 + 100, l.bids, l.asks));
    h.recorder.ingest(pws(T0 + 500, [['P1', 35]], T0 - 2_000));
    h.recorder.advanceTo(T0 + 6_000);
    h.recorder.ingest(metar(T0 + 6_500, klgaMetar(T0))); // its ddhhmmZ group says T0
    h.recorder.advanceTo(T0 + 8_000);
    const health = h.of('health');
    expect(health.map((e) => e.ts_ingest_utc)).toEqual([2000, 4000, 6000, 8000].map((k) => iso(T0 + k)));
    expect(health[0]!.staleness_s).toMatchObject({ clob: 1.9, pws: 1.5, metar: 1.99 });
    expect(health[0]!.latency_ms).toMatchObject({ clob_to_ingest: 5, pws_to_ingest: 2500, source_to_recorder: 0 });
    expect(health[1]!.latency_ms).toEqual({}); // nothing arrived in that interval
    expect(health[3]!.latency_ms).toMatchObject({ metar_to_ingest: 6500 });
    expect(health[0]).toMatchObject({ resyncs: 1, gaps: 0, reconnects: 0, queue_depth: 0, dropped: {} });
  });

  it('counts rejected inputs per source in the next health record', () => {
    const h = harness({ healthIntervalMs: 2000 });
    h.recorder.ingest(metar(T0 + 500, 'KLGA 2917 garbage'));
    h.recorder.advanceTo(T0 + 2_000);
    h.recorder.ingest(pws(T0 + 2_500, [['P1', Number.NaN]]));
    h.recorder.ingest(metar(T0 + 3_000, 'not a metar'));
    h.recorder.advanceTo(T0 + 4_000);
    const health = h.of('health');
    expect(health.map((e) => [e.ts_ingest_utc, e.rejected])).toEqual([
      [iso(T0), {}],
      [iso(T0 + 2_000), { metar: 1 }],
      [iso(T0 + 4_000), { metar: 2, pws: 1 }],
    ]);
    expect(h.rejections).toHaveLength(3);
    const parsed = parseEvent(JSON.parse(JSON.stringify(health[2])));
    expect(parsed.ok && parsed.event.ch === 'health' && parsed.event.rejected).toEqual({ metar: 2, pws: 1 });
  });

  it('every event it builds is valid under the registry', () => {
    const { recorder, events, v } = synced();
    ingestEveryInput(recorder, v);
    recorder.finish(T0 + 10_000);
    const channels = new Set(events.map((e) => e.ch));
    expect(channels.size).toBe(10);
    for (const e of events) {
      const parsed = parseEvent(JSON.parse(JSON.stringify(e)));
      expect(parsed.ok ? 'ok' : parsed.reason, e.ch).toBe('ok');
    }
    const times = events.map((e) => e.ts_ingest_utc);
    expect([...times].sort()).toEqual(times); // emitted in time order
  });

  it('hands every event on with the instant its ts_ingest_utc names, in ms, also on a fractional clock', () => {
    // An accelerated simulator's virtual clock has sub-ms instants; the journal files events by day
    // and the ring buffers age them out by this ms, never by reading the text back.
    const h = harness({}, T0 + 0.25);
    const v = new Venue();
    const l = ladder(0.5);
    const late = { ingest: (m: SourceMessage) => h.recorder.ingest(m, m.received_ms + 0.625) };
    late.ingest(v.bookMessage(A, T0 + 100, l.bids, l.asks));
    ingestEveryInput(late, v);
    h.recorder.finish(T0 + 10_000.875);
    expect(new Set(h.events.map((e) => e.ch)).size).toBe(10);
    // the ms attached when stamped (the one symbol property), not a parse of the text on demand
    for (const event of h.events) {
      const held = Object.getOwnPropertySymbols(event).map((s) => (event as unknown as Record<symbol, unknown>)[s]);
      expect(held, `${event.ch} ${event.ts_ingest_utc}`).toEqual([Date.parse(event.ts_ingest_utc)]);
    }
  });
});
