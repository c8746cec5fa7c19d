/**
 * "Which observations and features were active at the cursor, and how stale were they?" — the
 * inputs panel and the exported snapshot answer it the same way, from the channel state alone.
 */
import type { ChannelState } from '../channel-state';
import { parseIsoMs } from '../time';

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
    const age = seconds(atMs - parseIsoMs(features.ts_ingest_utc));
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
      staleness_s: seconds(atMs - parseIsoMs(nowcast.ts_ingest_utc)),
      ...origin(nowcast),
    });
  }
  if (health) {
    const age = seconds(atMs - parseIsoMs(health.ts_ingest_utc));
    for (const [name, staleness] of Object.entries(health.staleness_s)) {
      out.push({
        kind: 'source',
        name,
        value: null,
        staleness_s: staleness + age,
        ...origin(health),
      });
    }
  }
  return out;
}
