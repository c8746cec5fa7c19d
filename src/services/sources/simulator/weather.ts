/**
 * The weather of one simulated station-local day, fixed in advance from (seed, station, date) on a
 * one-minute grid that reaches 3 h beyond both ends of the day: a diurnal temperature curve (minimum
 * just after sunrise, maximum mid/late afternoon) around the season's normals, a sky regime, wind,
 * pressure, and discrete events — a cold or warm front, showers, morning fog, a sea breeze — which
 * are what make SPECIs happen. The METAR/SPECI reports of the day are derived from the grid here.
 */
import { getStation } from '../../../shared/stations';
import { addDays, localDayBoundsUtc, utcOffsetMinutes } from '../../../shared/time';
import { dayOfYear, normalHighF, normalLowF, stationClimate, sunTimes, type StationClimate } from './climate';
import { formatReport, type ReportFields, type SkyLayer } from './metar-format';
import { Rng, seedOf } from './rng';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
const MARGIN_MS = 3 * HOUR;

export type Sky = 'clear' | 'partly' | 'cloudy';
export type PrecipKind = 0 | 1 | 2; // none, rain, snow

export interface Front {
  kind: 'cold' | 'warm';
  /** Instant the wind shifts and the temperature change is half done. */
  atMs: number;
  deltaF: number;
  durationMs: number;
}

export interface WeatherEvent {
  kind: 'shower' | 'fog';
  startMs: number;
  endMs: number;
}

export interface WeatherReport {
  type: 'METAR' | 'SPECI';
  obsMs: number;
  receivedMs: number;
  raw: string;
  /** The temperature the report encodes, tenths of °C (remarks T-group). */
  tempTenthsC: number;
  /** Same, in °F (exact for tenths of °C). */
  tempF: number;
  /** Why a SPECI was issued (e.g. "wind shift", "visibility", "ceiling"). */
  reason: string;
}

export interface WeatherDay {
  station: string;
  date: string;
  dayStartMs: number;
  dayEndMs: number;
  gridStartMs: number;
  minutes: number;
  sky: Sky;
  humid: boolean;
  front: Front | null;
  events: WeatherEvent[];
  seaBreezeMs: number | null;
  climate: StationClimate;
  tempF: Float64Array;
  dewF: Float64Array;
  windDir: Float64Array;
  windKt: Float64Array;
  gustKt: Float64Array;
  cover: Float64Array;
  visSm: Float64Array;
  precip: Uint8Array;
  /** 1 when the precipitation is showery (SH descriptor). */
  showery: Uint8Array;
  /** Precipitation rate, inches per hour. */
  precipRate: Float64Array;
  slpHpa: Float64Array;
  /** Base of the event-driven low layer in ft, NaN when none. */
  lowBaseFt: Float64Array;
  lowCover: Float64Array;
  mainBaseFt: number;
  cirrus: boolean;
  reports: WeatherReport[];
}

export interface WeatherOptions {
  station: string;
  date: string;
  seed: string | number;
}

const smoothstep = (u: number) => (u <= 0 ? 0 : u >= 1 ? 1 : u * u * (3 - 2 * u));
const cosRise = (u: number) => (u <= 0 ? 0 : u >= 1 ? 1 : (1 - Math.cos(Math.PI * u)) / 2);

/** Index into a grid array for instant `ms` (clamped). */
export function minuteIndex(w: WeatherDay, ms: number): number {
  const i = Math.floor((ms - w.gridStartMs) / MINUTE);
  return i < 0 ? 0 : i >= w.minutes ? w.minutes - 1 : i;
}

/** Linear interpolation of a grid series at `ms`. */
export function sample(w: WeatherDay, series: Float64Array, ms: number): number {
  const x = (ms - w.gridStartMs) / MINUTE;
  if (x <= 0) return series[0]!;
  if (x >= w.minutes - 1) return series[w.minutes - 1]!;
  const i = Math.floor(x);
  const f = x - i;
  return series[i]! * (1 - f) + series[i + 1]! * f;
}

export function fahrenheitFromTenthsC(tenths: number): number {
  return (tenths * 18 + 3200) / 100;
}

export function tenthsCFromF(f: number): number {
  return Math.round(((f - 32) * 50) / 9);
}

