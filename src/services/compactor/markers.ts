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
 */
import { MARKER_KINDS, type Marker } from '../../shared/manifest';
import type { WindowReason } from '../../shared/schemas';
import { isoFromMicros, microsFromIso } from '../../shared/time';

export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** Same default as the recorder's MID_SHOCK trigger: 3 ticks of 0.01. */
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

async function shockMarkers(q: Query, src: string, threshold: number): Promise<Marker[]> {
  const rows = await q(
    `WITH s AS (
       SELECT token_id, ts_ingest_utc, mid, book_ok, correlation_id, window_id,
              lag(mid) OVER w AS prev_mid, lag(ts_ingest_utc) OVER w AS prev_ts, lag(book_ok) OVER w AS prev_ok
       FROM ${src} WINDOW w AS (PARTITION BY token_id ORDER BY ts_ingest_utc, event_id))
     SELECT token_id, epoch_us(ts_ingest_utc) AS ts, mid, prev_mid, correlation_id, window_id
     FROM s
     WHERE book_ok AND prev_ok AND mid IS NOT NULL AND prev_mid IS NOT NULL
       AND epoch_us(ts_ingest_utc) - epoch_us(prev_ts) <= ${SHOCK_MAX_STEP_US}
       AND abs(mid - prev_mid) > ${threshold} + 1e-9
     ORDER BY ts_ingest_utc, token_id`,
  );
  const out: Marker[] = [];
  const lastByToken = new Map<string, { marker: Marker; at: bigint; from: number; to: number }>();
  for (const r of rows) {
    const token = String(r.token_id);
    const at = r.ts as bigint;
    const from = Number(r.prev_mid);
    const to = Number(r.mid);
    const open = lastByToken.get(token);
    if (open && at - open.at <= BigInt(SHOCK_MERGE_US)) {
      open.at = at;
      open.to = to;
      open.marker.label = shockLabel(open.from, open.to, true);
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
    lastByToken.set(token, { marker: m, at, from, to });
  }
  return out;
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

/**
 * Markers of a day from its Parquet files (`sources` maps a channel to a DuckDB table expression,
 * e.g. `read_parquet('…')`), sorted by time.
 */
export async function deriveMarkers(
  q: Query,
  sources: Partial<Record<'metar_obs' | 'event_windows' | 'l2_snap_1s' | 'book_events', string>>,
  shockThreshold = DEFAULT_SHOCK_THRESHOLD,
): Promise<Marker[]> {
  const markers = [
    ...(sources.metar_obs ? await metarMarkers(q, sources.metar_obs) : []),
    ...(sources.event_windows ? await windowMarkers(q, sources.event_windows) : []),
    ...(sources.l2_snap_1s ? await shockMarkers(q, sources.l2_snap_1s, shockThreshold) : []),
    ...(sources.book_events ? await bookMarkers(q, sources.book_events) : []),
  ];
  const kindOrder = (k: Marker['kind']) => MARKER_KINDS.indexOf(k);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return markers.sort(
    (a, b) =>
      microsFromIso(a.ts) - microsFromIso(b.ts) ||
      kindOrder(a.kind) - kindOrder(b.kind) ||
      cmp(a.token_id ?? '', b.token_id ?? '') ||
      cmp(a.label, b.label),
  );
}
