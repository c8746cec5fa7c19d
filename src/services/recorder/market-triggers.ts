/**
 * The market triggers of one cone token (docs/spec.md §5), as an analyst expects them to behave: a window
 * for a real move, not for every flicker of a thin book.
 *
 *   MID_SHOCK      |mid − mid at the last whole second| > midShockTicks ticks and ≥ midShockMinMove
 *                  (at most once a second).
 *   SPREAD_REGIME  the spread regime (LOCKED ≤ 0 < NORMAL < wideSpread ≤ WIDE) changed and the new
 *                  regime has held for spreadPersistS: a blip back within that time is no change
 *                  (hysteresis by persistence). The trigger fires at the instant it has held.
 *   DEPTH_CLIFF    a side's top-N depth is under depthCliffShares, at most depthCliffFraction of what
 *                  it was at the last whole second, and at least depthCliffMinLevels of that
 *                  second's top-N levels are gone or under half their size: makers pulling the top,
 *                  not one cancel on a thin side. Fires once per fall: the side re-arms when it is
 *                  back over the threshold.
 *
 * Each trigger then rests for its cool-down on this token: what happens meanwhile still moves the
 * baselines (a regime confirmed during a cool-down is the new normal) but opens or extends nothing.
 * Evaluated on a trusted book only; a resync is a new baseline, not a move.
 */
import { spreadRegime, type SpreadRegime } from '../../shared/book';
import type { WindowReason } from '../../shared/schemas';
import type { RecordingConfig } from './config';
import type { TokenMirror } from './token-mirror';

export type MarketReason = Extract<WindowReason, 'MID_SHOCK' | 'SPREAD_REGIME' | 'DEPTH_CLIFF'>;

export interface MarketTrigger {
  reason: MarketReason;
  detail: string;
}

type TriggerConfig = RecordingConfig['triggers'];

export class MarketTriggers {
  /** When the pending regime will have held long enough (ms), Infinity when none is pending. */
  regimeDueMs = Infinity;
  private refMid: number | null = null;
  private shockFired = false;
  private regime: SpreadRegime | null = null;
  private pending: { regime: SpreadRegime; sinceMs: number; spread: number | null } | null = null;
  private refDepth: { bid: number; ask: number } | null = null;
  /** Top-N levels at the last whole second, flattened [p, s, p, s, …], per side. */
  private readonly refLevels = { bid: [] as number[], ask: [] as number[] };
  private armed = { bid: true, ask: true };
  private readonly quietUntil: Record<MarketReason, number> = { MID_SHOCK: -Infinity, SPREAD_REGIME: -Infinity, DEPTH_CLIFF: -Infinity };

  constructor(
    private readonly mirror: TokenMirror,
    private readonly cfg: TriggerConfig,
  ) {}

  private get name(): string {
    return this.mirror.info.bucket || this.mirror.info.token_id;
  }

  /** A resync (or the first book) is the new baseline for every trigger. */
  rebase(): void {
    const t = this.mirror;
    this.refMid = t.book.mid;
    this.shockFired = false;
    this.regime = spreadRegime(t.book.spread, this.cfg.wideSpread);
    this.setPending(null);
    const depth = this.depth();
    this.refDepth = depth;
    this.keepRefLevels();
    this.armed = { bid: depth.bid >= this.cfg.depthCliffShares, ask: depth.ask >= this.cfg.depthCliffShares };
  }

  /** At each whole second: the references of the shock and cliff tests. */
  onSecond(): void {
    const t = this.mirror;
    this.refMid = t.ok ? t.book.mid : null;
    this.shockFired = false;
    this.refDepth = t.ok ? this.depth() : null;
    if (t.ok) this.keepRefLevels();
    else this.setPending(null);
  }

