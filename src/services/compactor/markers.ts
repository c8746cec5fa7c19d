/**
 * The timeline markers of a day (manifest `markers`), derived from the day's compacted channels.
 * How each kind is derived is documented in docs/data-format.md ("Markers"):
 *
 * - METAR  — one per `metar_obs` row, at its ingest time.
 * - WINDOW — one range per `window_id` of `event_windows` (start_ts → end_ts of its last record).
 * - SHOCK  — from `l2_snap_1s`: a token's mid moving more than `shockThreshold` between two
 *            consecutive trustworthy snapshots ≤ 2 s apart; shocks of one token within 60 s merge.
 * - GAP    — one per `book_events` GAP_DETECTED.
 * - RESYNC — one range per BOOK_RESYNC_START → next BOOK_RESYNC_DONE of the same token.
 *
 * An incremental pass re-derives only the kinds whose channel got rows, and extends the shocks
 * from the new snapshots alone when they all come after the old ones (carrying each token's open
 * run of shocks in the day's state), so its cost follows the new rows, not the day.
 */
import { MARKER_KINDS, type Marker } from '../../shared/manifest';
import type { WindowReason } from '../../shared/schemas';
import { isoFromMicros, microsFromIso } from '../../shared/time';

export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** 3 ticks of 0.01 (the recorder's MID_SHOCK trigger defaults to more than 4 ticks and ≥ 0.02: its own settings, not the marker's). */
export const DEFAULT_SHOCK_THRESHOLD = 0.03;
const SHOCK_MAX_STEP_US = 2_000_000;
const SHOCK_MERGE_US = 60_000_000;

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function marker(m: Partial<Marker> & Pick<Marker, 'kind' | 'ts' | 'label'>): Marker {
  return { end_ts: null, reason: null, correlation_id: null, window_id: null, token_id: null, ...m };
}

function hhmmZ(us: unknown): string {
  return isoFromMicros(us as bigint).slice(11, 16) + 'Z';
}

function fmtTemp(c: number | null): string {
  return c === null ? '?' : `${c.toFixed(1)} °C`;
}

async function metarMarkers(q: Query, src: string): Promise<Marker[]> {
  const rows = await q(
    `SELECT epoch_us(ts_ingest_utc) AS ts, epoch_us(obs_time_utc) AS obs, report_type, temp_c, temp_c_precise,
            judge_aligned_temp, correlation_id, window_id
     FROM ${src} ORDER BY ts_ingest_utc, event_id`,
  );
  return rows.map((r) => {
    const temp = n(r.temp_c_precise) ?? n(r.temp_c);
    const judge = n(r.judge_aligned_temp);
    return marker({
      kind: 'METAR',
      ts: isoFromMicros(r.ts as bigint),
      label: `${r.report_type} ${hhmmZ(r.obs)} ${fmtTemp(temp)}${judge === null ? '' : ` → ${judge} °F`}`,
      correlation_id: s(r.correlation_id),
      window_id: s(r.window_id),
    });
  });
}

async function windowMarkers(q: Query, src: string): Promise<Marker[]> {
  const rows = await q(
    `SELECT window_id, reason, reasons, epoch_us(start_ts) AS start_us, epoch_us(end_ts) AS end_us, state, correlation_id
     FROM ${src} ORDER BY ts_ingest_utc, event_id`,
  );
  const windows = new Map<string, { first: Record<string, unknown>; last: Record<string, unknown>; start: bigint }>();
  for (const r of rows) {
    const id = String(r.window_id);
    const w = windows.get(id);
    if (!w) windows.set(id, { first: r, last: r, start: r.start_us as bigint });
    else {
      w.last = r;
      if ((r.start_us as bigint) < w.start) w.start = r.start_us as bigint;
    }
  }
  return [...windows.entries()].map(([id, w]) => {
    const reasons = (w.last.reasons as string[] | null) ?? [String(w.first.reason)];
    const open = w.last.state !== 'closed';
    return marker({
      kind: 'WINDOW',
      ts: isoFromMicros(w.start),
      end_ts: isoFromMicros(w.last.end_us as bigint),
      reason: w.first.reason as WindowReason,
      label: `window ${[...new Set(reasons)].join('+')}${open ? ' (still open at end of journal)' : ''}`,
      correlation_id: s(w.first.correlation_id),
      window_id: id,
    });
  });
}

