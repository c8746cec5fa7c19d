/**
 * *Re-compact this day*: a day whose Parquet part or manifest is damaged is compacted again from
 * its journal (when the journal is still there), replacing the damaged files the usual atomic way.
 * Shared by the browser bridge (in its process) and the desktop app (in a utility process).
 */
import type { DayRef } from '../shared/api';
import type { DataRoot } from './data-root';
import { exists } from './files';
import { getStation } from '../shared/stations';
import { localDayBoundsUtc } from '../shared/time';

export async function recompactDay(dataRoot: DataRoot, day: DayRef): Promise<{ summary: string }> {
  const name = `${day.station_id} ${day.date}`;
  if (!(await exists(dataRoot.journalDir(day)))) throw new Error(`${name} cannot be compacted again: its journal is not under ${dataRoot.root}/journal any more`);
  // loaded on use: DuckDB's native binding is not needed by anything else here
  const { compactDay } = await import('./compactor');
  // A rebuild: an incremental pass would keep the damaged parts it did not need to touch. A day
  // still being recorded keeps its torn last line for the next pass, as the live passes do.
  const [, dayEnd] = localDayBoundsUtc(day.date, getStation(day.station_id).timeZone);
  const tailMode = Date.now() < dayEnd ? 'pending' : 'quarantine';
  const r = await compactDay({ dataRoot, station: day.station_id, date: day.date, rebuild: true, tailMode });
  const t = r.manifest.totals;
  const channels = Object.keys(r.manifest.channels).length;
  return {
    summary: `${name} compacted again: ${t.events_written.toLocaleString('en-US')} rows in ${channels} channels, ${t.quarantined.toLocaleString('en-US')} lines quarantined (${(r.elapsedMs / 1000).toFixed(1)} s)`,
  };
}
