/**
 * METAR/SPECI from aviationweather.gov's data API (`?ids=KLGA&format=json&hours=3` every `poll_s`,
 * with a User-Agent naming the app). A failure — HTTP error, timeout, 429 — backs off
 * (exponentially, at least as long as Retry-After says, at most `max_backoff_s`), reports state
 * `failing` with the reason, and, when configured, asks the Iowa Environmental Mesonet's ASOS
 * service instead until aviationweather.gov answers again. Which reports are new is the decoder's
 * business; the recorder parses them.
 */
import type { MetarConfig } from '../config';
import { Backoff, describeFailure, httpFields, httpRequest, isSuccess, type HttpResponse } from '../http';
import { Poller } from '../poller';
import type { UpstreamContext } from '../upstream';

export function awcUrl(config: MetarConfig, station: string): string {
  const q = new URLSearchParams({ ids: station, format: 'json', hours: String(config.hours) });
  return `${config.url}?${q}`;
}

export function iemUrl(config: NonNullable<MetarConfig['fallback']>, station: string, hours: number): string {
  // asos.py takes the station without its K prefix; report_type 3 = routine, 4 = specials.
  const q = new URLSearchParams({
    station: station.replace(/^K/, ''),
    network: config.network,
    data: 'metar',
    hours: String(hours),
    tz: 'Etc/UTC',
    format: 'onlycomma',
    missing: 'M',
  });
  q.append('report_type', '3');
  q.append('report_type', '4');
  return `${config.url}?${q}`;
}

export class MetarPoller extends Poller {
  private readonly backoff: Backoff;

  constructor(
    ctx: UpstreamContext,
    private readonly config: MetarConfig,
  ) {
    super(ctx, 'metar');
    this.backoff = new Backoff(config.poll_s * 1000, config.max_backoff_s * 1000);
  }

  override start(): void {
    this.ctx.status('metar', 'connecting', `polling ${this.config.url}`);
    super.start();
  }

  protected async cycle(): Promise<number | null> {
    const station = this.ctx.station.id;
    const res = await this.get(awcUrl(this.config, station));
    if (this.stopped) return null;
    const decoded = this.ctx.deliver({ src: 'metar', type: 'http', api: 'awc', ...httpFields(res) });
    if (isSuccess(res) && decoded.rejections.length === 0) {
      this.backoff.reset();
      this.ctx.status('metar', 'connected', `every ${this.config.poll_s} s`);
      return this.config.poll_s * 1000;
    }
    const why = isSuccess(res) ? decoded.rejections[0]!.reason : describeFailure(res);
    const delay = Math.min(this.config.max_backoff_s * 1000, Math.max(this.backoff.next(), (res.retry_after_s ?? 0) * 1000));
    let detail = `aviationweather.gov: ${why}; retry in ${Math.round(delay / 1000)} s`;
    const fallback = this.config.fallback;
    if (fallback) {
      const iem = await this.get(iemUrl(fallback, station, this.config.hours));
      if (this.stopped) return null;
      const fromIem = this.ctx.deliver({ src: 'metar', type: 'http', api: 'iem', ...httpFields(iem) });
      detail += isSuccess(iem) && fromIem.rejections.length === 0 ? '; IEM ASOS answering' : `; IEM ASOS: ${fromIem.rejections[0]?.reason ?? describeFailure(iem)}`;
    }
    this.ctx.status('metar', 'failing', detail);
    return delay;
  }

  private get(url: string): Promise<HttpResponse> {
    return httpRequest(url, { timeoutMs: this.config.timeout_s * 1000, userAgent: this.ctx.userAgent, signal: this.abort.signal });
  }
}
