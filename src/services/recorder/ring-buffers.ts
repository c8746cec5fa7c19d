/**
 * The recent past of every channel in memory (docs/spec.md §5: last 5–30 min), serving the live UI and
 * late joiners through the LiveFeed interface: `hello`, then a `backfill` with the state at the
 * latest instant, then `events` batches. Every recorded event goes in, shed or not: shedding is
 * about the disk falling behind, not about what the live view shows.
 *
 * Backfill: the replay's "state at t" rule (`BackfillTracker`) over what the rings hold, plus
 * every `markets` event of the session (kept whatever their age: a few a day, and together they
 * are the markets' state). That is exactly what `applyEvents` needs to rebuild every panel.
 */
import { CHANNEL_GROUPS, CHANNELS, type Channel, type ChannelGroup } from '../../shared/channels';
import { PROTOCOL_VERSION, type ServerMessage } from '../../shared/protocol';
import { ingestMs } from '../../shared/event-time';
import type { AnyEvent } from '../../shared/schemas';
import { toUtcIso } from '../../shared/time';
import { BackfillTracker } from '../../shared/players/backfill-tracker';
import type { LiveFeed } from '../live-feed';
import type { RingConfig } from './config';

interface Entry {
  /** Recording order across all channels. */
  n: number;
  /** The event's ingest time (epoch ms). */
  ms: number;
  event: AnyEvent;
}

class Ring {
  private items: Entry[] = [];
  private head = 0;

  push(entry: Entry, horizonMs: number, max: number): void {
    this.items.push(entry);
    const cutoff = entry.ms - horizonMs;
    while (this.head < this.items.length && (this.items[this.head]!.ms < cutoff || this.items.length - this.head > max)) {
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  entries(): Entry[] {
    return this.items.slice(this.head);
  }
}

interface Subscriber {
  channels: Set<Channel>;
  listener: (message: ServerMessage) => void;
}

export interface RingBuffersOptions {
  station_id: string;
  config: RingConfig;
  /** Instant reported as the backfill's `at` before anything was recorded. */
  startMs: number;
}

export class RingBuffers implements LiveFeed {
  private readonly rings = new Map<Channel, Ring>(CHANNELS.map((c) => [c, new Ring()]));
  private readonly markets: Entry[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private pending: AnyEvent[] = [];
  private n = 0;
  private latestMs: number;
  private listenerErrors = 0;

  constructor(private readonly options: RingBuffersOptions) {
    this.latestMs = options.startMs;
  }

  push(event: AnyEvent): void {
    const ms = ingestMs(event);
    this.latestMs = Math.max(this.latestMs, ms);
    const entry: Entry = { n: this.n++, ms, event };
    this.rings.get(event.ch)!.push(entry, this.options.config.minutes * 60_000, this.options.config.maxEventsPerChannel);
    if (event.ch === 'markets') this.markets.push(entry);
    if (this.subscribers.size > 0) this.pending.push(event);
  }

  /** Send what was pushed since the last publish to every subscriber (one `events` message each). */
  publish(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const sub of [...this.subscribers]) {
      const events = batch.filter((e) => sub.channels.has(e.ch));
      if (events.length > 0) this.send(sub, { type: 'events', events });
    }
  }

  subscribe(groups: readonly ChannelGroup[], listener: (message: ServerMessage) => void): () => void {
    this.publish(); // existing subscribers first, so the backfill below covers everything up to now
    const sub: Subscriber = { channels: new Set(groups.flatMap((g) => CHANNEL_GROUPS[g])), listener };
    this.subscribers.add(sub);
    this.send(sub, { type: 'hello', protocol: PROTOCOL_VERSION, mode: 'live', station_id: this.options.station_id, date: null, groups: [...groups] });
    this.send(sub, { type: 'backfill', at: toUtcIso(this.latestMs), seek_id: 0, events: this.backfill(sub.channels) });
    return () => {
      this.subscribers.delete(sub);
    };
  }

  /** Events held per channel (for stats and tests). */
  sizes(): Record<Channel, number> {
    return Object.fromEntries(CHANNELS.map((c) => [c, this.rings.get(c)!.size])) as Record<Channel, number>;
  }

  get errors(): number {
    return this.listenerErrors;
  }

  /** The state at the latest instant for the given channels, in replay order. */
  backfill(channels: ReadonlySet<Channel>): AnyEvent[] {
    const held = [...channels].flatMap((ch) => (ch === 'markets' ? this.markets : this.rings.get(ch)!.entries()));
    const tracker = new BackfillTracker();
    for (const entry of held.sort((a, b) => a.n - b.n)) tracker.add(entry.event);
    return tracker.backfill();
  }

  private send(sub: Subscriber, message: ServerMessage): void {
    try {
      sub.listener(message);
    } catch (e) {
      // A broken consumer must not stop the recording; it is dropped and counted.
      this.listenerErrors++;
      this.subscribers.delete(sub);
      console.error(`live feed: subscriber removed after its listener threw: ${(e as Error).message}`);
    }
  }
}
