/**
 * Issue #13 item 1: one malformed WebSocket frame used to crash `npm run web` — and the live
 * recording in the same process. Here the real composition runs in its own process, recording the
 * simulator, while hand-built malformed frames and seeded random ones hit /live over raw TCP.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { MAX_WS_MESSAGE_BYTES } from '../../src/services/web/server';
import { fuzz, malformedFrames, randomFrames, type FuzzTarget } from '../support/ws-fuzz';
import { until } from '../support/until';
import { startBridgeProcess, type BridgeProcess } from './bridge-process';

let bridge: BridgeProcess;


beforeAll(async () => {
  bridge = await startBridgeProcess({ live: true });
  await until(() => bridge.journalBytes() > 0, 'the recording to reach the journal', 30_000);
});

afterAll(async () => {
  await bridge?.stop();
});

test('malformed frames on /live close only that client, with a close code; the recording goes on', async () => {
  const target: FuzzTarget = { host: '127.0.0.1', port: bridge.port, path: '/live' };
  const named = malformedFrames(MAX_WS_MESSAGE_BYTES);
  const random = randomFrames(13, 300);
  const journalBefore = bridge.journalBytes();
  let deadAfter: string | null = null;
  const outcomes = await fuzz(target, [...named, ...random], {
    timeoutMs: 1500,
    between: (o) => {
      if (!bridge.alive() && deadAfter === null) deadAfter = o.name;
    },
  });
  expect(deadAfter, `the bridge died (stderr: ${bridge.stderr().slice(-2000)})`).toBeNull();
  expect(bridge.alive()).toBe(true);

  for (const [i, c] of named.entries()) {
    const o = outcomes[i]!;
    expect({ name: o.name, refused: o.refused, closed: o.closed, code: c.expectCodes!.includes(o.closeCode!) ? 'expected' : o.closeCode }).toEqual({
      name: c.name,
      refused: false,
      closed: true,
      code: 'expected',
    });
  }

  // The recording kept writing through all of it…
  await until(() => bridge.journalBytes() > journalBefore, 'the journal to grow after the fuzzing', 10_000);
  // …and a well-behaved client still gets the live stream.
  const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/live`);
  const types = await new Promise<string[]>((resolve, reject) => {
    const seen: string[] = [];
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', groups: ['l2', 'health'] })));
    ws.on('message', (data) => {
      seen.push((JSON.parse(String(data)) as { type: string }).type);
      if (seen.includes('events')) resolve(seen);
    });
    ws.on('error', reject);
    setTimeout(() => reject(new Error(`no live events, got ${seen.join(',')}`)), 10_000);
  });
  ws.close();
  expect(types.slice(0, 2)).toEqual(['hello', 'backfill']);

  const closedWithCode = outcomes.filter((o) => o.closeCode !== null).length;
  console.log(
    `live fuzz: ${outcomes.length} inputs (${named.length} named, ${random.length} random), bridge alive after all; ` +
      `${closedWithCode} closed with a close code, ${outcomes.filter((o) => o.closed && o.closeCode === null).length} closed without, ` +
      `${outcomes.filter((o) => !o.closed).length} left waiting for more bytes; journal ${journalBefore} → ${bridge.journalBytes()} bytes`,
  );
}, 180_000);
