/**
 * Coalesces a live protocol stream for a UI: at most one delivery per `intervalMs` (the frame
 * budget), each delivery the messages since the previous one in order, with consecutive `events`
 * messages merged into one. A quiet stream delivers its first message at once (no added latency);
 * a busy one is throttled. Used on the way out of the recorder process, for IPC, the bridge and
 * `helios serve`'s /live.
 */
import type { ServerMessage } from '../shared/protocol';

export const LIVE_BATCH_INTERVAL_MS = 50;

export interface LiveBatcherOptions {
  intervalMs?: number;
  send(messages: ServerMessage[]): void;
  now?: () => number;
}

export interface LiveBatcher {
  push(message: ServerMessage): void;
  /** Deliver what is pending now (e.g. before unsubscribing). */
  flush(): void;
  /** Drop what is pending and stop delivering. */
  close(): void;
}

export function createLiveBatcher({ intervalMs = LIVE_BATCH_INTERVAL_MS, send, now = Date.now }: LiveBatcherOptions): LiveBatcher {
  let pending: ServerMessage[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastSent = -Infinity;
  let closed = false;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (closed || pending.length === 0) return;
    const batch = pending;
    pending = [];
    lastSent = now();
    send(batch);
  };

  return {
    push(message) {
      if (closed) return;
      const last = pending[pending.length - 1];
      if (message.type === 'events' && last?.type === 'events') {
        for (const event of message.events) last.events.push(event);
      } else {
        // events messages are copied so merging never mutates what the caller passed in
        pending.push(message.type === 'events' ? { type: 'events', events: [...message.events] } : message);
      }
      if (timer) return;
      const wait = lastSent + intervalMs - now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    flush,
    close() {
      closed = true;
      pending = [];
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
