/**
 * Windows and correlation: which triggers open or extend the event window, for how long. Per cone
 * token the market triggers of market-triggers.ts, fed by the book part after each change of a
 * trusted book, at each whole second and at each resync; the METAR, QC and MANUAL triggers; and
 * the window they open or extend (EventWindowManager: one window at a time, its correlation),
 * its length per reason from `windows`.
 *
 * One set of triggers can feed several windows, each with its own lengths (`outlets`): the
 * recorder has one; the window sweep evaluates settings that differ only in window lengths on one
 * set of triggers (what fires never depends on the windows). The first outlet is the one that
 * answers `activeAt`; the others close when their next trigger comes or at `close`.
 */
import type { EventWindow } from '../../shared/schemas';
import type { RecordingConfig } from './config';
import { EventWindowManager, type OpenWindow } from './event-windows';
import { MarketTriggers, type MarketReason, type MarketTrigger } from './market-triggers';
import type { TokenMirror } from './token-mirror';

export type WindowLengths = RecordingConfig['windows'];

export interface WindowOutlet {
  windows: WindowLengths;
  emit(record: EventWindow): void;
}

export class WindowPolicy {
  private readonly managers: EventWindowManager[];
  private readonly lengths: WindowLengths[];
  private readonly triggers = new Map<TokenMirror, MarketTriggers>();
  /** Earliest instant a pending spread regime will have held long enough (see MarketTriggers). */
  regimeDueMs = Infinity;
  private readonly fired: MarketTrigger[] = [];

  constructor(
    station: string,
    private readonly config: RecordingConfig['triggers'],
    outlets: readonly WindowOutlet[],
  ) {
    this.managers = outlets.map((o) => new EventWindowManager(station, o.emit));
    this.lengths = outlets.map((o) => o.windows);
  }

  /** A policy with one window, as a recording config describes it. */
  static of(station: string, config: Pick<RecordingConfig, 'windows' | 'triggers'>, emit: WindowOutlet['emit']): WindowPolicy {
    return new WindowPolicy(station, config.triggers, [{ windows: config.windows, emit }]);
  }

  /** The window covering `nowMs`, if any. */
  activeAt(nowMs: number): OpenWindow | null {
    return this.managers[0]!.activeAt(nowMs);
  }

  get active(): OpenWindow | null {
    return this.managers[0]!.active;
  }

  /** When the open window is due to close (ms), or null. */
  get closesAt(): number | null {
    return this.managers[0]!.closesAt;
  }

  closeDue(nowMs: number): void {
    this.managers[0]!.closeDue(nowMs);
  }

  close(atMs: number, why: string): void {
    for (const m of this.managers) m.close(atMs, why);
  }

  /** Watch a cone token's book for market triggers. */
  follow(book: TokenMirror): void {
    this.triggers.set(book, new MarketTriggers(book, this.config));
  }

  unfollow(book: TokenMirror): void {
    this.triggers.delete(book);
    this.updateRegimeDue();
  }

  /** A new METAR: opens (or extends) a window that takes the METAR's correlation. */
  metar(nowMs: number, detail: string, correlation: string): OpenWindow {
    const windows = this.managers.map((m, i) => m.trigger('METAR', nowMs, this.lengths[i]!.metarS * 1000, detail, correlation));
    return windows[0]!;
  }

  /** The PWS cluster turned OUTLIER_LIKELY. */
  qc(nowMs: number, detail: string): void {
    this.managers.forEach((m, i) => m.trigger('QC', nowMs, this.lengths[i]!.qcOutlierS * 1000, detail));
  }

  manual(nowMs: number, durationMs: number, detail: string): void {
    for (const m of this.managers) m.trigger('MANUAL', nowMs, durationMs, detail);
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
    for (const { reason, detail } of this.fired.splice(0)) {
      this.managers.forEach((m, i) => m.trigger(reason, nowMs, marketWindowS(this.lengths[i]!, reason) * 1000, detail));
    }
  }

  private updateRegimeDue(): void {
    let due = Infinity;
    for (const tr of this.triggers.values()) if (tr.regimeDueMs < due) due = tr.regimeDueMs;
    this.regimeDueMs = due;
  }
}

function marketWindowS(w: WindowLengths, reason: MarketReason): number {
  return reason === 'MID_SHOCK' ? w.midShockS : reason === 'SPREAD_REGIME' ? w.spreadRegimeS : w.depthCliffS;
}

/** What the recorder's parts ask of its window policy: one policy, or one with shadows. */
export type WindowTriggers = Pick<
  WindowPolicy,
  'activeAt' | 'active' | 'closesAt' | 'regimeDueMs' | 'closeDue' | 'close' | 'follow' | 'unfollow' | 'metar' | 'qc' | 'manual' | 'onSecond' | 'bookChanged' | 'rebased' | 'confirmRegimes'
>;

/**
 * The recording policy plus shadow policies evaluated on the very same inputs (the window sweep's
 * settings): every trigger reaches all of them, only the recording one decides what is stamped
 * inside a window. A shadow's records go to its own `emit`; it closes when its next trigger comes
 * or at `close` (its records' times are the same either way).
 */
export class PolicyWithShadows implements WindowTriggers {
  private readonly all: readonly WindowPolicy[];

  constructor(
    private readonly main: WindowPolicy,
    shadows: readonly WindowPolicy[],
  ) {
    this.all = [main, ...shadows];
  }

  activeAt(nowMs: number): OpenWindow | null {
    return this.main.activeAt(nowMs);
  }

  get active(): OpenWindow | null {
    return this.main.active;
  }

  get closesAt(): number | null {
    return this.main.closesAt;
  }

  get regimeDueMs(): number {
    let due = Infinity;
    for (const p of this.all) if (p.regimeDueMs < due) due = p.regimeDueMs;
    return due;
  }

  closeDue(nowMs: number): void {
    this.main.closeDue(nowMs);
  }

  close(atMs: number, why: string): void {
    for (const p of this.all) p.close(atMs, why);
  }

  follow(book: TokenMirror): void {
    for (const p of this.all) p.follow(book);
  }

  unfollow(book: TokenMirror): void {
    for (const p of this.all) p.unfollow(book);
  }

  metar(nowMs: number, detail: string, correlation: string): OpenWindow {
    for (let i = 1; i < this.all.length; i++) this.all[i]!.metar(nowMs, detail, correlation);
    return this.main.metar(nowMs, detail, correlation);
  }

  qc(nowMs: number, detail: string): void {
    for (const p of this.all) p.qc(nowMs, detail);
  }

  manual(nowMs: number, durationMs: number, detail: string): void {
    for (const p of this.all) p.manual(nowMs, durationMs, detail);
  }

  onSecond(): void {
    for (const p of this.all) p.onSecond();
  }

  bookChanged(book: TokenMirror, nowMs: number): void {
    for (const p of this.all) p.bookChanged(book, nowMs);
  }

  rebased(book: TokenMirror): void {
    for (const p of this.all) p.rebased(book);
  }

  confirmRegimes(nowMs: number): void {
    for (const p of this.all) p.confirmRegimes(nowMs);
  }
}
