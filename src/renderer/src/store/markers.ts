/**
 * Timeline markers. Replay takes them from the day's manifest; live derives the same kinds from the
 * stream as it arrives, so the timeline (and the jumps of src/shared/players/jumps.ts) behave the
 * same in both modes.
 */
import type { Marker } from '../../../shared/manifest';
import type { AnyEvent } from '../../../shared/schemas';

const base = { end_ts: null, reason: null, window_id: null, token_id: null } as const;

export function markersFromEvents(events: readonly AnyEvent[]): Marker[] {
  const out: Marker[] = [];
  for (const e of events) {
    switch (e.ch) {
      case 'metar_obs':
        out.push({ ...base, kind: 'METAR', ts: e.ts_ingest_utc, label: e.raw, correlation_id: e.correlation_id });
        break;
      case 'event_windows':
        out.push({
          kind: 'WINDOW',
          ts: e.start_ts,
          end_ts: e.state === 'closed' ? e.end_ts : null,
          reason: e.reason,
          label: `${e.reason} window${e.detail ? `: ${e.detail}` : ''}`,
          correlation_id: e.correlation_id,
          window_id: e.window_id,
          token_id: e.token_id ?? null,
        });
        if (e.state === 'open' && e.reasons.includes('MID_SHOCK')) {
          out.push({ ...base, kind: 'SHOCK', ts: e.start_ts, label: e.detail || 'mid shock', correlation_id: e.correlation_id, token_id: e.token_id ?? null });
        }
        break;
      case 'book_events':
        if (e.kind === 'BOOK_RESYNC_DONE') break;
        out.push({
          ...base,
          kind: e.kind === 'GAP_DETECTED' ? 'GAP' : 'RESYNC',
          ts: e.ts_ingest_utc,
          label: `${e.kind}${e.detail ? `: ${e.detail}` : ''}`,
          correlation_id: e.correlation_id,
          token_id: e.token_id,
        });
        break;
      default:
        break;
    }
  }
  return out;
}

/** Adds `incoming` to `markers` (sorted by ts); a window seen again (its close) replaces its open. */
export function mergeMarkers(markers: readonly Marker[], incoming: readonly Marker[]): readonly Marker[] {
  if (incoming.length === 0) return markers;
  const byKey = new Map<string, Marker>();
  const key = (m: Marker) => (m.kind === 'WINDOW' && m.window_id ? `W:${m.window_id}` : `${m.kind}:${m.ts}:${m.token_id ?? ''}`);
  for (const m of markers) byKey.set(key(m), m);
  for (const m of incoming) {
    const previous = byKey.get(key(m));
    // A window keeps its earliest start and learns its end when it closes.
    byKey.set(key(m), previous && m.kind === 'WINDOW' ? { ...m, ts: previous.ts < m.ts ? previous.ts : m.ts, end_ts: m.end_ts ?? previous.end_ts } : m);
  }
  return [...byKey.values()].sort((a, b) => a.ts.localeCompare(b.ts));
}
