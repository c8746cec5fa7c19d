/**
 * `simulateDay`: the whole simulated stream of a station-local day (or a slice of it) as a lazy,
 * deterministic iterable — for synthesizing a past day quickly, tests and benchmarks.
 */
import type { SourceMessage } from '../source';
import { DEFAULT_STATION, getStation } from '../../../shared/stations';
import { DATE_PATTERN, stationDate } from '../../../shared/time';
import { DaySimulation, type DayOptions } from './day-simulation';
import type { SimulatedMarket } from './market';

export interface SimulateDayOptions {
  /** Station id (default KLGA). */
  station?: string;
  /** Station-local date `YYYY-MM-DD`; defaults to the local date of `from`. */
  date?: string;
  /** Same seed + station + date → the identical stream (default 1). */
  seed?: string | number;
  /** Bucket tokens in the market, 6–12 (default 8). */
  tokens?: number;
  /** Only messages received in [from, to) (UTC ms); default the whole local day. */
  from?: number;
  to?: number;
}

export function resolveDayOptions(options: SimulateDayOptions): DayOptions {
  const station = getStation(options.station ?? DEFAULT_STATION).id;
  const date = options.date ?? (options.from !== undefined ? stationDate(options.from, station) : undefined);
  if (date === undefined) throw new Error('simulateDay needs a `date` (YYYY-MM-DD, station-local) or a `from` instant');
  if (!DATE_PATTERN.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new Error(`not a date: "${date}" (expected YYYY-MM-DD)`);
  return {
    station,
    date,
    seed: options.seed ?? 1,
    tokens: options.tokens ?? 8,
    fromMs: options.from ?? -Infinity,
    toMs: options.to ?? Infinity,
  };
}

/** The message stream of one simulated day, in non-decreasing `received_ms` order. */
export function* simulateDay(options: SimulateDayOptions): Generator<SourceMessage, void, undefined> {
  const sim = new DaySimulation(resolveDayOptions(options));
  while (!sim.done) {
    const batch = sim.step();
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      if (m.kind !== 'lost') yield m;
    }
  }
}

/** The market (tokens, bucket labels, market ids) the same options produce. */
export function simulatedMarket(options: SimulateDayOptions): SimulatedMarket {
  return new DaySimulation(resolveDayOptions(options)).market;
}
