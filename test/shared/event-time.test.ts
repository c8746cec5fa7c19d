import { describe, expect, it } from 'vitest';
import { ingestMs, stampIngestMs } from '../../src/shared/event-time';

const event = () => ({ ch: 'metar_obs', event_id: 'e1', ts_ingest_utc: '2026-01-29T17:53:02.114417Z', raw: 'KLGA 291751Z …' });

describe('an event’s ingest time as a number', () => {
  it('is what Date.parse gives for the ISO text (sub-ms digits dropped), parsed once and then read', () => {
    const e = event();
    expect(ingestMs(e)).toBe(Date.parse('2026-01-29T17:53:02.114Z'));
    const stamped = stampIngestMs(event(), 42);
    expect(ingestMs(stamped)).toBe(42); // the number attached where the event entered, not the text parsed again
  });

  it('leaves the event’s wire shape alone: JSON, spreads and equality see the same event', () => {
    const stamped = stampIngestMs(event());
    expect(JSON.stringify(stamped)).toBe(JSON.stringify(event()));
    expect({ ...stamped }).toEqual(event());
    expect(stamped).toEqual(event());
    expect(Object.keys(stamped)).toEqual(Object.keys(event()));
    expect(ingestMs(structuredClone(stamped))).toBe(ingestMs(stamped));
  });
});
