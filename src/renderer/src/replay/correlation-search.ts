/**
 * Every event of a day carrying one correlation id, found by reading each row group's
 * correlation_id column first and decoding a block only when it holds the id.
 */
import { tableFromIPC } from 'apache-arrow';
import type { Channel } from '../../../shared/channels';
import type { AnyEvent } from '../../../shared/schemas';
import { uuidv7Time } from '../../../shared/uuid';
import { compareEvents, mergeSorted } from '../../../shared/players/event-source';
import type { BlockCache } from './block-cache';
import { ingestMs } from '../../../shared/event-time';

export interface CorrelationSearchScope {
  cache: BlockCache;
  day_start_ms: number;
  /** Channels still replayed. */
  channels(): Channel[];
  /** Row groups of `ch` that may hold rows at or after `lo`. */
  groupsFrom(ch: Channel, lo: number): number[];
  /** `work` on `ch`, or nothing from it when its file turns out to be damaged. */
  guard(ch: Channel, work: Promise<AnyEvent[]>): Promise<AnyEvent[]>;
}

/** `onProgress` hears how many of the row groups to look through have been. */
export async function eventsByCorrelation(scope: CorrelationSearchScope, correlationId: string, onProgress?: (done: number, total: number) => void): Promise<AnyEvent[]> {
  const { cache } = scope;
  const search = async (lo: number) => {
    const channels = scope.channels();
    const total = channels.reduce((n, ch) => n + scope.groupsFrom(ch, lo).length, 0);
    let done = 0;
    onProgress?.(0, total);
    const perChannel = await Promise.all(
      channels.map((ch) =>
        scope.guard(
          ch,
          (async () => {
            const out: AnyEvent[] = [];
            for (const index of scope.groupsFrom(ch, lo)) {
              const cached = cache.cached(ch, index);
              const ids = cached
                ? cached.table.getChild('correlation_id')
                : tableFromIPC(await cache.decode(ch, [index], { columns: ['correlation_id'], priority: 'background' })).getChild('correlation_id');
              onProgress?.(++done, total);
              if (!ids) continue;
              const rows: number[] = [];
              let k = 0;
              for (const id of ids) {
                if (id === correlationId) rows.push(k);
                k++;
              }
              if (rows.length === 0) continue;
              const b = await cache.block(ch, index, 'background');
              for (const r of rows) out.push(...cache.eventsOf(b, r, r + 1).filter((e) => ingestMs(e) >= lo));
            }
            return out.sort(compareEvents);
          })(),
        ),
      ),
    );
    cache.evict();
    return mergeSorted(perChannel);
  };
  // A UUIDv7 correlation began when its first event was stamped: search from there, and widen to
  // the whole day if that first event (event_id = correlation_id) isn't found after it.
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-7/i.test(correlationId)) {
    const born = uuidv7Time(correlationId) - 1000;
    if (born > scope.day_start_ms) {
      const found = await search(born);
      if (found.some((e) => e.event_id === correlationId)) return found;
    }
  }
  return search(scope.day_start_ms);
}
