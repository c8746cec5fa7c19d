/**
 * Which markets to follow: the station-local date's Gamma event and the next `days_ahead` ones
 * (they trade at the same time). At local midnight the day that ended is unlisted and every
 * followed date is asked again, so each day's journal starts with its markets and rules; every
 * `rediscover_s` they are asked again anyway (a rules text may change, tomorrow's event may
 * appear). A failed request (network, HTTP error, a body that does not parse) is retried with a
 * backoff, honouring Retry-After; a date whose event does not exist yet (404) is asked again at
 * the next re-discovery.
 */
import { addDays, localDayBoundsUtc, localDate } from '../../../shared/time';
import type { PolymarketConfig } from '../config';
import { Backoff, describeFailure, httpFields, httpRequest } from '../http';
import type { ListedMarket } from '../source';
import { timerAt, type UpstreamContext } from '../upstream';
import { eventSlug, eventUrl } from './gamma';

/** Retry of a date whose event is not there yet, at the latest. */
const NOT_FOUND_RETRY_MS = 10 * 60_000;

export class MarketDiscovery {
  private readonly listed = new Map<string, ListedMarket>();
  private readonly retries = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly backoff: Backoff;
  private readonly inFlight = new Map<string, Promise<void>>();
  private dates: string[] = [];
  private midnightTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshTimer: ReturnType<typeof setInterval> | null = null;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly ctx: UpstreamContext,
    private readonly config: PolymarketConfig,
    private readonly onChange: (markets: readonly ListedMarket[]) => void,
  ) {
    this.backoff = new Backoff(config.reconnect_min_ms, config.reconnect_max_ms);
  }

  markets(): ListedMarket[] {
    return this.dates.flatMap((d) => this.listed.get(d) ?? []);
  }

  /** Discover the dates followed now; resolves when each has been asked once. */
  async start(): Promise<void> {
    this.refreshTimer = setInterval(() => this.refreshAll(), this.config.rediscover_s * 1000);
    await this.rollTo(this.ctx.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.midnightTimer) clearTimeout(this.midnightTimer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const t of this.retries.values()) clearTimeout(t);
    this.retries.clear();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Ask again for the market of `date` (a request about its tokens failed), or for every date. */
  refresh(date?: string): void {
    if (date === undefined) return this.refreshAll();
    if (this.dates.includes(date)) void this.discover(date);
  }

  /** A `new_market` announcement: ask again if it is one of ours. */
  hint(slug: string): void {
    const date = this.dates.find((d) => eventSlug(this.config.event_slug, d) === slug);
    if (date) void this.discover(date);
  }

  private refreshAll(): void {
    for (const d of this.dates) void this.discover(d);
  }

  private async rollTo(nowMs: number): Promise<void> {
    const tz = this.ctx.station.timeZone;
    const today = localDate(nowMs, tz);
    const next = Array.from({ length: this.config.days_ahead + 1 }, (_, i) => addDays(today, i));
    const gone = this.dates.filter((d) => !next.includes(d));
    this.dates = next;
    for (const d of gone) {
      const t = this.retries.get(d);
      if (t) clearTimeout(t);
      this.retries.delete(d);
      if (this.listed.delete(d)) {
        this.ctx.deliver({ src: 'gamma', type: 'unlist', market_date: d, detail: `the local day ${d} is over` });
      }
    }
    if (gone.length > 0) this.onChange(this.markets());
    const [, dayEnd] = localDayBoundsUtc(today, tz);
    this.midnightTimer = timerAt(this.ctx, dayEnd, () => {
      if (!this.stopped) void this.rollTo(Math.max(this.ctx.now(), dayEnd));
    });
    await Promise.all(next.map((d) => this.discover(d)));
  }

  private discover(date: string): Promise<void> {
    const running = this.inFlight.get(date);
    if (running) return running;
    const pending = this.retries.get(date);
    if (pending) clearTimeout(pending);
    this.retries.delete(date);
    const work = this.request(date).finally(() => this.inFlight.delete(date));
    this.inFlight.set(date, work);
    return work;
  }

  private async request(date: string): Promise<void> {
    const url = eventUrl(this.config.gamma_url, this.config.event_slug, date);
    const res = await httpRequest(url, { timeoutMs: this.config.timeout_s * 1000, userAgent: this.ctx.userAgent, signal: this.abort.signal });
    if (this.stopped || !this.dates.includes(date)) return;
    const decoded = this.ctx.deliver({ src: 'gamma', type: 'http', market_date: date, ...httpFields(res) });
    const listed = decoded.messages.find((m) => m.kind === 'market_listed');
    if (listed) {
      this.backoff.reset();
      this.listed.set(date, listed.market);
      this.ctx.status('gamma', 'connected', `${this.markets().length} market(s): ${this.markets().map((m) => m.market_date).join(', ')}`);
      this.onChange(this.markets());
      return;
    }
    if (res.status === 404) {
      // Not created yet (the next day's event appears during the day); today's missing is a failure.
      const today = date === this.dates[0];
      if (today) this.ctx.status('gamma', 'failing', `no event ${eventSlug(this.config.event_slug, date)} (HTTP 404)`);
      this.retryLater(date, Math.min(NOT_FOUND_RETRY_MS, this.config.rediscover_s * 1000));
      return;
    }
    const why = decoded.rejections[0]?.reason ?? describeFailure(res);
    const delay = Math.max(this.backoff.next(), (res.retry_after_s ?? 0) * 1000);
    this.ctx.status('gamma', 'failing', `${date}: ${why}; retry in ${Math.round(delay / 1000)} s`);
    this.retryLater(date, delay);
  }

  private retryLater(date: string, delayMs: number): void {
    if (this.stopped) return;
    this.retries.set(
      date,
      setTimeout(() => {
        this.retries.delete(date);
        void this.discover(date);
      }, delayMs),
    );
  }
}
