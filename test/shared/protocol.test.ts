import { describe, expect, it } from 'vitest';
import { receiveServerText } from '../../src/shared/protocol';
import { sampleEvents } from '../fixtures/events';

describe('receiveServerText (a live WebSocket frame as a client receives it)', () => {
  const trade = sampleEvents().tape_trades;

  it('delivers a valid events message as it came', () => {
    expect(receiveServerText(JSON.stringify({ type: 'events', events: [trade] }))).toEqual([{ type: 'events', events: [trade] }]);
  });

  it('turns a frame that is not JSON into one error, naming the sender when given', () => {
    const [plain] = receiveServerText('{"type":');
    expect(plain).toMatchObject({ type: 'error', message: expect.stringMatching(/^invalid live message dropped: /) });
    const [named] = receiveServerText('{"type":', 'http://127.0.0.1:7600');
    expect(named).toMatchObject({ type: 'error', message: expect.stringMatching(/^invalid live message from http:\/\/127\.0\.0\.1:7600 dropped: /) });
  });

  it('drops only the invalid event of a batch, saying so first', () => {
    const bad = { ...trade, ch: 'tape_trades', p: 'not a price' };
    const received = receiveServerText(JSON.stringify({ type: 'events', events: [bad, trade] }));
    expect(received[0]).toMatchObject({ type: 'error', message: expect.stringMatching(/^1 invalid live event\(s\) dropped: /) });
    expect(received[1]).toEqual({ type: 'events', events: [trade] });
  });
});
