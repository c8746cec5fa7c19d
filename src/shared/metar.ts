/**
 * Real METAR/SPECI strings → the `metar_obs` payload, with metar-taf-parser doing the decoding.
 * A METAR carries only day-of-month and time, so the full observation time is resolved against the
 * moment it was received.
 */
import { parseMetar, type IMetar } from 'metar-taf-parser';
import { judgeAlignedTemp, type RoundingMode } from './contract-rounding';
import { asWindDirection, type MetarObs } from './schemas';
import { toUtcIso } from './time';

export type MetarPayload = Pick<
  MetarObs,
  | 'report_type'
  | 'raw'
  | 'obs_time_utc'
  | 'temp_c'
  | 'dewpoint_c'
  | 'wind_dir_deg'
  | 'wind_kt'
  | 'gust_kt'
  | 'visibility_sm'
  | 'altim_inhg'
  | 'clouds'
  | 'temp_c_precise'
  | 'judge_aligned_temp'
> & { station_id: string };

const REPORT_HEADER = /^(?:(?:METAR|SPECI) )?(?:COR )?[A-Z][A-Z0-9]{3} \d{6}Z /;
const CLOUD_COVERS = new Set(['SKC', 'CLR', 'NSC', 'NCD', 'FEW', 'SCT', 'BKN', 'OVC', 'VV']);

/** Full UTC time of a METAR's `ddhhmmZ` group: the latest such instant not after `receivedMs` + 1 h. */
export function resolveObsTime(day: number, hour: number, minute: number, receivedMs: number): number {
  const received = new Date(receivedMs);
  for (let monthsBack = 0; monthsBack < 3; monthsBack++) {
    const candidate = Date.UTC(received.getUTCFullYear(), received.getUTCMonth() - monthsBack, day, hour, minute);
    const d = new Date(candidate);
    if (d.getUTCDate() !== day) continue; // e.g. day 31 in a 30-day month
    if (candidate <= receivedMs + 3_600_000) return candidate;
  }
  throw new Error(`cannot place METAR time ${day}/${hour}:${minute} near ${received.toISOString()}`);
}

function toStatuteMiles(value: number, unit: string | undefined): number {
  if (unit === 'm') return value / 1609.344;
  if (unit === 'km') return value / 1.609344;
  return value;
}

function toInHg(value: number, unit: string | undefined): number {
  return unit === 'hPa' || unit === 'Q' ? value / 33.8639 : value;
}

function toKnots(value: number, unit: string | undefined): number {
  if (unit === 'MPS') return value * 1.943844;
  if (unit === 'KM/H') return value / 1.852;
  return value;
}

export function parseMetarReport(raw: string, receivedMs: number, rounding: RoundingMode = 'half_away_from_zero'): MetarPayload {
  return decodeMetarReport(raw, receivedMs, rounding).payload;
}

/** `parseMetarReport` with the observation time also as epoch ms (for who needs it as a number). */
export function decodeMetarReport(raw: string, receivedMs: number, rounding: RoundingMode = 'half_away_from_zero'): { payload: MetarPayload; obs_time_ms: number } {
  const text = raw.trim().replace(/\s+/g, ' ').replace(/=$/, '');
  let m: IMetar;
  try {
    m = parseMetar(text);
  } catch (e) {
    throw new Error(`unparseable METAR "${text}": ${(e as Error).message}`);
  }
  // metar-taf-parser is lenient ("KLGA 2917" parses); insist on the report header ourselves.
  if (!REPORT_HEADER.test(text) || !m.station || m.day === undefined || m.hour === undefined || m.minute === undefined) {
    throw new Error(`not a METAR/SPECI report (expected "[METAR|SPECI] CCCC ddhhmmZ …"): "${text}"`);
  }
  const hourly = m.remarks.find((r) => r.type === 'HourlyTemperatureDewPoint') as
    | { temperature?: number; dewPoint?: number }
    | undefined;
  const temp_c = m.temperature ?? null;
  const temp_c_precise = hourly?.temperature ?? null;
  const best = temp_c_precise ?? temp_c;
  const wind = m.wind;
  const speed = wind ? toKnots(wind.speed, wind.unit) : null;
  const obs_time_ms = resolveObsTime(m.day, m.hour, m.minute, receivedMs);
  const payload: MetarPayload = {
    station_id: m.station,
    report_type: /^SPECI\b/.test(text) ? 'SPECI' : 'METAR',
    raw: text,
    obs_time_utc: toUtcIso(obs_time_ms),
    temp_c,
    dewpoint_c: m.dewPoint ?? null,
    // metar-taf-parser: no `degrees` for VRB; 000 with calm; a ddd off the tens (245) or over 360 as given
    wind_dir_deg: speed !== 0 ? asWindDirection(wind?.degrees) : null,
    wind_kt: speed,
    gust_kt: wind?.gust !== undefined ? toKnots(wind.gust, wind.unit) : null,
    visibility_sm: m.visibility ? round(toStatuteMiles(m.visibility.value, m.visibility.unit), 2) : null,
    altim_inhg: m.altimeter ? round(toInHg(m.altimeter.value, m.altimeter.unit), 2) : null,
    clouds: m.clouds
      .filter((c) => CLOUD_COVERS.has(c.quantity))
      .map((c) => ({ cover: c.quantity as MetarObs['clouds'][number]['cover'], base_ft: c.height ?? null })),
    temp_c_precise,
    judge_aligned_temp: best === null ? null : judgeAlignedTemp(best, rounding),
  };
  return { payload, obs_time_ms };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
