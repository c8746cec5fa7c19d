/**
 * What a real connector (Polymarket, METAR, PWS, ingest) gets from the composite source that runs
 * it (`live-sources.ts`): a clock, a way to hand over what arrived, and a way to report its state.
 */
import type { Station } from '../../shared/stations';
import type { Decoded } from './decode';
import type { RawRecordInput } from './raw-records';
import type { SourceState } from './source';

export interface UpstreamContext {
  readonly station: Station;
  readonly userAgent: string;
  /** The session's clock (epoch ms; monotonic). */
  now(): number;
  /** Something arrived just now: stamped, captured, decoded and delivered; returns what it decoded to. */
  deliver(record: RawRecordInput): Decoded;
  /**
   * The same for a high-rate feed: stamped and captured now, decoded and delivered shortly after in
   * a slice of the event loop (`then` gets the result), in arrival order with everything else.
   */
  deliverSoon(record: RawRecordInput, then: (decoded: Decoded) => void): void;
  /** Records waiting for `deliverSoon`'s slices. */
  backlog(): number;
  status(source: string, state: SourceState, detail: string | null): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface Upstream {
  start(): void;
  /** Stop timers and connections; resolves when nothing more will be delivered. */
  stop(): Promise<void>;
}

/** setTimeout at an instant of the context's clock (which may run ahead of the wall clock in tests). */
export function timerAt(ctx: Pick<UpstreamContext, 'now'>, atMs: number, fn: () => void): ReturnType<typeof setTimeout> {
  return setTimeout(fn, Math.max(0, atMs - ctx.now()));
}
