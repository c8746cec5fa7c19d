/**
 * The decoded row groups ("blocks") of a day, kept up to a byte budget: one row group of one
 * channel, decoded by parquet-wasm straight into an Arrow table (reading only that row group's
 * bytes through `RangeFile`) with its ingest times as a Float64Array. Blocks are evicted
 * furthest-from-the-playhead first (behind before ahead), so a whole day is never decoded at once;
 * a block in use is leased and never evicted. Row groups read partially keep their time (and token)
 * column as an index for the session.
 */
import { tableFromIPC, type Table } from 'apache-arrow';
import type { Channel } from '../../../shared/channels';
import type { AnyEvent } from '../../../shared/schemas';
import { isAbortError, throwIfAborted } from '../../../shared/players/event-source';
import type { RowGroupSpan } from '../../../shared/players/day-spans';
import { arrowToEvents } from './arrow-events';
import type { DecodePriority, Decoder } from './decoder';
import type { DecodeOptions } from './parquet';

export interface Block {
  ch: Channel;
  index: number;
  span: RowGroupSpan;
  table: Table;
  /** ts_ingest_utc of each row in epoch ms (fractional = µs). */
  times: Float64Array;
  bytes: number;
  leases: number;
  /** All rows as events, for the small channels whose whole block is read at every seek. */
  events: AnyEvent[] | null;
}

export interface BlockStats {
  decodedGroups: number;
  decodedRows: number;
  decodedBytes: number;
  evictedGroups: number;
  decodeMs: number;
  decodeMsByChannel: Partial<Record<Channel, number>>;
  cachedBytes: number;
  /** The last seek's parts: ms from its start until each was answered, and the total. */
  lastSeek: Record<string, number> | null;
}

/** Channels read from the day's start at every seek: small by nature (docs/spec.md §2). */
export const SMALL: ReadonlySet<Channel> = new Set<Channel>(['book_events', 'event_windows', 'metar_obs', 'features_1m', 'nowcast_1m', 'tape_trades', 'markets']);

export function timesOf(table: Table): Float64Array {
  const v = table.getChild('ts_ingest_utc');
  const out = new Float64Array(table.numRows);
  if (!v) return out;
  let k = 0;
  for (const d of v.data) {
    const values = d.values as unknown;
    for (let i = 0; i < d.length; i++, k++) {
      if (values instanceof BigInt64Array) {
        const us = values[i]!; // buffers of sliced data are re-based; `offset` is for validity bits
        out[k] = Number(us / 1000n) + Number(us % 1000n) / 1000;
      } else {
        out[k] = v.get(k) as number;
      }
    }
  }
  return out;
}

export class BlockCache {
  private readonly blocks = new Map<string, Block>();
  private readonly decoding = new Map<string, Promise<Block>>();
  /** The decoder's promise behind each of `decoding` (to promote it when a seek needs it). */
  private readonly decodes = new Map<string, Promise<Uint8Array>>();
  /** Ingest times of row groups read partially (8 bytes a row; kept for the session). */
  private readonly timeIndex = new Map<string, Promise<Float64Array>>();
  /** Token ids of row groups, read when stepping through one token's events. */
  private readonly tokenIndex = new Map<string, Promise<(string | null)[]>>();
  /** Where the playhead is: eviction keeps what is nearest to it. */
  focusMs = 0;
  readonly stats: BlockStats = { decodedGroups: 0, decodedRows: 0, decodedBytes: 0, evictedGroups: 0, decodeMs: 0, decodeMsByChannel: {}, cachedBytes: 0, lastSeek: null };

  /** `spans` is the source's: a channel taken out of it (damaged) is no longer decoded. */
  constructor(
    private readonly spans: Map<Channel, RowGroupSpan[]>,
    private readonly decoder: Decoder,
    private readonly maxCachedBytes: number,
  ) {}

  /** The decoded block of row group `index` of `ch`, if cached. */
  cached(ch: Channel, index: number): Block | undefined {
    return this.blocks.get(`${ch}/${index}`);
  }

  /** Whether the ingest times of that row group are known without decoding anything. */
  hasTimes(ch: Channel, index: number): boolean {
    return this.blocks.has(`${ch}/${index}`) || this.timeIndex.has(`${ch}/${index}`);
  }

  /** Row groups of `ch` whose times were read by a batch (background preparation). */
  setTimes(ch: Channel, index: number, times: Float64Array): void {
    if (!this.timeIndex.has(`${ch}/${index}`)) this.timeIndex.set(`${ch}/${index}`, Promise.resolve(times));
  }

  /** Blocks of `ch`, in no particular order. */
  blocksOf(ch: Channel): Block[] {
    return [...this.blocks.values()].filter((b) => b.ch === ch);
  }

  /** Forget every block of `ch` (its file is damaged). */
  dropChannel(ch: Channel): void {
    for (const [key, b] of this.blocks) {
      if (b.ch !== ch) continue;
      this.blocks.delete(key);
      this.stats.cachedBytes -= b.bytes;
    }
  }

