import { applyEvents, emptyChannelState, type ChannelState } from '../../src/shared/channel-state';
import type { Player, PlayerState } from '../../src/shared/player';
import type { AnyEvent } from '../../src/shared/schemas';

/** What a panel store does with a player: reset on a new seek_id, apply each frame's messages. */
export class StoreProbe {
  states: PlayerState[] = [];
  channel: ChannelState = emptyChannelState();
  /** Every message delivered since the last seek, in delivery order. */
  delivered: AnyEvent[] = [];
  private seekId = -1;

  constructor(player: Player) {
    player.setListener((s) => this.receive(s));
  }

  private receive(s: PlayerState): void {
    this.states.push(s);
    if (s.seek_id !== this.seekId) {
      this.seekId = s.seek_id;
      this.channel = emptyChannelState();
      this.delivered = [];
    }
    this.delivered.push(...s.messages);
    this.channel = applyEvents(this.channel, s.messages);
  }

  get last(): PlayerState {
    const s = this.states.at(-1);
    if (!s) throw new Error('no state emitted yet');
    return s;
  }
}

/** The state obtained by applying every event up to and including ms (playing from the start). */
export function stateByPlaying(events: readonly AnyEvent[], ms: number): ChannelState {
  return applyEvents(
    emptyChannelState(),
    events.filter((e) => Math.floor(Date.parse(e.ts_ingest_utc)) <= ms),
  );
}

/** The parts of a channel state a user sees: all but `pending_book_events`, the reducer's own bookkeeping. */
export function visible(s: ChannelState): Omit<ChannelState, 'pending_book_events'> {
  const { pending_book_events: _pending, ...seen } = s;
  return seen;
}

/** Sorted copy by ingest time then event id (the replay order). */
export function replayOrder(events: readonly AnyEvent[]): AnyEvent[] {
  return [...events].sort(
    (a, b) => Date.parse(a.ts_ingest_utc) - Date.parse(b.ts_ingest_utc) || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0),
  );
}

/** A deferred gate: `wait()` blocks until `open()`; used to hold a data load. */
export class Gate {
  private opened = true;
  private waiters: (() => void)[] = [];
  get isOpen(): boolean {
    return this.opened;
  }
  close(): void {
    this.opened = false;
  }
  open(): void {
    this.opened = true;
    for (const w of this.waiters.splice(0)) w();
  }
  wait(): Promise<void> {
    if (this.opened) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
