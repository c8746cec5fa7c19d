/**
 * Personal weather stations around the airport (Astoria, Jackson Heights, East Elmhurst, …). Each
 * station samples the same air with its own bias, sun exposure and noise, and reports every
 * 10–60 s; a poll every 2–5 s returns each online station's latest reading. The day also holds
 * the faults a cluster QC must catch: one or two stations reading several °F off for a while
 * (outliers), stations whose reading stops updating (stale), stations dropping off, and a short
 * outage of the whole feed.
 */
import type { PwsReading } from '../source';
import { shortwaveWm2, solarElevationDeg } from './climate';
import { Rng } from './rng';
import { MINUTE, sample, type WeatherDay } from './weather';

const NEIGHBOURHOODS = ['ASTOR', 'JACKS', 'EASTE', 'CORON', 'FLUSH', 'COLLE', 'WOODS', 'WHITE', 'MASPE', 'LONGI', 'SUNNY', 'ELMHU', 'BAYSI', 'RIDGE'];

interface PwsStation {
  id: string;
  bias: number;
  sunBias: number;
  noise: number;
  intervalMs: number;
  nextObsMs: number;
  obsMs: number;
  tempF: number;
}

interface Episode {
  station: number;
  startMs: number;
  endMs: number;
  /** °F added (outlier) — 0 for stale/offline episodes. */
  offsetF: number;
}

export class PwsNetwork {
  readonly stations: PwsStation[];
  readonly outliers: Episode[] = [];
  readonly stale: Episode[] = [];
  readonly offline: Episode[] = [];
  readonly outage: { startMs: number; endMs: number } | null;
  private nextPollMs: number;

  constructor(
    private readonly weather: WeatherDay,
    private readonly rng: Rng,
  ) {
    const count = rng.int(10, 20);
    const used = new Set<string>();
    this.stations = [];
    while (this.stations.length < count) {
      const id = `KNY${rng.pick(NEIGHBOURHOODS)}${rng.int(1, 199)}`;
      if (used.has(id)) continue;
      used.add(id);
      this.stations.push({
        id,
        bias: rng.gauss(0.4, 0.6), // urban stations run a little warm
        sunBias: rng.chance(0.25) ? rng.range(0.8, 2.2) : rng.range(0, 0.5),
        noise: rng.range(0.1, 0.3),
        intervalMs: rng.int(10, 60) * 1000,
        nextObsMs: weather.gridStartMs + rng.int(0, 60_000),
        obsMs: weather.gridStartMs,
        tempF: NaN,
      });
    }
    const day = weather.dayEndMs - weather.dayStartMs;
    const at = (fromFrac: number, toFrac: number) => weather.dayStartMs + rng.range(fromFrac, toFrac) * day;
    for (let i = 0, n = 1 + rng.poisson(0.8); i < Math.min(n, 3); i++) {
      const startMs = at(0.3, 0.85); // mostly daytime: sun on a badly sited sensor
      this.outliers.push({
        station: rng.int(0, count - 1),
        startMs,
        endMs: startMs + rng.range(20, 70) * MINUTE,
        offsetF: (rng.chance(0.8) ? 1 : -1) * rng.range(4.5, 9),
      });
    }
    for (let i = 0, n = 1 + rng.poisson(1); i < Math.min(n, 4); i++) {
      const startMs = at(0, 0.95);
      this.stale.push({ station: rng.int(0, count - 1), startMs, endMs: startMs + rng.range(15, 90) * MINUTE, offsetF: 0 });
    }
    for (let i = 0, n = rng.poisson(1.2); i < Math.min(n, 4); i++) {
      const startMs = at(0, 0.95);
      this.offline.push({ station: rng.int(0, count - 1), startMs, endMs: startMs + rng.range(10, 120) * MINUTE, offsetF: 0 });
    }
    const outageStart = at(0.05, 0.95);
    this.outage = rng.chance(0.5) ? { startMs: outageStart, endMs: outageStart + rng.range(3, 7) * MINUTE } : null;
    this.nextPollMs = weather.gridStartMs;
  }

  private truthAt(s: PwsStation, ms: number): number {
    const w = this.weather;
    const cover = sample(w, w.cover, ms);
    const sun = shortwaveWm2(solarElevationDeg(w.climate, ms), cover) / 800;
    let t = sample(w, w.tempF, ms) + s.bias + s.sunBias * sun + s.noise * this.rng.normal();
    for (const e of this.outliers) if (this.stations[e.station] === s && ms >= e.startMs && ms < e.endMs) t += e.offsetF;
    return Math.round(t * 10) / 10;
  }

  private inEpisode(list: Episode[], index: number, ms: number): boolean {
    for (const e of list) if (e.station === index && ms >= e.startMs && ms < e.endMs) return true;
    return false;
  }

  outlierActive(ms: number): boolean {
    return this.outliers.some((e) => ms >= e.startMs && ms < e.endMs);
  }

  outageActive(ms: number): boolean {
    return this.outage !== null && ms >= this.outage.startMs && ms < this.outage.endMs;
  }

  /** Time of the next poll, if it falls before `untilMs`. */
  nextPollBefore(untilMs: number): number | null {
    return this.nextPollMs < untilMs ? this.nextPollMs : null;
  }

  /** Run the poll due at `nextPollBefore`; null while the feed is out. */
  poll(): { atMs: number; readings: PwsReading[] } | null {
    const atMs = this.nextPollMs;
    this.nextPollMs += this.rng.int(2000, 5000);
    for (let i = 0; i < this.stations.length; i++) {
      const s = this.stations[i]!;
      while (s.nextObsMs <= atMs) {
        if (!this.inEpisode(this.stale, i, s.nextObsMs) || Number.isNaN(s.tempF)) {
          s.obsMs = s.nextObsMs;
          s.tempF = this.truthAt(s, s.nextObsMs);
        }
        s.nextObsMs += s.intervalMs + this.rng.int(-1500, 1500);
      }
    }
    if (this.outageActive(atMs)) return null;
    const readings: PwsReading[] = [];
    for (let i = 0; i < this.stations.length; i++) {
      const s = this.stations[i]!;
      if (Number.isNaN(s.tempF) || this.inEpisode(this.offline, i, atMs)) continue;
      readings.push({ pws_id: s.id, temp_f: s.tempF, obs_time_ms: s.obsMs });
    }
    return { atMs, readings };
  }
}

/** Median of `values` (sorted in place). */
export function median(values: number[]): number {
  const v = values.sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}
