/**
 * Climatology and sun geometry of the stations the simulator knows. Normals are smooth fits to the
 * NOAA 1991–2020 daily normals at LaGuardia (January ≈ 40/28 °F, July ≈ 85/71 °F); the harbour
 * water temperature follows the Battery/Kings Point seasonal cycle (≈ 4 °C in February, ≈ 23 °C in
 * August). Good enough for a believable day, not a forecast.
 */

export interface StationClimate {
  lat: number;
  /** Degrees east (negative west). */
  lon: number;
  /** Annual means and half-amplitudes of the daily normal high/low, °F, and the day of the peak. */
  highMean: number;
  highAmp: number;
  lowMean: number;
  lowAmp: number;
  peakDoy: number;
  sstMeanC: number;
  sstAmpC: number;
  sstPeakDoy: number;
}

const KLGA: StationClimate = {
  lat: 40.7769,
  lon: -73.874,
  highMean: 62.3,
  highAmp: 22.8,
  lowMean: 49.3,
  lowAmp: 21.3,
  peakDoy: 201,
  sstMeanC: 13.5,
  sstAmpC: 9.5,
  sstPeakDoy: 225,
};

const CLIMATES: Record<string, StationClimate> = {
  KLGA,
  // Central Park: same air mass, a touch cooler at night is within the noise of this model.
  KNYC: { ...KLGA, lat: 40.7789, lon: -73.9692, lowMean: 48.6 },
};

export function stationClimate(stationId: string): StationClimate {
  const c = CLIMATES[stationId];
  if (!c) {
    throw new Error(
      `the simulator has a climate only for ${Object.keys(CLIMATES).join(', ')}; "${stationId}" needs an entry in src/services/sources/simulator/climate.ts`,
    );
  }
  return c;
}

/** Day of year (1–366) of a `YYYY-MM-DD` date. */
export function dayOfYear(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Math.floor((ms - Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

function seasonal(mean: number, amp: number, peakDoy: number, doy: number): number {
  return mean + amp * Math.cos((2 * Math.PI * (doy - peakDoy)) / 365.25);
}

export function normalHighF(c: StationClimate, doy: number): number {
  return seasonal(c.highMean, c.highAmp, c.peakDoy, doy);
}

export function normalLowF(c: StationClimate, doy: number): number {
  return seasonal(c.lowMean, c.lowAmp, c.peakDoy + 4, doy);
}

export function seaSurfaceC(c: StationClimate, doy: number): number {
  return seasonal(c.sstMeanC, c.sstAmpC, c.sstPeakDoy, doy);
}

const RAD = Math.PI / 180;

function declinationRad(doy: number): number {
  return 23.44 * RAD * Math.sin((2 * Math.PI * (284 + doy)) / 365);
}

/** Equation of time in minutes (apparent minus mean solar time). */
function equationOfTimeMin(doy: number): number {
  const b = (2 * Math.PI * (doy - 81)) / 364;
  return 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b);
}

export interface SunTimes {
  sunriseMs: number;
  solarNoonMs: number;
  sunsetMs: number;
}

/** Sunrise, solar noon and sunset (UTC ms) on the UTC calendar day `date` at the station. */
export function sunTimes(c: StationClimate, date: string): SunTimes {
  const doy = dayOfYear(date);
  const noonMin = 720 - 4 * c.lon - equationOfTimeMin(doy);
  const solarNoonMs = Date.parse(`${date}T00:00:00Z`) + noonMin * 60_000;
  const d = declinationRad(doy);
  // -0.833° accounts for refraction and the solar disc.
  const cosH = (Math.sin(-0.833 * RAD) - Math.sin(c.lat * RAD) * Math.sin(d)) / (Math.cos(c.lat * RAD) * Math.cos(d));
  const halfDayMs = (Math.acos(Math.max(-1, Math.min(1, cosH))) / RAD / 15) * 3_600_000;
  return { sunriseMs: solarNoonMs - halfDayMs, solarNoonMs, sunsetMs: solarNoonMs + halfDayMs };
}

/** Solar elevation in degrees at instant `ms`. */
export function solarElevationDeg(c: StationClimate, ms: number): number {
  const midnight = Math.floor(ms / 86_400_000) * 86_400_000;
  const doy = Math.floor((midnight - Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  const d = declinationRad(doy);
  const utcHours = (ms - midnight) / 3_600_000;
  const solarHours = utcHours + c.lon / 15 + equationOfTimeMin(doy) / 60;
  const h = (solarHours - 12) * 15 * RAD;
  const sinEl = Math.sin(c.lat * RAD) * Math.sin(d) + Math.cos(c.lat * RAD) * Math.cos(d) * Math.cos(h);
  return Math.asin(sinEl) / RAD;
}

/** Global horizontal irradiance (W/m²) under cloud fraction `cover` (Haurwitz clear sky, Kasten clouds). */
export function shortwaveWm2(elevationDeg: number, cover: number): number {
  if (elevationDeg <= 0) return 0;
  const sinEl = Math.sin(elevationDeg * RAD);
  const clear = 1098 * sinEl * Math.exp(-0.057 / sinEl);
  return clear * (1 - 0.75 * Math.pow(Math.max(0, Math.min(1, cover)), 3.4));
}
