/**
 * The exported correlation-id snapshot (docs/spec.md §7): "this is what HELIOS saw and this is how the
 * model reacted", as one self-describing JSON file an analyst can share and the app can reopen.
 *
 * A file holds: what it is (format id + version), where and when (station, day, cursor), the
 * correlation id and every event of the day carrying it, the reconstructed channel state at the
 * cursor (books, METAR, PWS, features, nowcast, health, open windows, recent trades, markets), the inputs
 * that were active with their staleness, and the backfill events that rebuild that state through
 * the reducer. Every event inside goes through the registry on load, so older event versions are
 * upgraded and unknown future ones are refused with a reason, exactly like journal lines.
 */
import { z } from 'zod';
import { emptyChannelState, type ChannelState, type TokenBook } from './channel-state';
import type { Channel } from './channels';
import { parseEvent, describeZodError } from './registry';
import { isoUtc, levelSchema, type AnyEvent, type EventOf } from './schemas';
import { DATE_PATTERN, parseIsoMs } from './time';
import { activeInputs, type ActiveInput } from './players/inputs';

export const SNAPSHOT_FORMAT = 'helios-tape.correlation-snapshot';
export const SNAPSHOT_VERSION = 1;

/** Any event, through the registry (upgrade older versions, refuse future ones). */
const anyEvent = z.unknown().transform((value, ctx): AnyEvent => {
  const parsed = parseEvent(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  }
  return parsed.event;
});

function eventOf<C extends Channel>(ch: C) {
  return anyEvent.refine((e) => e.ch === ch, { message: `expected a ${ch} event` }) as unknown as z.ZodType<EventOf<C>>;
}

const nullablePrice = z.number().min(0).max(1).nullable();

const tokenBook = z.object({
  token_id: z.string(),
  market_id: z.string(),
  bucket: z.string().nullable().default(null),
  bids: z.array(levelSchema),
  asks: z.array(levelSchema),
  metrics: z.object({
    best_bid: nullablePrice,
    best_ask: nullablePrice,
    mid: nullablePrice,
    spread: z.number().nullable(),
    microprice: nullablePrice,
    imbalance: z.number().nullable(),
  }),
  book_ok: z.boolean(),
  seq: z.number().int().nonnegative(),
  resync_epoch_id: z.number().int().nonnegative(),
  updated_at: isoUtc,
  deltas_since_snapshot: z.number().int().nonnegative(),
  last_book_event: eventOf('book_events').nullable(),
});

const activeInput = z.object({
  kind: z.enum(['metar', 'pws', 'feature', 'nowcast', 'source']),
  name: z.string(),
  value: z.union([z.number(), z.string()]).nullable(),
  staleness_s: z.number().nonnegative(),
  received_at: isoUtc,
  event_id: z.string(),
  correlation_id: z.string(),
});

const marketState = z.object({
  market_date: z.string().regex(DATE_PATTERN),
  listing: eventOf('markets').nullable(),
  unlisted: z.boolean(),
  resolutions: z.record(z.string(), eventOf('markets')),
  winner: z.string().nullable(),
});

export const snapshotState = z.object({
  /** Time of the last event applied. */
  at_utc: isoUtc.nullable(),
  books: z.array(tokenBook),
  /** Recent trades per token, oldest first. */
  trades: z.record(z.string(), z.array(eventOf('tape_trades'))),
  metar: eventOf('metar_obs').nullable(),
  pws: eventOf('pws_cluster').nullable(),
  features: eventOf('features_1m').nullable(),
  nowcast: eventOf('nowcast_1m').nullable(),
  health: eventOf('health').nullable(),
  open_windows: z.array(eventOf('event_windows')),
  /** The markets followed (listing, rules, resolutions), by market date. */
  markets: z.array(marketState).default([]),
  last_event: anyEvent.nullable(),
});

export const snapshotFile = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  format_version: z.literal(SNAPSHOT_VERSION),
  created_at: isoUtc,
  /** What wrote the file, e.g. "HELIOS Tape 0.1.0 (replay)". */
  generator: z.string().max(200),
  mode: z.enum(['replay', 'live']),
  station_id: z.string(),
  /** Station-local day. */
  date: z.string().regex(DATE_PATTERN),
  time_zone: z.string(),
  /** The moment shown. */
  cursor_utc: isoUtc,
  correlation_id: z.string().min(1),
  /** Every event of the day carrying `correlation_id`, in replay order. */
  events: z.array(anyEvent),
  state: snapshotState,
  inputs: z.array(activeInput),
  /**
   * Events that rebuild `state` through the channel-state reducer (a seek's backfill at the
   * cursor). Reopening the file replays these, so the panels show the moment through the same
   * pipeline as live and replay.
   */
  backfill: z.array(anyEvent),
});
export type SnapshotFile = z.output<typeof snapshotFile>;

