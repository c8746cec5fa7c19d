/**
 * EventWindowManager (docs/spec.md §5): at most one window is open at a time. A trigger while it is open
 * extends it (end = max(end, now + duration)) and adds its reason to `reasons`; otherwise it opens
 * a new window with a fresh `window_id`. Windows are half-open [start, end): the close record is
 * stamped at `end`, before anything else recorded at that instant.
 *
 * Each window carries a correlation: the METAR's when a METAR opened it, its own open record's
 * event_id when a market or QC trigger did. A METAR arriving while a window is open switches the
 * window's correlation to that METAR for everything recorded from then on (the market's reaction
 * belongs to the METAR's story); the open and close records keep the window's original one.
 */
import { stamp } from '../../shared/envelope';
import type { EventWindow, WindowReason } from '../../shared/schemas';
import { toUtcIso } from '../../shared/time';
import { uuidv7 } from '../../shared/uuid';

export interface OpenWindow {
  readonly window_id: string;
  readonly reason: WindowReason;
  readonly reasons: WindowReason[];
  readonly start_ms: number;
  end_ms: number;
  /** Correlation of the window's own records. */
  readonly record_correlation_id: string;
  /** Correlation stamped on events recorded inside from now on. */
  correlation_id: string;
  triggers: number;
  details: string[];
}

const MAX_DETAIL = 2000;
/** Trigger descriptions kept for the close record's detail; the count covers the rest. */
const MAX_DETAILS = 12;

export class EventWindowManager {
  private open: OpenWindow | null = null;

  constructor(
    private readonly stationId: string,
    private readonly emit: (record: EventWindow) => void,
  ) {}

  /** The window covering `nowMs`, if any. */
  activeAt(nowMs: number): OpenWindow | null {
    const w = this.open;
    return w && nowMs >= w.start_ms && nowMs < w.end_ms ? w : null;
  }

  get active(): OpenWindow | null {
    return this.open;
  }

  /** When the open window is due to close (ms), or null. */
  get closesAt(): number | null {
    return this.open ? this.open.end_ms : null;
  }

  /**
   * Open or extend the window. `metarCorrelation` is the METAR's event_id when the trigger is a
   * METAR. Returns the window now covering `nowMs`.
   */
  trigger(reason: WindowReason, nowMs: number, durationMs: number, detail: string, metarCorrelation?: string): OpenWindow {
    this.closeDue(nowMs);
    const w = this.open;
    if (w) {
      w.end_ms = Math.max(w.end_ms, nowMs + durationMs);
      if (!w.reasons.includes(reason)) w.reasons.push(reason);
      w.triggers++;
      if (w.details.length < MAX_DETAILS) w.details.push(`${toUtcIso(nowMs)} ${reason}: ${detail}`);
      if (metarCorrelation) w.correlation_id = metarCorrelation;
      return w;
    }
    const window_id = uuidv7(nowMs);
    const end_ms = nowMs + durationMs;
    const record = stamp(
      'event_windows',
      {
        station_id: this.stationId,
        window_id,
        reason,
        reasons: [reason],
        start_ts: toUtcIso(nowMs),
        end_ts: toUtcIso(end_ms),
        state: 'open',
        detail: clip(detail),
        // stamp lets payload keys win, so an absent correlation must be absent, not undefined
        ...(metarCorrelation ? { correlation_id: metarCorrelation } : {}),
      },
      nowMs,
    );
    this.open = {
      window_id,
      reason,
      reasons: [reason],
      start_ms: nowMs,
      end_ms,
      record_correlation_id: record.correlation_id,
      correlation_id: record.correlation_id,
      triggers: 1,
      details: [`${toUtcIso(nowMs)} ${reason}: ${detail}`],
    };
    this.emit(record);
    return this.open;
  }

  /** Close the window if it has ended by `nowMs` (its close record is stamped at its end). */
  closeDue(nowMs: number): void {
    const w = this.open;
    if (w && w.end_ms <= nowMs) this.close(w.end_ms, 'ended');
  }

  /** Close the open window at `atMs` (≤ its planned end), e.g. when the recording stops. */
  close(atMs: number, why: string): void {
    const w = this.open;
    if (!w) return;
    this.open = null;
    const end = Math.min(Math.max(atMs, w.start_ms), w.end_ms);
    this.emit(
      stamp(
        'event_windows',
        {
          station_id: this.stationId,
          window_id: w.window_id,
          reason: w.reason,
          reasons: [...w.reasons],
          start_ts: toUtcIso(w.start_ms),
          end_ts: toUtcIso(end),
          state: 'closed',
          detail: clip(`${why}; ${w.triggers} trigger(s): ${w.details.join(' | ')}`),
          correlation_id: w.record_correlation_id,
        },
        end,
      ),
    );
  }
}

function clip(s: string): string {
  return s.length <= MAX_DETAIL ? s : s.slice(0, MAX_DETAIL - 1) + '…';
}
