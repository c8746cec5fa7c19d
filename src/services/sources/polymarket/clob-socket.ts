/**
 * The CLOB market WebSocket client (sources.md §1.1): subscribes the assets it is given, keeps the
 * subscription in step as they change (`operation: subscribe | unsubscribe`), sends the text `PING`
 * every `ping_s` (the venue closes silent sockets with 1008), and treats any way of losing the feed
 * — a close frame, a socket cut without one, an error, no frame for `stale_s` — as a gap: a `down`
 * record (the recorder marks every book suspect), state `reconnecting`, and a new connection after
 * a capped exponential backoff with jitter (started over once a connection delivers data),
 * subscribed again so that the venue's fresh dump resyncs the books. Every frame goes to the context as received; parsing is the decoder's.
 */
import WebSocket from 'ws';
import type { PolymarketConfig } from '../config';
import type { Decoded } from '../decode';
import { Backoff } from '../http';
import type { UpstreamContext } from '../upstream';

/** Frames waiting to be decoded past which the socket stops reading (TCP pushes back on the venue)… */
const BACKLOG_PAUSE = 20_000;
/** …until the backlog is down to this. */
const BACKLOG_RESUME = 5_000;

export interface ClobSocketEvents {
  /** A frame arrived and was delivered. */
  onFrame(decoded: Decoded): void;
  /** These assets were (re)subscribed on an open socket: their books should follow in the dump. */
  onSubscribed(assets: readonly string[]): void;
}