/** A token's latest run of shocks less than 60 s apart: later shocks within 60 s merge into its marker. */
export interface ShockChain {
  /** ts of the chain's marker. */
  marker_ts: string;
  /** Last shock of the chain (µs), and the mid it moved from (chain start) and to (last shock). */
  at_us: number;
  from: number;
  to: number;
}

/** What an incremental pass needs to extend the shocks: how far they were derived, and the open chains. */
export interface ShockState {
  upto_us: number;
  chains: Record<string, ShockChain>;
}

/**
 * SHOCK markers of the snapshots in `src` with ts ≥ `fromUs` (all when null), continuing the
 * chains of `state` (whose markers are among `previous`, and are updated in place).
 */
async function shockMarkers(
  q: Query,
  src: string,
  threshold: number,
  fromUs: number | null,
  previous: Marker[],
  state: ShockState | null,
): Promise<{ markers: Marker[]; chains: Record<string, ShockChain> }> {
  // A snapshot's predecessor counts only within 2 s, so 2 s before `fromUs` is all the context needed.
  const since = fromUs === null ? '' : `WHERE epoch_us(ts_ingest_utc) >= ${fromUs - SHOCK_MAX_STEP_US}`;
  const rows = await q(
    `WITH s AS (
       SELECT token_id, ts_ingest_utc, mid, book_ok, correlation_id, window_id,
              lag(mid) OVER w AS prev_mid, lag(ts_ingest_utc) OVER w AS prev_ts, lag(book_ok) OVER w AS prev_ok
       FROM ${src} ${since} WINDOW w AS (PARTITION BY token_id ORDER BY ts_ingest_utc, event_id))
     SELECT token_id, epoch_us(ts_ingest_utc) AS ts, mid, prev_mid, correlation_id, window_id
     FROM s
     WHERE book_ok AND prev_ok AND mid IS NOT NULL AND prev_mid IS NOT NULL
       AND epoch_us(ts_ingest_utc) - epoch_us(prev_ts) <= ${SHOCK_MAX_STEP_US}
       AND abs(mid - prev_mid) > ${threshold} + 1e-9
       ${fromUs === null ? '' : `AND epoch_us(ts_ingest_utc) >= ${fromUs}`}
     ORDER BY ts_ingest_utc, token_id`,
  );
  const out: Marker[] = [];
  const lastByToken = new Map<string, { marker: Marker; chain: ShockChain }>();
  for (const [token, chain] of Object.entries(state?.chains ?? {})) {
    const m = previous.find((p) => p.kind === 'SHOCK' && p.token_id === token && p.ts === chain.marker_ts);
    if (m) lastByToken.set(token, { marker: m, chain: { ...chain } });
  }
  for (const r of rows) {
    const token = String(r.token_id);
    const at = Number(r.ts as bigint);
    const from = Number(r.prev_mid);
    const to = Number(r.mid);
    const open = lastByToken.get(token);
    if (open && at - open.chain.at_us <= SHOCK_MERGE_US) {
      open.chain.at_us = at;
      open.chain.to = to;
      open.marker.label = shockLabel(open.chain.from, to, true);
      continue;
    }
    const m = marker({
      kind: 'SHOCK',
      ts: isoFromMicros(at),
      reason: 'MID_SHOCK',
      label: shockLabel(from, to, false),
      correlation_id: s(r.correlation_id),
      window_id: s(r.window_id),
      token_id: token,
    });
    out.push(m);
    lastByToken.set(token, { marker: m, chain: { marker_ts: m.ts, at_us: at, from, to } });
  }
  return { markers: out, chains: Object.fromEntries([...lastByToken].map(([token, { chain }]) => [token, chain])) };
}

function shockLabel(from: number, to: number, merged: boolean): string {
  const move = to - from;
  return `mid ${from.toFixed(3)} → ${to.toFixed(3)} (${move >= 0 ? '+' : ''}${move.toFixed(3)})${merged ? ', repeated moves' : ''}`;
}

