/**
 * Polls the configured PWS provider every `poll_s`: the cycle's responses are delivered together
 * (one `pws` batch). A cycle in which no request succeeded backs off (at least Retry-After) and
 * reports `failing` with the reason.
 */
import type { PwsConfig } from '../config';
import { Backoff, describeFailure, httpFields, httpRequest, isSuccess, type HttpResponse } from '../http';
import { Poller } from '../poller';
import type { UpstreamContext } from '../upstream';
import { pwsRequests } from './providers';

export class PwsPoller extends Poller {
  private readonly backoff: Backoff;

  constructor(
    ctx: UpstreamContext,
    private readonly config: PwsConfig,
    private readonly secrets: Record<string, string>,
  ) {
    super(ctx, 'pws');
    this.backoff = new Backoff(config.poll_s * 1000, 3600_000);
  }

  override start(): void {
    this.ctx.status('pws', 'connecting', `polling ${this.config.provider}`);
    super.start();
  }

  protected async cycle(): Promise<number | null> {
    const responses: HttpResponse[] = [];
    for (const url of pwsRequests(this.config, this.secrets, this.ctx.station.id)) {
      responses.push(await httpRequest(url, { timeoutMs: this.config.timeout_s * 1000, userAgent: this.ctx.userAgent, signal: this.abort.signal }));
      if (this.stopped) return null;
    }
    const decoded = this.ctx.deliver({ src: 'pws', type: 'poll', provider: this.config.provider, responses: responses.map(httpFields) });
    const good = responses.filter(isSuccess).length;
    if (good > 0) {
      this.backoff.reset();
      const readings = decoded.messages.reduce((n, m) => n + (m.kind === 'pws' ? m.readings.length : 0), 0);
      const failed = responses.length - good;
      this.ctx.status('pws', 'connected', `${this.config.provider}: ${readings} reading(s)${failed ? `, ${failed} request(s) failed` : ''}`);
      return this.config.poll_s * 1000;
    }
    const retryAfter = Math.max(0, ...responses.map((r) => r.retry_after_s ?? 0));
    const delay = Math.max(this.backoff.next(), retryAfter * 1000);
    this.ctx.status('pws', 'failing', `${this.config.provider}: ${describeFailure(responses[0]!)}; retry in ${Math.round(delay / 1000)} s`);
    return delay;
  }
}
