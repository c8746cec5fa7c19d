/**
 * Exporting the moment at the cursor as a correlation-id snapshot file (`snapshot.ts`), from a
 * replayed day (exact: the day's source answers the backfill and the whole-day correlation query)
 * or from the live stream (the live player's backfill and its recent events).
 */
import { applyEvents, emptyChannelState, type ChannelState } from '../channel-state';
import { buildSnapshot, serializeSnapshot, snapshotFileName, type SnapshotFile } from '../snapshot';
import { getStation } from '../stations';
import { stationDate } from '../time';
import type { EventSource } from './event-source';
import type { LivePlayer } from './live-player';

export interface ExportRequest {
  at_ms: number;
  /** Default: the correlation of the last event at the cursor. */
  correlation_id?: string;
  /** The state the UI shows; default: rebuilt from the backfill at `at_ms`. */
  state?: ChannelState;
  generator?: string;
  /** How far the search for the correlation's events is (replay). */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportedSnapshot {
  name: string;
  contents: string;
  snapshot: SnapshotFile;
}

function finish(snapshot: SnapshotFile): ExportedSnapshot {
  return { name: snapshotFileName(snapshot), contents: serializeSnapshot(snapshot), snapshot };
}

export async function exportFromSource(source: EventSource, request: ExportRequest): Promise<ExportedSnapshot> {
  const info = await source.initialize();
  const backfill = await source.backfill(request.at_ms);
  const state = request.state ?? applyEvents(emptyChannelState(), backfill);
  const correlation_id = request.correlation_id ?? state.last_event?.correlation_id;
  if (!correlation_id) throw new Error('nothing to export: no event at the cursor');
  const events = await source.eventsByCorrelation(correlation_id, request.onProgress);
  return finish(
    buildSnapshot({
      mode: 'replay',
      station_id: info.station_id,
      date: info.date,
      time_zone: info.time_zone,
      at_ms: request.at_ms,
      correlation_id,
      state,
      events,
      backfill,
      generator: request.generator,
    }),
  );
}

export function exportFromLive(player: LivePlayer, stationId: string, request: ExportRequest): ExportedSnapshot {
  const backfill = player.backfill();
  const state = request.state ?? applyEvents(emptyChannelState(), backfill);
  const correlation_id = request.correlation_id ?? state.last_event?.correlation_id;
  if (!correlation_id) throw new Error('nothing to export: no live event received yet');
  const station = getStation(stationId);
  return finish(
    buildSnapshot({
      mode: 'live',
      station_id: station.id,
      date: stationDate(request.at_ms, station.id),
      time_zone: station.timeZone,
      at_ms: request.at_ms,
      correlation_id,
      state,
      events: player.eventsWithCorrelation(correlation_id),
      backfill,
      generator: request.generator,
    }),
  );
}