async function bookMarkers(q: Query, src: string): Promise<Marker[]> {
  const rows = await q(
    `SELECT epoch_us(ts_ingest_utc) AS ts, token_id, kind, resync_epoch_id, seq_before, seq_after, detail, correlation_id, window_id
     FROM ${src} ORDER BY ts_ingest_utc, event_id`,
  );
  const out: Marker[] = [];
  const openResync = new Map<string, { marker: Marker }>();
  for (const r of rows) {
    const token = String(r.token_id);
    const ts = isoFromMicros(r.ts as bigint);
    const common = { correlation_id: s(r.correlation_id), window_id: s(r.window_id), token_id: token };
    if (r.kind === 'GAP_DETECTED') {
      const seq = r.seq_before !== null || r.seq_after !== null ? ` (seq ${r.seq_before ?? '?'} → ${r.seq_after ?? '?'})` : '';
      out.push(marker({ kind: 'GAP', ts, label: `gap: ${r.detail}${seq}`, ...common }));
    } else if (r.kind === 'BOOK_RESYNC_START') {
      const m = marker({ kind: 'RESYNC', ts, label: `resync: ${r.detail} (no DONE recorded)`, ...common });
      out.push(m);
      openResync.set(token, { marker: m });
    } else if (r.kind === 'BOOK_RESYNC_DONE') {
      const open = openResync.get(token);
      if (open) {
        open.marker.end_ts = ts;
        open.marker.label = open.marker.label.replace(' (no DONE recorded)', ` → epoch ${r.resync_epoch_id}`);
        openResync.delete(token);
      } else {
        out.push(marker({ kind: 'RESYNC', ts, end_ts: ts, label: `resync done → epoch ${r.resync_epoch_id} (started before this day)`, ...common }));
      }
    }
  }
  return out;
}

export const MARKER_SOURCES = ['metar_obs', 'event_windows', 'l2_snap_1s', 'book_events'] as const;
type MarkerSource = (typeof MARKER_SOURCES)[number];
const KINDS_OF: Record<MarkerSource, Marker['kind'][]> = {
  metar_obs: ['METAR'],
  event_windows: ['WINDOW'],
  l2_snap_1s: ['SHOCK'],
  book_events: ['GAP', 'RESYNC'],
};

export interface MarkerInput {
  /** A DuckDB table expression over all of a channel's rows so far (e.g. `read_parquet([…])`). */
  sources: Partial<Record<MarkerSource, string>>;
  shockThreshold?: number;
  /** Latest ingest time of the snapshots in `sources.l2_snap_1s` (µs). */
  snapshotsUptoUs: number | null;
  /**
   * The markers before this pass, and which channels got rows since: the others keep their
   * markers. Shocks are extended from the new snapshots when they all come after the old ones.
   */
  previous?: { markers: Marker[]; shocks: ShockState | null; changed: ReadonlySet<MarkerSource>; newSnapshotsFromUs: number | null };
}

/** Markers of a day (sorted by time) and the shock state that lets the next pass extend them. */
export async function deriveMarkers(q: Query, input: MarkerInput): Promise<{ markers: Marker[]; shocks: ShockState | null }> {
  const { sources, previous } = input;
  const threshold = input.shockThreshold ?? DEFAULT_SHOCK_THRESHOLD;
  const kept = (source: MarkerSource) => previous !== undefined && !previous.changed.has(source);
  const prior = previous ? previous.markers.map((m) => ({ ...m })) : [];
  const priorOf = (source: MarkerSource) => prior.filter((m) => KINDS_OF[source].includes(m.kind));
  const markers: Marker[] = [];
  if (sources.metar_obs) markers.push(...(kept('metar_obs') ? priorOf('metar_obs') : await metarMarkers(q, sources.metar_obs)));
  if (sources.event_windows) markers.push(...(kept('event_windows') ? priorOf('event_windows') : await windowMarkers(q, sources.event_windows)));
  if (sources.book_events) markers.push(...(kept('book_events') ? priorOf('book_events') : await bookMarkers(q, sources.book_events)));
  let shocks: ShockState | null = null;
  if (sources.l2_snap_1s) {
    if (kept('l2_snap_1s')) {
      markers.push(...priorOf('l2_snap_1s'));
      shocks = previous!.shocks;
    } else {
      const from = previous?.newSnapshotsFromUs ?? null;
      const extend = previous?.shocks && from !== null && from > previous.shocks.upto_us ? previous.shocks : null;
      const old = extend ? priorOf('l2_snap_1s') : [];
      const found = await shockMarkers(q, sources.l2_snap_1s, threshold, extend ? from : null, old, extend);
      markers.push(...old, ...found.markers);
      shocks = { upto_us: input.snapshotsUptoUs ?? 0, chains: found.chains };
    }
  }
  const kindOrder = (k: Marker['kind']) => MARKER_KINDS.indexOf(k);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  markers.sort(
    (a, b) =>
      microsFromIso(a.ts) - microsFromIso(b.ts) ||
      kindOrder(a.kind) - kindOrder(b.kind) ||
      cmp(a.token_id ?? '', b.token_id ?? '') ||
      cmp(a.label, b.label),
  );
  return { markers, shocks };
}
