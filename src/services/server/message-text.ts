/**
 * Protocol messages as text, with each event serialized once however many clients receive it (the
 * live stream hands every subscriber the same event objects) and replayed events spliced in as the
 * JSON the Parquet stream wrote.
 */
import { encodeMessage, type ServerMessage } from '../../shared/protocol';
import type { AnyEvent } from '../../shared/schemas';

export class EventJson {
  private readonly cache = new WeakMap<AnyEvent, string>();

  of(event: AnyEvent): string {
    let text = this.cache.get(event);
    if (text === undefined) {
      text = JSON.stringify(event);
      this.cache.set(event, text);
    }
    return text;
  }

  message(message: ServerMessage): string {
    if (message.type === 'events') return eventsMessage(message.events.map((e) => this.of(e)));
    if (message.type === 'backfill') return backfillMessage(message.at, message.seek_id, message.events.map((e) => this.of(e)));
    return encodeMessage(message);
  }
}

/** An `events` message from events already as JSON text. */
export function eventsMessage(eventsJson: readonly string[]): string {
  return `{"type":"events","events":[${eventsJson.join(',')}]}`;
}

const EVENTS_HEAD = Buffer.from('{"type":"events","events":[');
const EVENTS_TAIL = Buffer.from(']}');

/** An `events` message (as UTF-8) from a batch of events already as JSON, joined by commas. */
export function batchEventsMessage(json: Buffer): Buffer {
  return Buffer.concat([EVENTS_HEAD, json, EVENTS_TAIL]);
}

/** A `backfill` message from events already as JSON text. */
export function backfillMessage(at: string, seekId: number, eventsJson: readonly string[]): string {
  return `{"type":"backfill","at":${JSON.stringify(at)},"seek_id":${seekId},"events":[${eventsJson.join(',')}]}`;
}