export class ClobSocket {
  private readonly backoff: Backoff;
  private assets = new Set<string>();
  /** Assets the current socket is subscribed to. */
  private subscribed = new Set<string>();
  private ws: WebSocket | null = null;
  private up = false;
  private lastFrameAt = 0;
  private downReason: string | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private staleTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private closed: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: UpstreamContext,
    private readonly config: PolymarketConfig,
    private readonly events: ClobSocketEvents,
  ) {
    this.backoff = new Backoff(config.reconnect_min_ms, config.reconnect_max_ms);
  }

  /** The assets to follow; connects, re-subscribes or disconnects as needed. */
  setAssets(ids: Iterable<string>): void {
    this.assets = new Set(ids);
    if (this.stopped) return;
    if (this.assets.size === 0) {
      if (this.ws) this.drop('no assets to follow', false);
      this.ctx.status('clob', 'connecting', 'waiting for markets to follow');
      return;
    }
    if (!this.ws) {
      if (!this.retryTimer) this.connect();
      return;
    }
    if (this.up) this.syncSubscriptions();
  }

  /** Whether `asset` is followed but not yet subscribed on an open socket (its dump is still to come). */
  awaitingSubscription(asset: string): boolean {
    return this.assets.has(asset) && !(this.up && this.subscribed.has(asset));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.clearTimers();
    const ws = this.ws;
    if (ws) {
      const closed = this.closed;
      ws.close(1000, 'recorder stopping');
      const forced = setTimeout(() => ws.terminate(), 2000);
      await closed;
      clearTimeout(forced);
    }
    this.ctx.status('clob', 'stopped', null);
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.stopped || this.assets.size === 0) return;
    this.ctx.status('clob', this.backoff.attempts === 0 ? 'connecting' : 'reconnecting', `connecting to ${this.config.ws_url}`);
    const ws = new WebSocket(this.config.ws_url, { headers: { 'User-Agent': this.ctx.userAgent }, handshakeTimeout: this.config.timeout_s * 1000 });
    this.ws = ws;
    this.up = false;
    this.downReason = null;
    let done!: () => void;
    this.closed = new Promise<void>((resolve) => (done = resolve));
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data, isBinary) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = this.ctx.now();
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
      this.ctx.deliverSoon({ src: 'clob', type: 'frame', text }, (decoded) => {
        // Data flowing on a subscribed socket: the connection works, the next drop starts the backoff over.
        if (this.ws === ws && this.up && decoded.messages.length > 0) this.backoff.reset();
        this.events.onFrame(decoded);
      });
      if (this.ctx.backlog() > BACKLOG_PAUSE) this.pauseWhileBacklogged(ws);
    });
    ws.on('error', (e) => {
      if (this.ws === ws) this.downReason ??= `error: ${e.message}`;
    });
    ws.on('close', (code, reason) => {
      done();
      if (this.ws === ws) this.onClose(code, reason.toString());
    });
  }

  private onOpen(ws: WebSocket): void {
    if (this.ws !== ws || this.stopped) return;
    this.lastFrameAt = this.ctx.now();
    const assets = [...this.assets];
    this.send({ assets_ids: assets, type: 'market', custom_feature_enabled: true });
    this.subscribed = new Set(assets);
    this.up = true;
    // Before `up`: the recorder asks for the books it lost on `up`, and the dump is on its way.
    this.events.onSubscribed(assets);
    this.ctx.deliver({ src: 'clob', type: 'up', detail: `subscribed ${assets.length} asset(s) on ${this.config.ws_url}` });
    this.ctx.status('clob', 'connected', `${assets.length} asset(s)`);
    this.pingTimer = setInterval(() => this.ws === ws && ws.readyState === WebSocket.OPEN && ws.send('PING'), this.config.ping_s * 1000);
    const staleMs = this.config.stale_s * 1000;
    this.staleTimer = setInterval(() => {
      // not reading (our own backlog) is not a silent venue
      if (this.ws === ws && !ws.isPaused && this.ctx.now() - this.lastFrameAt >= staleMs) this.drop(`stale: no frame for ${this.config.stale_s} s`, true);
    }, Math.min(1000, staleMs / 4));
  }

  private syncSubscriptions(): void {
    const add = [...this.assets].filter((a) => !this.subscribed.has(a));
    const remove = [...this.subscribed].filter((a) => !this.assets.has(a));
    if (remove.length > 0) this.send({ assets_ids: remove, operation: 'unsubscribe' });
    if (add.length > 0) this.send({ assets_ids: add, operation: 'subscribe', custom_feature_enabled: true });
    this.subscribed = new Set(this.assets);
    if (add.length > 0) this.events.onSubscribed(add);
    if (add.length + remove.length > 0) this.ctx.status('clob', 'connected', `${this.assets.size} asset(s)`);
  }

  private pauseWhileBacklogged(ws: WebSocket): void {
    if (ws.isPaused) return;
    ws.pause();
    const check = () => {
      if (this.ws !== ws) return;
      if (this.ctx.backlog() > BACKLOG_RESUME) return void setTimeout(check, 5);
      this.lastFrameAt = this.ctx.now();
      ws.resume();
    };
    setTimeout(check, 5);
  }

  private send(message: object): void {
    const text = JSON.stringify(message);
    this.ws?.send(text);
    this.ctx.deliver({ src: 'clob', type: 'sent', text });
  }

  /** Give up on the current socket (stale feed, nothing to follow); `reconnect` after the backoff. */
  private drop(reason: string, reconnect: boolean): void {
    const ws = this.ws;
    if (!ws) return;
    this.downReason = reason;
    this.onClose(null, '', reconnect);
    ws.terminate();
  }

  private onClose(code: number | null, reason: string, reconnect = true): void {
    const why = this.downReason ?? `closed${code === null ? '' : ` ${code}`}${reason ? ` ${reason}` : ''}`;
    const wasUp = this.up;
    this.ws = null;
    this.up = false;
    this.subscribed.clear();
    this.clearTimers();
    if (this.stopped) return;
    if (wasUp) this.ctx.deliver({ src: 'clob', type: 'down', detail: why });
    if (!reconnect || this.assets.size === 0) return;
    const delay = this.backoff.next();
    this.ctx.status('clob', 'reconnecting', `${why}; retry in ${(delay / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.staleTimer) clearInterval(this.staleTimer);
    this.pingTimer = this.staleTimer = null;
  }
}
