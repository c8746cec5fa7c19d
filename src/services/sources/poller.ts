/** A connector that asks its upstream periodically: one cycle at a time, the next one when the cycle says. */
import type { Upstream, UpstreamContext } from './upstream';

export abstract class Poller implements Upstream {
  protected readonly abort = new AbortController();
  protected stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;

  constructor(
    protected readonly ctx: UpstreamContext,
    /** The name its state is reported under. */
    private readonly source: string,
  ) {}

  /** One poll; resolves to the delay until the next one (null: stopped meanwhile). */
  protected abstract cycle(): Promise<number | null>;

  start(): void {
    this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.ctx.status(this.source, 'stopped', null);
  }

  private poll(): void {
    this.timer = null;
    if (this.stopped) return;
    this.running = this.cycle()
      .then((delay) => {
        if (delay !== null && !this.stopped) this.timer = setTimeout(() => this.poll(), delay);
      })
      .catch((e: unknown) => this.ctx.log('error', `${this.source}: ${(e as Error).stack ?? e}`))
      .finally(() => (this.running = null));
  }
}