export interface BuildSnapshotInput {
  mode: 'replay' | 'live';
  station_id: string;
  date: string;
  time_zone: string;
  at_ms: number;
  /** Default: the correlation of the last event applied (the story at the cursor). */
  correlation_id?: string;
  state: ChannelState;
  /** Every event carrying the correlation id. */
  events: readonly AnyEvent[];
  backfill: readonly AnyEvent[];
  created_at_ms?: number;
  generator?: string;
}

export function buildSnapshot(input: BuildSnapshotInput): SnapshotFile {
  const correlation_id = input.correlation_id ?? input.state.last_event?.correlation_id;
  if (!correlation_id) throw new Error('nothing to export: no event has been applied at the cursor yet');
  const s = input.state;
  const file: SnapshotFile = {
    format: SNAPSHOT_FORMAT,
    format_version: SNAPSHOT_VERSION,
    created_at: new Date(input.created_at_ms ?? Date.now()).toISOString(),
    generator: input.generator ?? `HELIOS Tape (${input.mode})`,
    mode: input.mode,
    station_id: input.station_id,
    date: input.date,
    time_zone: input.time_zone,
    cursor_utc: new Date(input.at_ms).toISOString(),
    correlation_id,
    events: [...input.events],
    state: {
      at_utc: s.at_ms === null ? null : new Date(s.at_ms).toISOString(),
      books: Object.values(s.books).sort((a, b) => a.token_id.localeCompare(b.token_id)),
      trades: Object.fromEntries(Object.entries(s.trades).map(([token, list]) => [token, [...list]])),
      metar: s.metar,
      pws: s.pws,
      features: s.features,
      nowcast: s.nowcast,
      health: s.health,
      open_windows: Object.values(s.open_windows),
      markets: Object.values(s.markets),
      last_event: s.last_event,
    },
    inputs: activeInputs(s, input.at_ms),
    backfill: [...input.backfill],
  };
  return file;
}

export function serializeSnapshot(file: SnapshotFile): string {
  return JSON.stringify(file, null, 1);
}

/** A file name the save APIs accept: `helios-KLGA-2026-01-29T175302Z-0190c2f4.json`. */
export function snapshotFileName(file: Pick<SnapshotFile, 'station_id' | 'cursor_utc' | 'correlation_id'>): string {
  const at = file.cursor_utc.replace(/\.\d+Z$/, 'Z').replace(/:/g, '');
  const corr = file.correlation_id.replace(/[^\w]/g, '').slice(0, 8) || 'snapshot';
  return `helios-${file.station_id}-${at}-${corr}.json`;
}

export interface LoadedSnapshot {
  file: SnapshotFile;
  at_ms: number;
  /** The state to show (as the reducer's ChannelState). */
  state: ChannelState;
  inputs: ActiveInput[];
}

export type LoadSnapshotResult = { ok: true; snapshot: LoadedSnapshot } | { ok: false; reason: string };

/** Validate a snapshot file's text and rebuild what the UI needs to show that moment again. */
export function loadSnapshot(text: string): LoadSnapshotResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  if (typeof raw !== 'object' || raw === null || (raw as { format?: unknown }).format !== SNAPSHOT_FORMAT) {
    return { ok: false, reason: `not a HELIOS Tape snapshot (expected "format": "${SNAPSHOT_FORMAT}")` };
  }
  const version = (raw as { format_version?: unknown }).format_version;
  if (typeof version === 'number' && version > SNAPSHOT_VERSION) {
    return { ok: false, reason: `snapshot format version ${version} is newer than this app supports (${SNAPSHOT_VERSION}); update HELIOS Tape to open it` };
  }
  const parsed = snapshotFile.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: `invalid snapshot: ${describeZodError(parsed.error)}` };
  const file = parsed.data;
  const s = file.state;
  const books: Record<string, TokenBook> = {};
  for (const b of s.books) books[b.token_id] = b;
  const state: ChannelState = {
    ...emptyChannelState(),
    at_ms: s.at_utc === null ? null : parseIsoMs(s.at_utc),
    books,
    trades: s.trades,
    metar: s.metar,
    pws: s.pws,
    features: s.features,
    nowcast: s.nowcast,
    health: s.health,
    open_windows: Object.fromEntries(s.open_windows.map((w) => [w.window_id, w])),
    markets: Object.fromEntries(s.markets.map((m) => [m.market_date, m])),
    last_event: s.last_event,
  };
  return { ok: true, snapshot: { file, at_ms: parseIsoMs(file.cursor_utc), state, inputs: file.inputs } };
}