/** Hours since local midnight of the station at `ms` (wall clock). */
export function localHour(stationTz: string, ms: number): number {
  const local = ms + utcOffsetMinutes(ms, stationTz) * MINUTE;
  return (((local % 86_400_000) + 86_400_000) % 86_400_000) / HOUR;
}

/** A smooth random wiggle with zero mean and roughly unit standard deviation. */
function wiggle(rng: Rng, minPeriodMin: number, maxPeriodMin: number): (ms: number) => number {
  const terms = [0, 1, 2].map(() => ({
    period: rng.range(minPeriodMin, maxPeriodMin) * MINUTE,
    phase: rng.range(0, 2 * Math.PI),
  }));
  const k = Math.sqrt(2 / terms.length);
  return (ms) => k * terms.reduce((sum, t) => sum + Math.sin((2 * Math.PI * ms) / t.period + t.phase), 0);
}

function angleLerp(a: number, b: number, u: number): number {
  const d = ((((b - a) % 360) + 540) % 360) - 180;
  return (a + d * u + 360) % 360;
}

export function buildWeatherDay(opts: WeatherOptions): WeatherDay {
  const station = getStation(opts.station);
  const climate = stationClimate(station.id);
  const [dayStartMs, dayEndMs] = localDayBoundsUtc(opts.date, station.timeZone);
  const rng = new Rng(seedOf(opts.seed, station.id, opts.date, 'weather'));
  const doy = dayOfYear(opts.date);
  const summerness = (Math.cos((2 * Math.PI * (doy - 201)) / 365.25) + 1) / 2; // 1 in July, 0 in January

  // --- Regime -----------------------------------------------------------------------------------
  const sky: Sky = (['clear', 'partly', 'cloudy'] as const)[rng.weighted([0.34, 0.38, 0.28])]!;
  const humid = rng.chance(0.25 + 0.55 * summerness);
  const anomalyHigh = rng.gauss(0, 5.5);
  const anomalyLow = 0.7 * anomalyHigh + rng.gauss(0, 2.5);
  const rangeFactor = sky === 'clear' ? 1.15 : sky === 'partly' ? 1 : 0.6;
  const normalHigh = normalHighF(climate, doy);
  const normalLow = normalLowF(climate, doy);
  const tMax = normalHigh + anomalyHigh;
  const tMin = Math.min(normalLow + anomalyLow, tMax - 4 - 3 * rangeFactor) + (1 - rangeFactor) * 0.5 * (normalHigh - normalLow);
  const tSet = tMax - rng.range(0.2, 0.35) * (tMax - tMin);
  const tSetPrev = tSet + rng.gauss(0, 2.5);
  const tMinNext = tMin + rng.gauss(0, 2.5);

  const sun = sunTimes(climate, opts.date);
  const sunPrev = sunTimes(climate, addDays(opts.date, -1));
  const sunNext = sunTimes(climate, addDays(opts.date, 1));
  const tMinAt = sun.sunriseMs + rng.range(10, 35) * MINUTE;
  const peakLagH = sky === 'cloudy' ? rng.range(1.6, 2.6) : rng.range(2.3, 3.4);
  const tPeakAt = sun.solarNoonMs + peakLagH * HOUR;
  const tMinNextAt = sunNext.sunriseMs + 20 * MINUTE;

  const diurnal = (ms: number): number => {
    if (ms < tMinAt) {
      const u = Math.max(0, (ms - sunPrev.sunsetMs) / (tMinAt - sunPrev.sunsetMs));
      return tMin + (tSetPrev - tMin) * Math.pow(1 - u, 1.8);
    }
    if (ms < tPeakAt) return tMin + (tMax - tMin) * cosRise((ms - tMinAt) / (tPeakAt - tMinAt));
    if (ms < sun.sunsetMs) return tMax - (tMax - tSet) * cosRise((ms - tPeakAt) / (sun.sunsetMs - tPeakAt));
    const u = Math.min(1, (ms - sun.sunsetMs) / (tMinNextAt - sun.sunsetMs));
    return tMinNext + (tSet - tMinNext) * Math.pow(1 - u, 1.8);
  };

  // --- Events -----------------------------------------------------------------------------------
  const front: Front | null = rng.chance(0.38)
    ? (() => {
        const kind = rng.chance(0.72) ? 'cold' : 'warm';
        return {
          kind,
          atMs: avoidMetarMinutes(dayStartMs + rng.range(3, 22) * HOUR),
          deltaF: kind === 'cold' ? -rng.range(5, 13) : rng.range(3, 8),
          durationMs: rng.range(35, 100) * MINUTE,
        } satisfies Front;
      })()
    : null;
  const events: WeatherEvent[] = [];
  // At least one shower a day: its visibility/ceiling changes guarantee SPECIs (and a sudden dip).
  const showers = Math.min(3, 1 + rng.poisson(front ? 0.3 : 0.5));
  for (let i = 0; i < showers; i++) {
    const start = avoidMetarMinutes(dayStartMs + rng.range(1.5, 21.5) * HOUR);
    events.push({ kind: 'shower', startMs: start, endMs: start + Math.round(rng.range(20, 40)) * MINUTE });
  }
  const baseWind = rng.range(4, 13);
  if (humid && sky !== 'cloudy' && baseWind < 8 && rng.chance(0.35)) {
    events.push({ kind: 'fog', startMs: sun.sunriseMs - rng.range(1.5, 3) * HOUR, endMs: sun.sunriseMs + rng.range(0.7, 2) * HOUR });
  }
  const seaBreezeMs =
    summerness > 0.6 && sky !== 'cloudy' && baseWind < 10 && !front && rng.chance(0.45)
      ? sun.solarNoonMs + rng.range(-0.5, 1.5) * HOUR
      : null;

  // --- Grid -------------------------------------------------------------------------------------
  const gridStartMs = dayStartMs - MARGIN_MS;
  const minutes = Math.round((dayEndMs + MARGIN_MS - gridStartMs) / MINUTE);
  const arr = () => new Float64Array(minutes);
  const w: WeatherDay = {
    station: station.id,
    date: opts.date,
    dayStartMs,
    dayEndMs,
    gridStartMs,
    minutes,
    sky,
    humid,
    front,
    events,
    seaBreezeMs,
    climate,
    tempF: arr(),
    dewF: arr(),
    windDir: arr(),
    windKt: arr(),
    gustKt: arr(),
    cover: arr(),
    visSm: arr(),
    precip: new Uint8Array(minutes),
    showery: new Uint8Array(minutes),
    precipRate: arr(),
    slpHpa: arr(),
    lowBaseFt: arr(),
    lowCover: arr(),
    mainBaseFt:
      sky === 'cloudy'
        ? Math.round(rng.range(18, 45)) * 100
        : sky === 'partly'
          ? Math.round(rng.range(35, 65)) * 100
          : 25_000,
    cirrus: rng.chance(sky === 'clear' ? 0.35 : 0.45),
    reports: [],
  };

  const tempWiggle = wiggle(rng, 35, 170);
  const wobbleAmp = sky === 'partly' ? 0.8 : sky === 'clear' ? 0.3 : 0.45;
  const coverWiggle = wiggle(rng, 40, 200);
  const coverMean = sky === 'clear' ? 0.04 : sky === 'partly' ? 0.45 : 0.9;
  const coverAmp = sky === 'clear' ? 0.04 : sky === 'partly' ? 0.2 : 0.08;
  const dirWiggle = wiggle(rng, 30, 150);
  const speedWiggle = wiggle(rng, 20, 90);
  const depWiggle = wiggle(rng, 60, 240);
  const prevailingDir =
    summerness > 0.6 ? rng.gauss(210, 30) : summerness < 0.35 ? rng.gauss(305, 30) : rng.range(0, 360);
  const gusty = rng.chance(0.2 + 0.2 * (1 - summerness));
  // The dew point stays near the night's minimum through the day, so the spread grows with heating.
  const baseDew = tMin - (humid ? rng.range(1, 4) : rng.range(6, 15));
  const slpBase = rng.gauss(1016, 7);
  const slpTrend = rng.gauss(0, 0.35); // hPa per hour

  const postFrontDir = front ? (front.kind === 'cold' ? rng.range(290, 340) : rng.range(190, 240)) : 0;
  const preFrontDir = front ? (front.kind === 'cold' ? rng.range(190, 240) : rng.range(70, 130)) : 0;
  const postFrontSpeed = front ? rng.range(15, 22) : 0;
  const seaBreezeKt = rng.range(8.5, 11.5);
  const lowEventBase = new Map<WeatherEvent, number>();
  for (const e of events) {
    const mainCeil = sky === 'cloudy' ? w.mainBaseFt : Infinity;
    lowEventBase.set(
      e,
      e.kind === 'fog' ? rng.int(1, 5) * 100 : mainCeil < 3000 ? rng.int(6, 9) * 100 : rng.int(10, 25) * 100,
    );
  }
  const showerVis = new Map(events.map((e) => [e, rng.range(1.25, 2.75)]));
  const fogVis = rng.pick([0.25, 0.5, 0.75, 1, 1.5]);

  let noise = 0;
  for (let i = 0; i < minutes; i++) {
    const ms = gridStartMs + i * MINUTE;
    noise = 0.9 * noise + 0.25 * Math.sqrt(1 - 0.81) * rng.normal(); // AR(1), stationary sd 0.25 °F
    const daylight = Math.max(0, Math.sin((Math.PI * (ms - sun.sunriseMs)) / (sun.sunsetMs - sun.sunriseMs)));
    let t = diurnal(ms) + wobbleAmp * tempWiggle(ms) * (0.4 + 0.6 * daylight) + noise;
    let dew = baseDew + 2 * depWiggle(ms);
    let depCap = Infinity;
    let cover = coverMean + coverAmp * coverWiggle(ms);
    let dir = prevailingDir + 18 * dirWiggle(ms);
    let speed = baseWind * (0.75 + 0.45 * daylight) + 1.8 * speedWiggle(ms);
    let vis = 10;
    let precip: PrecipKind = 0;
    let showery = 0;
    let rate = 0;
    let lowBase = NaN;
    let lowCover = 0;
    let slp = slpBase + slpTrend * ((ms - dayStartMs) / HOUR) + 0.6 * Math.cos((4 * Math.PI * (ms - sun.solarNoonMs + 2 * HOUR)) / (24 * HOUR));

    if (front) {
      const u = (ms - front.atMs) / front.durationMs + 0.5;
      t += front.deltaF * smoothstep(u);
      const shift = smoothstep((ms - front.atMs) / (15 * MINUTE) + 0.5);
      dir = angleLerp(preFrontDir + 12 * dirWiggle(ms), postFrontDir + 12 * dirWiggle(ms), shift);
      speed = speed * (1 - shift) + (postFrontSpeed + 1.5 * speedWiggle(ms)) * shift * (front.kind === 'cold' ? 1 : 0.7);
      const hoursFrom = (ms - front.atMs) / HOUR;
      if (front.kind === 'cold') {
        dew -= (humid ? 14 : 9) * smoothstep(hoursFrom / 1.5);
        slp += -3 * Math.exp(-((hoursFrom / 3) ** 2)) + 5 * smoothstep(hoursFrom / 6);
        // A band of convective cloud and showers riding the front.
        const band = Math.exp(-(((hoursFrom + 0.3) / 0.9) ** 2));
        cover = cover * (1 - band) + 1 * band;
        if (hoursFrom > -0.5 && hoursFrom < 0.4 && humid) {
          precip = 1;
          rate = 0.05 + 0.15 * band;
          vis = Math.min(vis, 4);
          lowBase = 2200;
          lowCover = 0.7;
        }
        if (hoursFrom > 0.5) cover *= 1 - 0.7 * smoothstep((hoursFrom - 0.5) / 2);
      } else {
        slp += -2 * smoothstep(hoursFrom / 3 + 1);
        if (hoursFrom > -3 && hoursFrom < 0.2) {
          lowBase = 900;
          lowCover = 1;
          cover = 1;
          depCap = Math.min(depCap, 2);
          vis = 4;
          precip = hoursFrom > -1.5 ? 1 : 0;
          rate = precip ? 0.02 : 0;
        }
        dew += 5 * smoothstep(hoursFrom + 1);
      }
    }
    if (seaBreezeMs !== null && ms > seaBreezeMs) {
      const on = smoothstep((ms - seaBreezeMs) / (40 * MINUTE)) * (1 - smoothstep((ms - sun.sunsetMs) / (2 * HOUR)));
      dir = angleLerp(dir, 165 + 10 * dirWiggle(ms), on);
      speed = speed * (1 - on) + seaBreezeKt * on;
      t -= 3 * on * daylight;
    }
    for (const e of events) {
      if (e.kind === 'shower') {
        const onset = smoothstep((ms - e.startMs) / (8 * MINUTE));
        const recover = Math.exp(-Math.max(0, ms - e.endMs) / (50 * MINUTE));
        t -= 3.2 * onset * recover;
        depCap = Math.min(depCap, 2.5 + 12 * (1 - onset * recover));
        if (ms >= e.startMs && ms < e.endMs) {
          lowBase = lowEventBase.get(e)!;
          lowCover = 0.75;
          cover = Math.max(cover, 0.8);
          vis = Math.min(vis, showerVis.get(e)!);
          showery = 1;
          speed += 4;
          rate = 0.08;
          precip = 1;
        }
      } else if (ms >= e.startMs && ms < e.endMs) {
        lowBase = lowEventBase.get(e)!;
        lowCover = 1;
        vis = Math.min(vis, fogVis);
        depCap = Math.min(depCap, 0.8);
      }
    }
    if (precip && t <= 33.5) precip = 2;
    const gust = speed >= 10 && (gusty || (front?.kind === 'cold' && ms > front.atMs)) ? speed + rng.range(7, 14) : 0;

    w.tempF[i] = t;
    w.dewF[i] = t - Math.max(0.3, Math.min(t - dew, depCap));
    w.showery[i] = showery;
    w.windDir[i] = ((dir % 360) + 360) % 360;
    w.windKt[i] = Math.max(0, speed);
    w.gustKt[i] = gust;
    w.cover[i] = Math.max(0, Math.min(1, cover));
    w.visSm[i] = vis;
    w.precip[i] = precip;
    w.precipRate[i] = rate;
    w.slpHpa[i] = slp;
    w.lowBaseFt[i] = lowBase;
    w.lowCover[i] = lowCover;
  }
  w.reports = buildReports(w, rng);
  return w;
}

