/**
 * Background decoding that makes later seeks cheap, started after the first frame: the small
 * channels' row groups and their events (read whole at every seek; the first seek would otherwise
 * decode them all) and the ingest-time index of every row group of the others (without it a seek
 * first decodes a group's time column, then its rows: two steps per group). `background` priority,
 * and it waits while a seek is being answered. Best effort: a seek decodes whatever is missing
 * itself.
 */
import type { Channel } from '../../../shared/channels';
import type { RowGroupSpan } from '../../../shared/players/day-spans';
import { tableFromIPC } from 'apache-arrow';
import { arrowToEvents } from './arrow-events';
import { SMALL, timesOf, type BlockCache } from './block-cache';

/** Row groups per job (≈ 10–30 ms): a seek never waits long for a worker. */
const BATCH = 4;

export async function prepareSeeks(spans: ReadonlyMap<Channel, RowGroupSpan[]>, cache: BlockCache, whenQuiet: () => Promise<void>, closed: () => boolean): Promise<void> {
  for (const ch of spans.keys()) {
    if (!SMALL.has(ch)) continue;
    for (let index = 0; index < spans.get(ch)!.length; index++) {
      await whenQuiet();
      if (closed()) return;
      const b = await cache.block(ch, index, 'background');
      // their events too (tens of ms each, on this thread): a task of its own, between frames
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (cache.cached(ch, index) === b) b.events ??= arrowToEvents(ch, b.table);
    }
  }
  for (const [ch, list] of spans) {
    if (SMALL.has(ch)) continue;
    for (let first = 0; first < list.length; ) {
      // a batch stays within one part file
      let end = first + 1;
      while (end < list.length && end - first < BATCH && list[end]!.part === list[first]!.part) end++;
      const batch = Array.from({ length: end - first }, (_, k) => first + k).filter((i) => !cache.hasTimes(ch, i));
      first = end;
      if (batch.length === 0) continue;
      await whenQuiet();
      if (closed()) return;
      const all = timesOf(tableFromIPC(await cache.decode(ch, batch, { columns: ['ts_ingest_utc'], priority: 'background' })));
      let at = 0;
      for (const i of batch) {
        const rows = list[i]!.rows;
        cache.setTimes(ch, i, all.slice(at, at + rows));
        at += rows;
      }
    }
  }
}
