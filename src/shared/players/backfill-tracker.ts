/**
 * The "state at t" rule kept incrementally over a stream of events (in replay order): what a late
 * joiner, a seek or an export needs to rebuild the state "now". Used by every replay source's seek
 * (through `state-at.ts`), the recorder's ring buffers (late joiners) and the live player (so a
 * live moment can be exported like a replayed one).
 */
import type { Channel } from '../channels';
import { RECENT_TRADES } from '../channel-state';
import type { AnyEvent } from '../schemas';
import { compareEvents } from './event-source';
import { ingestMs } from '../event-time';

export class BackfillTracker {
  private readonly snapshots = new Map<string, AnyEvent>();
  private readonly deltas = new Map<string, AnyEvent[]>();
  private readonly bookEvents = new Map<string, AnyEvent>();
  private readonly trades = new Map<string, AnyEvent[]>();
  private readonly latest = new Map<Channel, AnyEvent>();
  private readonly windows = new Map<string, AnyEvent>();
  private lastWindowRecord: AnyEvent | null = null;
  /** Every markets event: a handful a day, and together they are the markets' state. */
  private readonly markets: AnyEvent[] = [];
  private readonly recent: AnyEvent[] = [];
  private recentHead = 0;

  /** @param recentLimit how many of the latest events are kept for `recentWithCorrelation`. */
  constructor(private readonly recentLimit = 0) {}

  add(e: AnyEvent): void {
    switch (e.ch) {
      case 'l2_snap_1s':
        this.snapshots.set(e.token_id, e);
        this.deltas.delete(e.token_id);
        break;
      case 'l2_deltas':
        if (this.snapshots.has(e.token_id)) {
          const list = this.deltas.get(e.token_id);
          if (list) list.push(e);
          else this.deltas.set(e.token_id, [e]);
        }
        break;
      case 'book_events':
        this.bookEvents.set(e.token_id, e);
        break;
      case 'tape_trades': {
        const list = this.trades.get(e.token_id) ?? [];
        list.push(e);
        if (list.length > RECENT_TRADES) list.shift();
        this.trades.set(e.token_id, list);
        break;
      }
      case 'markets':
        this.markets.push(e);
        break;
      case 'event_windows':
        this.lastWindowRecord = e;
        if (e.state === 'open') this.windows.set(e.window_id, e);
        else this.windows.delete(e.window_id);
        break;
      default:
        this.latest.set(e.ch, e);
    }
    if (this.recentLimit > 0) {
      if (this.recent.length < this.recentLimit) this.recent.push(e);
      else {
        this.recent[this.recentHead] = e;
        this.recentHead = (this.recentHead + 1) % this.recentLimit;
      }
    }
  }

  addAll(events: readonly AnyEvent[]): void {
    for (const e of events) this.add(e);
  }

  /** Forget everything (a new backfill replaces the stream's past). */
  reset(): void {
    this.snapshots.clear();
    this.deltas.clear();
    this.bookEvents.clear();
    this.trades.clear();
    this.latest.clear();
    this.windows.clear();
    this.lastWindowRecord = null;
    this.markets.length = 0;
    this.recent.length = 0;
    this.recentHead = 0;
  }

  /**
   * The events that rebuild the current state from nothing. Snapshots older than `snapshotFromMs`
   * are left out (their tokens are no longer recorded).
   */
  backfill(snapshotFromMs = -Infinity): AnyEvent[] {
    const out: AnyEvent[] = [];
    for (const [token, snap] of this.snapshots) {
      if (ingestMs(snap) < snapshotFromMs) continue;
      out.push(snap, ...(this.deltas.get(token) ?? []));
    }
    for (const list of this.trades.values()) out.push(...list);
    out.push(...this.bookEvents.values(), ...this.latest.values(), ...this.windows.values(), ...this.markets);
    if (this.lastWindowRecord && !out.includes(this.lastWindowRecord)) out.push(this.lastWindowRecord);
    return out.sort(compareEvents);
  }

  /** The kept recent events carrying `correlationId`, in replay order. */
  recentWithCorrelation(correlationId: string): AnyEvent[] {
    return this.recent.filter((e) => e.correlation_id === correlationId).sort(compareEvents);
  }
}
