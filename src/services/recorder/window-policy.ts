/**
 * Windows and correlation: which triggers open or extend the event window, for how long. One
 * EventWindowManager (one window at a time, its correlation) and, per cone token, the market
 * triggers of market-triggers.ts, fed by the book part after each change of a trusted book, at
 * each whole second and at each resync. Window lengths per reason come from `config.windows`.
 */
import type { EventWindow } from '../../shared/schemas';
import type { RecordingConfig } from './config';
import { EventWindowManager, type OpenWindow } from './event-windows';
import { MarketTriggers, type MarketTrigger } from './market-triggers';
import type { TokenMirror } from './token-mirror';

export type WindowPolicyConfig = Pick<RecordingConfig, 'windows' | 'triggers'>;

export class WindowPolicy {
  private readonly manager: EventWindowManager;
  private readonly triggers = new Map<TokenMirror, MarketTriggers>();
  /** Earliest instant a pending spread regime will have held long enough (see MarketTriggers). */
  regimeDueMs = Infinity;
  private readonly fired: MarketTrigger[] = [];

  constructor(
    station: string,
    private readonly config: WindowPolicyConfig,
    emit: (event: EventWindow) => void,
  ) {
    this.manager = new EventWindowManager(station, emit);
  }

  /** The window covering `nowMs`, if any. */
  activeAt(nowMs: number): OpenWindow | null {
    return this.manager.activeAt(nowMs);
  }

  get active(): OpenWindow | null {
    return this.manager.active;
  }

  /** When the open window is due to close (ms), or null. */
  get closesAt(): number | null {
    return this.manager.closesAt;
  }

  closeDue(nowMs: number): void {
    this.manager.closeDue(nowMs);
  }

  close(atMs: number, why: string): void {
    this.manager.close(atMs, why);
  }

  /** Watch a cone token's book for market triggers. */
  follow(book: TokenMirror): void {
    this.triggers.set(book, new MarketTriggers(book, this.config.triggers));
  }

  unfollow(book: TokenMirror): void {
    this.triggers.delete(book);
    this.updateRegimeDue();
  }

  /** A new METAR: opens (or extends) a window that takes the METAR's correlation. */
  metar(nowMs: number, detail: string, correlation: string): OpenWindow {
    return this.manager.trigger('METAR', nowMs, this.config.windows.metarS * 1000, detail, correlation);
  }

  /** The PWS cluster turned OUTLIER_LIKELY. */
  qc(nowMs: number, detail: string): void {
    this.manager.trigger('QC', nowMs, this.config.windows.qcOutlierS * 1000, detail);
  }

  manual(nowMs: number, durationMs: number, detail: string): void {
    this.manager.trigger('MANUAL', nowMs, durationMs, detail);
  }

  /** At each whole second, after the snapshots: the references of the shock and cliff tests. */
  onSecond(): void {
    for (const tr of this.triggers.values()) tr.onSecond();
    this.updateRegimeDue();
  }

  /** After a message changed a trusted book at `nowMs`. */
  bookChanged(book: TokenMirror, nowMs: number): void {
    if (!book.ok) return;
    this.triggers.get(book)!.evaluate(nowMs, this.fired);
    this.updateRegimeDue();
    this.fireMarket(nowMs);
  }

  /** A resync (or the first book): a new baseline for the market triggers, not a market move. */
  rebased(book: TokenMirror): void {
    this.triggers.get(book)!.rebase();
    this.updateRegimeDue();
  }

  /** Confirm the spread regimes that have held long enough by `nowMs` (called at `regimeDueMs`). */
  confirmRegimes(nowMs: number): void {
    for (const tr of this.triggers.values()) tr.confirmRegime(nowMs, this.fired);
    this.updateRegimeDue();
    this.fireMarket(nowMs);
  }

  private fireMarket(nowMs: number): void {
    if (this.fired.length === 0) return;
    const w = this.config.windows;
    for (const { reason, detail } of this.fired.splice(0)) {
      const seconds = reason === 'MID_SHOCK' ? w.midShockS : reason === 'SPREAD_REGIME' ? w.spreadRegimeS : w.depthCliffS;
      this.manager.trigger(reason, nowMs, seconds * 1000, detail);
    }
  }

  private updateRegimeDue(): void {
    let due = Infinity;
    for (const tr of this.triggers.values()) if (tr.regimeDueMs < due) due = tr.regimeDueMs;
    this.regimeDueMs = due;
  }
}