/** Keep scheduled events out of the few minutes around :51 so the hourly METAR doesn't swallow them. */
function avoidMetarMinutes(ms: number): number {
  const m = new Date(ms).getUTCMinutes();
  const rounded = Math.floor(ms / MINUTE) * MINUTE;
  return m >= 44 && m <= 55 ? rounded + (57 - m) * MINUTE : rounded;
}

// --- Reports -------------------------------------------------------------------------------------

function coverCode(fraction: number): SkyLayer['cover'] | null {
  if (fraction < 0.06) return null;
  if (fraction < 0.31) return 'FEW';
  if (fraction < 0.56) return 'SCT';
  if (fraction < 0.88) return 'BKN';
  return 'OVC';
}

const COVER_RANK = { FEW: 1, SCT: 2, BKN: 3, OVC: 4 } as const;

export function skyLayers(w: WeatherDay, i: number): SkyLayer[] {
  const layers: SkyLayer[] = [];
  const low = w.lowBaseFt[i]!;
  if (!Number.isNaN(low)) layers.push({ cover: coverCode(w.lowCover[i]!) ?? 'BKN', baseFt: low });
  const main = coverCode(w.cover[i]!);
  if (main) layers.push({ cover: main, baseFt: w.mainBaseFt });
  if (w.cirrus && w.mainBaseFt < 20_000) layers.push({ cover: 'SCT', baseFt: 25_000 });
  layers.sort((a, b) => a.baseFt - b.baseFt);
  // Summation principle: a higher layer reports at least the cover below it; nothing above OVC.
  const out: SkyLayer[] = [];
  for (const l of layers) {
    const prev = out[out.length - 1];
    if (prev?.cover === 'OVC') break;
    if (prev && prev.baseFt === l.baseFt) continue;
    out.push(prev && COVER_RANK[l.cover] < COVER_RANK[prev.cover] ? { ...l, cover: prev.cover } : l);
  }
  return out.slice(0, 3);
}

