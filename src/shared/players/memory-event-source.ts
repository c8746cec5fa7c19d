/**
 * An EventSource over events held in memory (tests, small imported files). Same answers as the
 * SQL sources: the contract of `EventSource` implemented over a sorted array.
 */
import type { Channel } from '../channels';
import type { Marker } from '../manifest';
import type { AnyEvent } from '../schemas';
import { getStation } from '../stations';
import { localDayBoundsUtc, stationDate } from '../time';
import { lowerBound } from '../sorted';
import { BackfillTracker } from './backfill-tracker';
import { compareEvents, throwIfAborted, type EventSource, type FetchOptions, type SourceInfo } from './event-source';

export interface MemoryEventSourceOptions {
  markers?: Marker[];
  snapshotLookbackMs?: number;
  /** Awaited before every answer (lets tests hold a load back to observe BUFFERING). */
  delay?: (kind: 'fetch' | 'backfill') => Promise<void>;
}

export class MemoryEventSource implements EventSource {
  private readonly events: AnyEvent[];
  private readonly times: number[];
  private readonly info: SourceInfo;
  private readonly snapshotLookbackMs: number;

  constructor(
    events: readonly AnyEvent[],
    private readonly options: MemoryEventSourceOptions = {},
  ) {
    if (events.length === 0) throw new Error('MemoryEventSource needs at least one event');
    this.events = [...events].sort(compareEvents);
    this.times = this.events.map((e) => Date.parse(e.ts_ingest_utc));
    this.snapshotLookbackMs = options.snapshotLookbackMs ?? 30_000;
    const first = this.events[0]!;
    const station = getStation(first.station_id);
    const date = stationDate(this.times[0]!, station.id);
    const [dayStart, dayEnd] = localDayBoundsUtc(date, station.timeZone);
    this.info = {
      station_id: station.id,
      date,
      time_zone: station.timeZone,
      start_ms: Math.floor(this.times[0]!),
      end_ms: Math.floor(this.times.at(-1)!),
      day_start_ms: dayStart,
      day_end_ms: dayEnd,
      channels: [...new Set(this.events.map((e) => e.ch))] as Channel[],
      markers: options.markers ?? [],
    };
  }

  async initialize(): Promise<SourceInfo> {
    return this.info;
  }


  async fetchEvents(t0: number, t1: number, options: FetchOptions = {}): Promise<AnyEvent[]> {
    await this.options.delay?.('fetch');
    throwIfAborted(options.signal);
    return this.events.slice(lowerBound(this.times, t0), lowerBound(this.times, t1));
  }

  async backfill(t: number, options: FetchOptions = {}): Promise<AnyEvent[]> {
    await this.options.delay?.('backfill');
    throwIfAborted(options.signal);
    const hi = Math.floor(t) + 1;
    const tracker = new BackfillTracker();
    const end = lowerBound(this.times, hi);
    for (let i = 0; i < end; i++) tracker.add(this.events[i]!);
    return tracker.backfill(hi - this.snapshotLookbackMs);
  }

  async eventsByCorrelation(correlationId: string): Promise<AnyEvent[]> {
    return this.events.filter((e) => e.correlation_id === correlationId);
  }

  async close(): Promise<void> {}
}