  /** Decode row groups of `ch` (numbered across its parts; all of one part) from their part file. */
  decode(ch: Channel, indexes: number[], options: DecodeOptions & { priority?: DecodePriority; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const spans = indexes.map((i) => this.spans.get(ch)![i]!);
    const part = spans[0]!.part;
    if (spans.some((s) => s.part !== part)) throw new Error(`row groups of ${ch} from different parts decoded together`);
    return this.decoder.decode(ch, part, spans.map((s) => s.index), options);
  }

  block(ch: Channel, index: number, priority: DecodePriority = 'later'): Promise<Block> {
    const key = `${ch}/${index}`;
    const have = this.blocks.get(key);
    if (have) return Promise.resolve(have);
    let pending = this.decoding.get(key);
    if (!pending) {
      const t0 = performance.now();
      const decoded = this.decode(ch, [index], { priority });
      this.decodes.set(key, decoded);
      pending = (async () => {
        const ipc = await decoded;
        const bytes = ipc.byteLength;
        const table = tableFromIPC(ipc);
        const block: Block = { ch, index, span: this.spans.get(ch)![index]!, table, times: timesOf(table), bytes, leases: 0, events: null };
        const ms = performance.now() - t0;
        this.stats.decodeMs += ms;
        this.stats.decodeMsByChannel[ch] = (this.stats.decodeMsByChannel[ch] ?? 0) + ms;
        this.stats.decodedGroups++;
        this.stats.decodedRows += table.numRows;
        this.stats.decodedBytes += bytes;
        this.stats.cachedBytes += bytes;
        this.blocks.set(key, block);
        return block;
      })();
      const mine = pending;
      pending
        .finally(() => {
          if (this.decoding.get(key) !== mine) return;
          this.decoding.delete(key);
          this.decodes.delete(key);
        })
        .catch(() => {});
      this.decoding.set(key, pending);
    } else if (priority === 'urgent') {
      // asked for earlier by read-ahead or background work, and still queued: a seek waits for it
      const decoded = this.decodes.get(key);
      if (decoded) this.decoder.promote(decoded);
    }
    if (priority === 'later') return pending;
    // A seek (or background work) can't use read-ahead that a seek dropped from the queue: decode
    // it anew.
    const shared = pending;
    return pending.catch((e) => {
      if (!isAbortError(e)) throw e;
      if (this.decoding.get(key) === shared) this.decoding.delete(key);
      return this.block(ch, index, priority);
    });
  }

  /** Run `use` with the blocks of row groups `groups` of `ch` decoded and protected from eviction. */
  async withBlocks<T>(ch: Channel, groups: readonly number[], use: (blocks: Block[]) => T, signal?: AbortSignal, priority: DecodePriority = 'later'): Promise<T> {
    const held: Block[] = [];
    try {
      for (const index of groups) {
        throwIfAborted(signal);
        // lease in the same step the block is found, so an eviction can't slip in between
        for (;;) {
          const b = await this.block(ch, index, priority);
          if (this.blocks.get(`${ch}/${index}`) === b) {
            b.leases++;
            held.push(b);
            break;
          }
        }
      }
      throwIfAborted(signal);
      return use(held);
    } finally {
      for (const b of held) b.leases--;
    }
  }

  evict(): void {
    if (this.stats.cachedBytes <= this.maxCachedBytes) return;
    const focus = this.focusMs;
    const distance = (b: Block) => (b.span.max_ms < focus ? 2 * (focus - b.span.max_ms) : Math.max(0, b.span.min_ms - focus));
    const victims = [...this.blocks.entries()].filter(([, b]) => b.leases === 0).sort((a, b) => distance(b[1]) - distance(a[1]));
    for (const [key, b] of victims) {
      if (this.stats.cachedBytes <= this.maxCachedBytes) break;
      this.blocks.delete(key);
      this.stats.cachedBytes -= b.bytes;
      this.stats.evictedGroups++;
    }
  }

  /** Rows [from, to) of a block as events (a small channel's are converted once and kept). */
  eventsOf(b: Block, from: number, to: number): AnyEvent[] {
    if (to <= from) return [];
    if (SMALL.has(b.ch)) {
      b.events ??= arrowToEvents(b.ch, b.table);
      return b.events.slice(from, to);
    }
    return arrowToEvents(b.ch, b.table, from, to);
  }

  /**
   * A row group's ingest times: from its block when decoded, else from that one column (kept: a
   * time index is 8 bytes a row). Shared by the seeks that need it; if the seek that started the
   * decode was replaced before it ran, the next one starts it again.
   */
  times(ch: Channel, index: number, signal?: AbortSignal): Promise<Float64Array> {
    const key = `${ch}/${index}`;
    const block = this.blocks.get(key);
    if (block) return Promise.resolve(block.times);
    let t = this.timeIndex.get(key);
    if (!t) {
      const mine = this.decode(ch, [index], { columns: ['ts_ingest_utc'], priority: 'urgent', signal }).then((ipc) => timesOf(tableFromIPC(ipc)));
      mine.catch(() => this.timeIndex.get(key) === mine && this.timeIndex.delete(key));
      this.timeIndex.set(key, (t = mine));
    }
    return t.catch((e) => {
      if (!isAbortError(e) || signal?.aborted) throw e;
      return this.times(ch, index, signal);
    });
  }

  /** A row group's token ids (that one column, kept for the session). */
  tokens(ch: Channel, index: number): Promise<(string | null)[]> {
    const key = `${ch}/${index}`;
    let t = this.tokenIndex.get(key);
    if (!t) {
      const block = this.blocks.get(key);
      t = block
        ? Promise.resolve([...(block.table.getChild('token_id') ?? [])] as (string | null)[])
        : this.decode(ch, [index], { columns: ['token_id'], priority: 'urgent' }).then((ipc) => [...(tableFromIPC(ipc).getChild('token_id') ?? [])] as (string | null)[]);
      t.catch(() => this.tokenIndex.delete(key));
      this.tokenIndex.set(key, t);
    }
    return t;
  }

  clear(): void {
    this.blocks.clear();
    this.timeIndex.clear();
    this.tokenIndex.clear();
    this.stats.cachedBytes = 0;
  }
}