  /** After a message changed the (trusted) book at `nowMs`. */
  evaluate(nowMs: number, out: MarketTrigger[]): void {
    const t = this.mirror;
    const cfg = this.cfg;
    const mid = t.book.mid;
    if (!this.shockFired && mid !== null && this.refMid !== null) {
      const moved = Math.abs(mid - this.refMid);
      if (moved > cfg.midShockTicks * t.tick + 1e-9 && moved >= cfg.midShockMinMove - 1e-9) {
        this.shockFired = true;
        this.fire('MID_SHOCK', nowMs, `${this.name} mid ${fmt(this.refMid)}→${fmt(mid)} (${(moved / t.tick).toFixed(1)} ticks in <1 s)`, out);
      }
    }

    const observed = spreadRegime(t.book.spread, cfg.wideSpread);
    if (this.regime === null) this.regime = observed;
    else if (observed === this.regime) this.setPending(null);
    else if (this.pending?.regime !== observed) this.setPending({ regime: observed, sinceMs: nowMs, spread: t.book.spread });
    this.confirmRegime(nowMs, out);

    const depth = this.depth();
    for (const side of ['bid', 'ask'] as const) {
      const d = depth[side];
      if (d >= cfg.depthCliffShares) {
        this.armed[side] = true;
        continue;
      }
      const ref = this.refDepth?.[side];
      if (this.armed[side] && ref !== undefined && d <= cfg.depthCliffFraction * ref && this.pulled(side) >= cfg.depthCliffMinLevels) {
        this.armed[side] = false;
        this.fire(
          'DEPTH_CLIFF',
          nowMs,
          `${this.name} top-${cfg.depthCliffLevels} ${side} ${round3(ref)}→${round3(d)} shares (< ${cfg.depthCliffShares}) in <1 s`,
          out,
        );
      }
    }
  }

  /** Confirm a pending regime change once it has held for spreadPersistS (called at `regimeDueMs`). */
  confirmRegime(nowMs: number, out: MarketTrigger[]): void {
    const p = this.pending;
    if (!p || nowMs < this.regimeDueMs) return;
    if (!this.mirror.ok) return this.setPending(null);
    const from = this.regime;
    this.regime = p.regime;
    this.setPending(null);
    const held = (nowMs - p.sinceMs) / 1000;
    this.fire('SPREAD_REGIME', nowMs, `${this.name} spread ${from}→${p.regime} (${fmt(p.spread)}, held ${held.toFixed(1)} s)`, out);
  }

  private setPending(p: MarketTriggers['pending']): void {
    this.pending = p;
    this.regimeDueMs = p ? p.sinceMs + this.cfg.spreadPersistS * 1000 : Infinity;
  }

  private fire(reason: MarketReason, nowMs: number, detail: string, out: MarketTrigger[]): void {
    if (nowMs < this.quietUntil[reason]) return;
    this.quietUntil[reason] = nowMs + cooldownS(this.cfg, reason) * 1000;
    out.push({ reason, detail });
  }

  private keepRefLevels(): void {
    this.mirror.book.bids.topInto(this.cfg.depthCliffLevels, this.refLevels.bid);
    this.mirror.book.asks.topInto(this.cfg.depthCliffLevels, this.refLevels.ask);
  }

  /** How many of the last second's top-N levels of `side` are gone or under half their size. */
  private pulled(side: 'bid' | 'ask'): number {
    const ref = this.refLevels[side];
    let n = 0;
    for (let i = 0; i < ref.length; i += 2) if (this.mirror.book.sizeAt(side, ref[i]!) < ref[i + 1]! / 2) n++;
    return n;
  }

  private depth(): { bid: number; ask: number } {
    const n = this.cfg.depthCliffLevels;
    return { bid: this.mirror.book.bids.depth(n), ask: this.mirror.book.asks.depth(n) };
  }
}

function cooldownS(cfg: TriggerConfig, reason: MarketReason): number {
  switch (reason) {
    case 'MID_SHOCK':
      return cfg.midShockCooldownS;
    case 'SPREAD_REGIME':
      return cfg.spreadRegimeCooldownS;
    case 'DEPTH_CLIFF':
      return cfg.depthCliffCooldownS;
  }
}

/** A price for a window's reason text: 4 decimals at most, — for none. */
export function fmt(x: number | null): string {
  return x === null ? '—' : String(Math.round(x * 1e4) / 1e4);
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