function ceilingFt(layers: SkyLayer[]): number {
  for (const l of layers) if (l.cover === 'BKN' || l.cover === 'OVC') return l.baseFt;
  return Infinity;
}

function visCategory(vis: number): number {
  return vis >= 3 ? 0 : vis >= 2 ? 1 : vis >= 1 ? 2 : 3;
}

function ceilCategory(ceil: number): number {
  return ceil >= 3000 ? 0 : ceil >= 1000 ? 1 : ceil >= 500 ? 2 : 3;
}

function reportFields(w: WeatherDay, i: number, type: 'METAR' | 'SPECI', precipSince: number, rng: Rng): ReportFields {
  const obsMs = w.gridStartMs + i * MINUTE;
  const tempTenthsC = tenthsCFromF(w.tempF[i]!);
  const dewTenthsC = Math.min(tempTenthsC, tenthsCFromF(w.dewF[i]!));
  const speed = Math.round(w.windKt[i]!);
  const gust = Math.round(w.gustKt[i]!);
  return {
    type,
    station: w.station,
    obsMs,
    windDir: Math.round(w.windDir[i]! / 10) * 10,
    windKt: speed,
    gustKt: gust >= speed + 10 ? gust : null,
    variable: speed >= 3 && speed <= 6 && rng.chance(0.15),
    visSm: w.visSm[i]!,
    precip: w.precip[i]! as PrecipKind,
    showery: w.showery[i] === 1,
    precipRate: w.precipRate[i]!,
    sky: skyLayers(w, i),
    tempTenthsC,
    dewTenthsC,
    slpHpa: w.slpHpa[i]!,
    precipInches: precipSince,
    windShiftAtMs: null,
  };
}

