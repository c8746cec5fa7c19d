/**
 * "Which observations and features were active at the cursor, and how stale were they?" — the
 * inputs panel and the exported snapshot answer it the same way, from the channel state alone.
 */
import type { ChannelState } from '../channel-state';
import { parseIsoMs } from '../time';
import { ingestMs } from '../event-time';

export type InputKind = 'metar' | 'pws' | 'feature' | 'nowcast' | 'source';

export interface ActiveInput {
  kind: InputKind;
  /** e.g. "metar", "pws_median", "wind_kt", "nowcast", "clob". */
  name: string;
  value: number | string | null;
  /** Seconds between the input's observation (or model run) and the cursor. */
  staleness_s: number;
  /** When the input was received (ts_ingest_utc of the event carrying it). */
  received_at: string;
  event_id: string;
  correlation_id: string;
}

const seconds = (ms: number) => Math.max(0, Math.round(ms) / 1000);
/** Which event an input comes from. */
const origin = (e: { ts_ingest_utc: string; event_id: string; correlation_id: string }) => ({
  received_at: e.ts_ingest_utc,
  event_id: e.event_id,
  correlation_id: e.correlation_id,
});

export function activeInputs(state: ChannelState, atMs: number): ActiveInput[] {
  const out: ActiveInput[] = [];
  const { metar, pws, features, nowcast, health } = state;
  if (metar) {
    out.push({
      kind: 'metar',
      name: 'metar',
      value: metar.judge_aligned_temp ?? metar.temp_c,
      staleness_s: seconds(atMs - parseIsoMs(metar.obs_time_utc)),
      ...origin(metar),
    });
  }
  if (pws) {
    out.push({
      kind: 'pws',
      name: 'pws_median',
      value: pws.median,
      staleness_s: seconds(atMs - parseIsoMs(pws.obs_time_utc)),
      ...origin(pws),
    });
  }
  if (features) {
    const age = seconds(atMs - ingestMs(features));
    for (const [name, value] of Object.entries(features.features)) {
      out.push({
        kind: 'feature',
        name,
        value,
        // staleness as reported when the vector was computed, plus the time since
        staleness_s: (features.staleness_s[name] ?? 0) + age,
        ...origin(features),
      });
    }
  }
  if (nowcast) {
    out.push({
      kind: 'nowcast',
      name: 'nowcast',
      value: nowcast.tmax_mean,
      staleness_s: seconds(atMs - ingestMs(nowcast)),
      ...origin(nowcast),
    });
  }
  if (health) {
    for (const [name, staleness_s] of Object.entries(sourceStaleness(state, atMs))) {
      out.push({ kind: 'source', name, value: null, staleness_s, ...origin(health) });
    }
  }
  return out;
}

/** The events that show a source delivered (health's source names → the latest such event). */
const DELIVERED: Record<string, (state: ChannelState) => { ts_ingest_utc: string } | null> = {
  metar: (s) => s.metar,
  pws: (s) => s.pws,
  features: (s) => s.features,
  nowcast: (s) => s.nowcast,
};

/**
 * How stale each source is at `atMs`, every panel alike: the recorder's figure (`health`, as of
 * its last record) aged to the cursor, unless an event from that source arrived after the record —
 * then the time since that event. So a METAR received a second ago is one second stale, even if
 * the last health record (a few seconds older) still counted an hour.
 */
export function sourceStaleness(state: ChannelState, atMs: number): Record<string, number> {
  const { health } = state;
  if (!health) return {};
  const age = seconds(atMs - ingestMs(health));
  const out: Record<string, number> = {};
  for (const [name, staleness] of Object.entries(health.staleness_s)) {
    const last = DELIVERED[name]?.(state);
    const sinceLast = last ? seconds(atMs - ingestMs(last)) : Infinity;
    out[name] = Math.min(staleness + age, sinceLast);
  }
  return out;
}
