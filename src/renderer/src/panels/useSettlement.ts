/** The settlement view's inputs for any panel: the local day's start, the max so far at the cursor and its bucket. */
import { getStation } from '../../../shared/stations';
import { localDayBoundsUtc, parseIsoMs, stationDate } from '../../../shared/time';
import { useApp, useSession } from '../app-context';
import { bucketOfTemp, maxSoFar, type MaxSoFar } from '../settlement';
import type { SessionState } from '../store/session-store';
import { useBucketTokens } from './tokens';

/** Start of the station-local day being shown (the replayed day's, else the station's today). */
export function dayStartOf(state: Pick<SessionState, 'manifest' | 'clock'>): number | null {
  if (state.manifest) return parseIsoMs(state.manifest.day_start_utc);
  const { clock } = state;
  if (!clock?.station_id || clock.current_ms === null) return null;
  try {
    const station = getStation(clock.station_id);
    return localDayBoundsUtc(clock.date ?? stationDate(clock.current_ms, station.id), station.timeZone)[0];
  } catch {
    return null;
  }
}

export interface Settlement {
  max: MaxSoFar | null;
  /** The bucket the max falls in (what the market pays if no higher reading comes). */
  bucket: string | null;
  /** Every METAR of the day up to the cursor is known (replay with the day's history loaded). */
  complete: boolean;
  /** Live: the first METAR this window received, when that is after the day's first hour. */
  knownFrom: number | null;
}

export function useSettlement(): Settlement {
  const { history } = useApp();
  useSession((s) => s.historyRevision);
  const at = useSession((s) => s.clock?.current_ms ?? s.channels.at_ms);
  const dayStart = useSession(dayStartOf);
  const kind = useSession((s) => s.kind);
  const tokens = useBucketTokens();
  if (at === null || dayStart === null) return { max: null, bucket: null, complete: false, knownFrom: null };
  const max = maxSoFar(history.metars, dayStart, at);
  const first = history.metars.length > 0 ? history.metars.t[0]! * 1000 : null;
  const complete = kind === 'replay' && history.day !== null;
  return {
    max,
    bucket: max ? bucketOfTemp(max.temp, tokens.map((t) => t.bucket)) : null,
    complete,
    knownFrom: kind === 'live' && first !== null && first > dayStart + 3_600_000 ? first : null,
  };
}