function buildReports(w: WeatherDay, rng: Rng): WeatherReport[] {
  const reports: WeatherReport[] = [];
  const push = (fields: ReportFields, reason: string) => {
    reports.push({
      type: fields.type,
      obsMs: fields.obsMs,
      receivedMs: fields.obsMs + Math.round(rng.range(70, 180) * 1000),
      raw: formatReport(fields),
      tempTenthsC: fields.tempTenthsC,
      tempF: fahrenheitFromTenthsC(fields.tempTenthsC),
      reason,
    });
  };
  const shiftSpeci =
    w.front && w.windKt[minuteIndex(w, w.front.atMs + 10 * MINUTE)]! >= 10
      ? Math.floor((w.front.atMs + rng.range(2, 6) * MINUTE) / MINUTE) * MINUTE
      : null;
  let lastVisCat = -1;
  let lastCeilCat = -1;
  let lastReportIdx = -100;
  let lastMetarIdx = -100;
  let precipSinceMetar = 0;
  let precipSeen = false;
  for (let i = 0; i < w.minutes; i++) {
    const ms = w.gridStartMs + i * MINUTE;
    if (w.precip[i]) {
      precipSinceMetar += w.precipRate[i]! / 60;
      precipSeen = true;
    }
    const minute = new Date(ms).getUTCMinutes();
    const layers = skyLayers(w, i);
    const visCat = visCategory(w.visSm[i]!);
    const ceilCat = ceilCategory(ceilingFt(layers));
    const amount = precipSeen ? precipSinceMetar : -1;
    if (minute === 51) {
      push(reportFields(w, i, 'METAR', amount, rng), 'hourly');
      lastVisCat = visCat;
      lastCeilCat = ceilCat;
      lastReportIdx = lastMetarIdx = i;
      precipSinceMetar = 0;
      precipSeen = false;
      continue;
    }
    if (minute >= 47 && minute <= 52) continue; // the hourly report is about to cover it
    if (shiftSpeci === ms) {
      const f = reportFields(w, i, 'SPECI', amount, rng);
      f.windShiftAtMs = w.front!.atMs;
      push(f, 'wind shift');
      lastVisCat = visCat;
      lastCeilCat = ceilCat;
      lastReportIdx = i;
      continue;
    }
    if (lastMetarIdx >= 0 && i - lastReportIdx >= 3 && (visCat !== lastVisCat || ceilCat !== lastCeilCat)) {
      push(reportFields(w, i, 'SPECI', amount, rng), visCat !== lastVisCat ? 'visibility' : 'ceiling');
      lastVisCat = visCat;
      lastCeilCat = ceilCat;
      lastReportIdx = i;
    }
  }
  return reports;
}
