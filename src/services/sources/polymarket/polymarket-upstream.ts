/**
 * Polymarket as one upstream: Gamma discovery decides the markets, the market WebSocket follows
 * their YES tokens, and book requests from the recorder are answered with `POST /books` — unless
 * the socket has just (re)subscribed the token, whose dump is then awaited for `dump_wait_ms`
 * first (the dump is the resync). Requests are batched (`books_batch` tokens per call) and kept
 * under `books_per_10s` calls per sliding 10 s (documented limit: 500 per 10 s).
 */
import type { PolymarketConfig } from '../config';
import type { Decoded } from '../decode';
import { describeFailure, httpFields, httpRequest, isSuccess } from '../http';
import type { ListedMarket } from '../source';
import type { Upstream, UpstreamContext } from '../upstream';
import { booksRequestBody, booksUrl } from './books';
import { ClobSocket } from './clob-socket';
import { MarketDiscovery } from './discovery';

const WINDOW_MS = 10_000;

export class PolymarketUpstream implements Upstream {
  readonly discovery: MarketDiscovery;
  private readonly socket: ClobSocket;
  /** Token → when to ask REST for its book. */
  private readonly pending = new Map<string, number>();
  /** Token → until when its book is expected from the socket's dump. */
  private readonly dumpDue = new Map<string, number>();
  private readonly requestTimes: number[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushAt = Infinity;
  private readonly abort = new AbortController();
  private started = false;
  private stopped = false;

  constructor(
    private readonly ctx: UpstreamContext,
    private readonly config: PolymarketConfig,
  ) {
    this.socket = new ClobSocket(ctx, config, {
      onFrame: (decoded) => this.onFrame(decoded),
      onSubscribed: (assets) => {
        const until = this.ctx.now() + this.config.dump_wait_ms;
        for (const a of assets) {
          this.dumpDue.set(a, until);
          if (this.pending.has(a)) this.pending.set(a, until);
        }
        this.schedule(until);
      },
    });
    this.discovery = new MarketDiscovery(ctx, config, (markets) => this.follow(markets));
  }

  /** The first discovery (so the session starts with today's cone); the socket follows its result. */
  prepare(): Promise<void> {
    this.ctx.status('gamma', 'connecting', `asking ${this.config.gamma_url}`);
    this.ctx.status('clob', 'connecting', 'waiting for markets to follow');
    return this.discovery.start();
  }

  start(): void {
    this.started = true;
    this.follow(this.discovery.markets());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await Promise.all([this.discovery.stop(), this.socket.stop(), ...this.inFlight]);
    this.ctx.status('books', 'stopped', null);
    this.ctx.status('gamma', 'stopped', null);
  }

  requestBook(tokenId: string): void {
    if (this.stopped) return;
    const now = this.ctx.now();
    const dump = this.dumpDue.get(tokenId);
    // A token still being subscribed (or about to be: not started yet) gets its dump soon
    // (onSubscribed shortens this wait); REST only if it does not come.
    const at = !this.started || this.socket.awaitingSubscription(tokenId)
      ? now + this.config.timeout_s * 1000 + this.config.dump_wait_ms
      : dump !== undefined && dump > now
        ? dump
        : now;
    this.pending.set(tokenId, Math.min(this.pending.get(tokenId) ?? Infinity, at));
    this.schedule(at);
  }

  private follow(markets: readonly ListedMarket[]): void {
    if (!this.started || this.stopped) return;
    this.socket.setAssets(markets.flatMap((m) => m.tokens.map((t) => t.token_id)));
  }

  private onFrame(decoded: Decoded): void {
    for (const m of decoded.messages) {
      if (m.kind !== 'clob') continue;
      const message = m.message as { event_type?: unknown; asset_id?: unknown };
      if (message.event_type === 'book' && typeof message.asset_id === 'string') {
        this.pending.delete(message.asset_id);
        this.dumpDue.delete(message.asset_id);
      }
    }
    for (const slug of decoded.hints ?? []) this.discovery.hint(slug);
  }

  private schedule(at: number): void {
    if (at >= this.flushAt) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushAt = at;
    this.flushTimer = setTimeout(() => this.flush(), Math.max(0, at - this.ctx.now()));
  }

  private flush(): void {
    this.flushTimer = null;
    this.flushAt = Infinity;
    if (this.stopped) return;
    const now = this.ctx.now();
    while (this.requestTimes.length > 0 && this.requestTimes[0]! <= now - WINDOW_MS) this.requestTimes.shift();
    const due = [...this.pending].filter(([, at]) => at <= now).map(([token]) => token);
    if (due.length > 0) {
      if (this.requestTimes.length >= this.config.books_per_10s) {
        this.ctx.status('books', 'connected', `rate limit: ${this.requestTimes.length} requests in 10 s, waiting`);
        this.schedule(this.requestTimes[0]! + WINDOW_MS);
        return;
      }
      const batch = due.slice(0, this.config.books_batch);
      for (const token of batch) this.pending.delete(token);
      this.requestTimes.push(now);
      const work = this.fetchBooks(batch).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    }
    const next = Math.min(...this.pending.values());
    if (Number.isFinite(next)) this.schedule(next);
  }

  private async fetchBooks(tokens: string[]): Promise<void> {
    const res = await httpRequest(booksUrl(this.config.clob_url), {
      method: 'POST',
      body: booksRequestBody(tokens),
      contentType: 'application/json',
      timeoutMs: this.config.timeout_s * 1000,
      userAgent: this.ctx.userAgent,
      signal: this.abort.signal,
    });
    if (this.stopped) return;
    const decoded = this.ctx.deliver({ src: 'books', type: 'http', ...httpFields(res) });
    if (!isSuccess(res)) {
      // The recorder asks again after its resync retry interval.
      this.ctx.status('books', 'failing', `POST /books for ${tokens.length} token(s): ${describeFailure(res)}`);
      return;
    }
    const answered = new Set(decoded.messages.map((m) => (m.kind === 'clob_rest_book' ? m.book.asset_id : '')));
    const missing = tokens.filter((t) => !answered.has(t));
    this.ctx.status('books', 'connected', missing.length ? `no book for ${missing.length} token(s)` : `${tokens.length} book(s)`);
    // A token the venue does not know: our listing may be stale.
    const dates = new Set(missing.map((t) => this.discovery.markets().find((m) => m.tokens.some((x) => x.token_id === t))?.market_date));
    for (const d of dates) if (d) this.discovery.refresh(d);
  }
}
