/**
 * One WebSocket client of `helios serve`, with a bounded send queue: what the client has not read
 * yet stays in the socket's buffer, and a client that lets it grow past `maxQueuedBytes` is told
 * (an `error` message) and dropped, so a slow reader never holds the recorder or anyone else back.
 * Replay sessions also look at `writable` to stop producing while their client catches up.
 * Every socket has an error listener: a malformed frame closes that client (ws sends the close
 * code: 1002 protocol error, 1007 invalid UTF-8, 1009 too big) and nothing else.
 */
import type { WebSocket } from 'ws';
import { encodeMessage } from '../../shared/protocol';

export const CLOSE_TOO_SLOW = 1013;
/** Time a dropped client gets to complete the close handshake before its socket is destroyed. */
const CLOSE_GRACE_MS = 5_000;

export interface ClientSocketOptions {
  /** Unsent bytes at which the client is dropped. */
  maxQueuedBytes: number;
  /** Unsent bytes under which a producer may write more (default 2 MiB, at most a quarter of the maximum). */
  highWaterBytes?: number;
  log?: (message: string) => void;
}

export class ClientSocket {
  private dropped = false;
  private readonly highWater: number;

  constructor(
    readonly ws: WebSocket,
    private readonly options: ClientSocketOptions,
  ) {
    this.highWater = options.highWaterBytes ?? Math.min(2 * 1024 * 1024, options.maxQueuedBytes / 4);
    ws.on('error', (e) => options.log?.(`client socket: ${e.message}`));
  }

  get open(): boolean {
    return !this.dropped && this.ws.readyState === this.ws.OPEN;
  }

  /** Whether a producer may send more now (the client has read most of what was sent). */
  get writable(): boolean {
    return this.open && this.ws.bufferedAmount < this.highWater;
  }

  /** Queue one message (its text, or that text's UTF-8); false when the client is gone or was just dropped for being slow. */
  send(message: string | Buffer): boolean {
    if (!this.open) return false;
    if (this.ws.bufferedAmount + message.length > this.options.maxQueuedBytes) {
      this.drop(`client too slow: more than ${this.options.maxQueuedBytes} bytes unread; disconnected`);
      return false;
    }
    this.ws.send(message, { binary: false }); // a text frame either way: the protocol is JSON text
    return true;
  }

  /** Tell the client why (as a protocol error) and close it. */
  drop(reason: string): void {
    if (!this.open) return;
    this.dropped = true;
    this.ws.send(encodeMessage({ type: 'error', message: reason }));
    this.ws.close(CLOSE_TOO_SLOW, 'too slow');
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
    this.options.log?.(reason);
  }
}
