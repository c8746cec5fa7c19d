/**
 * The live/replay protocol: the messages that the UI (over IPC or the browser bridge) and external
 * clients (over WebSocket) receive. Live and replay emit exactly the same messages; a client can
 * tell them apart only by `hello.mode`. Every message is validated with these schemas on receipt.
 */
import { z } from 'zod';
import { GROUPS, type ChannelGroup } from './channels';
import { parseEvent } from './registry';
import type { AnyEvent } from './schemas';
import { isoUtc } from './schemas';

export const PROTOCOL_VERSION = 1;

const group = z.enum(GROUPS as [ChannelGroup, ...ChannelGroup[]]);

/** Events inside protocol messages go through the same registry as journal lines. */
const event = z.unknown().transform((value, ctx): AnyEvent => {
  const parsed = parseEvent(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  }
  return parsed.event;
});

export const clockState = z.object({
  /** Instants in epoch ms of the virtual clock; null until known. */
  current_ms: z.number().nullable(),
  start_ms: z.number().nullable(),
  end_ms: z.number().nullable(),
  playing: z.boolean(),
  speed: z.number().positive(),
  presence: z.enum(['INITIALIZING', 'BUFFERING', 'PRESENT', 'ERROR']),
});
export type ClockState = z.infer<typeof clockState>;

export const serverMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.literal(PROTOCOL_VERSION),
    mode: z.enum(['live', 'replay']),
    station_id: z.string(),
    /** The replayed day (station-local) in replay mode. */
    date: z.string().nullable(),
    groups: z.array(group),
  }),
  /** New events in ts_ingest_utc order. */
  z.object({ type: z.literal('events'), events: z.array(event) }),
  /**
   * State at `at` after a seek or for a late joiner: the latest event per topic (per token for
   * market channels) and the window deltas since each snapshot. Clients reset and apply these.
   */
  z.object({ type: z.literal('backfill'), at: isoUtc, seek_id: z.number().int(), events: z.array(event) }),
  z.object({ type: z.literal('clock'), clock: clockState }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type ServerMessage = z.output<typeof serverMessage>;

export const STEP_TARGETS = ['second', 'metar', 'window', 'shock'] as const;

export const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), groups: z.array(group).min(1) }),
  z.object({ type: z.literal('play') }),
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('seek'), at: isoUtc }),
  z.object({ type: z.literal('speed'), speed: z.number().positive().max(10_000) }),
  z.object({ type: z.literal('step'), target: z.enum(STEP_TARGETS), direction: z.union([z.literal(1), z.literal(-1)]) }),
]);
export type ClientMessage = z.output<typeof clientMessage>;

export function encodeMessage(message: ServerMessage | ClientMessage): string {
  return JSON.stringify(message);
}

export function decodeServerMessage(text: string): ServerMessage {
  return serverMessage.parse(JSON.parse(text));
}

/**
 * What a client delivers for one live/replay message as received (parsed JSON, or the structured
 * clone IPC hands over): the message validated with these schemas, preceded by an `error` message
 * when some of its events were invalid — events are checked one by one through the registry, so a
 * bad event costs only itself, not its batch — or only an `error` when the message is invalid.
 * The browser bridge client and the Electron preload both receive through this.
 */
export function receiveServerMessage(raw: unknown): ServerMessage[] {
  try {
    const r = raw as { type?: unknown; events?: unknown } | null;
    if ((r?.type === 'events' || r?.type === 'backfill') && Array.isArray(r.events)) {
      const events: AnyEvent[] = [];
      const rejected: string[] = [];
      for (const e of r.events as unknown[]) {
        const parsed = parseEvent(e);
        if (parsed.ok) events.push(parsed.event);
        else rejected.push(parsed.reason);
      }
      const message = { ...serverMessage.parse({ ...r, events: [] }), events } as ServerMessage;
      if (rejected.length === 0) return [message];
      return [{ type: 'error', message: `${rejected.length} invalid live event(s) dropped: ${rejected[0]}` }, message];
    }
    return [serverMessage.parse(raw)];
  } catch (e) {
    return [{ type: 'error', message: `invalid live message dropped: ${(e as Error).message.slice(0, 300)}` }];
  }
}

/** `receiveServerMessage` for a WebSocket text frame; `from` names the sender in the error for one that is not JSON. */
export function receiveServerText(text: string, from?: string): ServerMessage[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return [{ type: 'error', message: `invalid live message${from ? ` from ${from}` : ''} dropped: ${(e as Error).message.slice(0, 300)}` }];
  }
  return receiveServerMessage(raw);
}

export function decodeClientMessage(text: string): ClientMessage {
  return clientMessage.parse(JSON.parse(text));
}
