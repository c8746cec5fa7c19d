/**
 * The simulated model's `features` payload: what HELIOS knew each minute and how old each input
 * was. Inputs refresh at their real cadences — METAR hourly (plus SPECI), PWS every few seconds,
 * GOES-East cloud/shortwave every 5 min, upstream stations every 5 min, HRRR hourly, aerosol
 * hourly, sea surface temperature daily — so staleness grows and resets in a recognisable saw-tooth.
 */
import { seaSurfaceC, shortwaveWm2, solarElevationDeg, dayOfYear } from './climate';
import { Rng, seedOf } from './rng';
import { HOUR, MINUTE, minuteIndex, sample, type WeatherDay, type WeatherReport } from './weather';

const SATELLITE_EVERY = 5 * MINUTE;
const SATELLITE_LATENCY = 4 * MINUTE;
const HRRR_LATENCY = 55 * MINUTE;
const AOD_LATENCY = 20 * MINUTE;

export interface FeaturesPayload {
  model_run: string | null;
  features: Record<string, number | null>;
  staleness_s: Record<string, number>;
}

export interface FeatureInputs {
  /** Latest METAR/SPECI received (any day), or null. */
  lastReport: WeatherReport | null;
  /** Latest PWS poll received: its time, median and support. */
  lastPws: { atMs: number; median: number; support: number } | null;
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const ageS = (nowMs: number, atMs: number) => Math.max(0, Math.round((nowMs - atMs) / 100) / 10);

export class FeatureModel {
  private readonly sstOffset: number;
  private readonly aodBase: number;
  private trueHighF = -Infinity;
  private peakAtMs = 0;

  constructor(
    private readonly weather: WeatherDay,
    private readonly seed: string | number,
  ) {
    const rng = new Rng(seedOf(seed, weather.station, weather.date, 'features'));
    this.sstOffset = rng.gauss(0, 0.8);
    this.aodBase = rng.range(0.06, 0.22);
    for (let i = minuteIndex(weather, weather.dayStartMs); i < minuteIndex(weather, weather.dayEndMs); i++) {
      if (weather.tempF[i]! > this.trueHighF) {
        this.trueHighF = weather.tempF[i]!;
        this.peakAtMs = weather.gridStartMs + i * MINUTE;
      }
    }
  }

  /** HRRR run (init hour) whose output is available at `nowMs`. */
  private hrrrInit(nowMs: number): number {
    return Math.floor((nowMs - HRRR_LATENCY) / HOUR) * HOUR;
  }

  /** A run's forecast of the day's high: truth plus an error that shrinks for runs closer to the peak. */
  private hrrrTmax(initMs: number): number {
    const w = this.weather;
    const rng = new Rng(seedOf(this.seed, w.station, w.date, 'hrrr', initMs));
    const hoursAhead = Math.max(0, (this.peakAtMs - initMs) / HOUR);
    return this.trueHighF + rng.gauss(0.3, 0.7 + 0.12 * hoursAhead);
  }

  compute(nowMs: number, inputs: FeatureInputs): FeaturesPayload {
    const w = this.weather;
    const features: Record<string, number | null> = {};
    const staleness: Record<string, number> = {};
    const put = (key: string, value: number | null, atMs: number) => {
      features[key] = value === null ? null : r2(value);
      staleness[key] = ageS(nowMs, atMs);
    };

    const report = inputs.lastReport;
    if (report) {
      const i = minuteIndex(w, report.obsMs);
      put('metar_temp_f', report.tempF, report.obsMs);
      put('metar_dewpoint_f', Math.min(report.tempF, w.dewF[i]!), report.obsMs);
      put('wind_dir_deg', Math.round(w.windDir[i]! / 10) * 10, report.obsMs);
      put('wind_kt', Math.round(w.windKt[i]!), report.obsMs);
      put('gust_kt', w.gustKt[i]! > 0 ? Math.round(w.gustKt[i]!) : null, report.obsMs);
      put('altimeter_inhg', w.slpHpa[i]! / 33.8639, report.obsMs);
      put('visibility_sm', w.visSm[i]!, report.obsMs);
    }
    if (inputs.lastPws) {
      put('pws_median_f', inputs.lastPws.median, inputs.lastPws.atMs);
      put('pws_support', inputs.lastPws.support, inputs.lastPws.atMs);
    }

    const scanMs = Math.floor((nowMs - SATELLITE_LATENCY) / SATELLITE_EVERY) * SATELLITE_EVERY;
    const cover = sample(w, w.cover, scanMs);
    put('cloud_cover', cover, scanMs);
    put('shortwave_wm2', shortwaveWm2(solarElevationDeg(w.climate, scanMs), cover), scanMs);
    // Upstream stations (KEWR/KTEB/KMMU) see what reaches LaGuardia 1–2 h later.
    put('upstream_delta_f', sample(w, w.tempF, scanMs + 90 * MINUTE) - sample(w, w.tempF, scanMs + 30 * MINUTE), scanMs);

    const init = this.hrrrInit(nowMs);
    put('hrrr_tmax_f', this.hrrrTmax(init), init + HRRR_LATENCY);
    put('hrrr_t2m_next_hour_f', sample(w, w.tempF, nowMs + HOUR) + new Rng(seedOf(this.seed, 'hrrr-t2m', init)).gauss(0, 1), init + HRRR_LATENCY);

    const aodAt = Math.floor((nowMs - AOD_LATENCY) / HOUR) * HOUR;
    put('aod_550', this.aodBase * (1 + 0.25 * Math.sin(aodAt / (7 * HOUR))), aodAt + AOD_LATENCY);

    const sstValidMs = Math.floor((nowMs - 18 * HOUR) / (24 * HOUR)) * 24 * HOUR + 12 * HOUR; // 12Z of the UTC day 18 h ago
    put('sst_c', seaSurfaceC(w.climate, dayOfYear(w.date)) + this.sstOffset, sstValidMs);

    put('solar_elevation_deg', solarElevationDeg(w.climate, nowMs), nowMs);

    const initDate = new Date(init);
    return {
      model_run: `hrrr.${initDate.toISOString().slice(0, 10).replaceAll('-', '')}.t${String(initDate.getUTCHours()).padStart(2, '0')}z`,
      features,
      staleness_s: staleness,
    };
  }
}
