import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { GROUPS } from '../../src/shared/channels';
import type { ServerMessage } from '../../src/shared/protocol';
import type { AnyEvent } from '../../src/shared/schemas';
import { DataRoot } from '../../src/services/data-root';
import { ReplaySession } from '../../src/services/server/replay-session';
import { makeDayFixture, type DayFixture } from '../replay/fixtures/day-fixture';

let fx: DayFixture;
let instance: DuckDBInstance;

beforeAll(async () => {
  fx = await makeDayFixture({ durationMs: 20 * 60_000 });
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
});

afterAll(async () => {
  instance?.closeSync();
  await fx?.dispose();
});

const ms = (e: AnyEvent) => Date.parse(e.ts_ingest_utc);

describe('ReplaySession: the clock against the batch limits', { timeout: 60_000 }, () => {
  it('a frame cut short by the batch limit is made up at once: the clock reaches where real time × speed says without more real time passing', async () => {
    const messages: ServerMessage[] = [];
    let now = 0;
    const session = await ReplaySession.open({
      dataRoot: new DataRoot(fx.root),
      day: fx.day,
      instance,
      send: (m) => messages.push(JSON.parse(m.toString()) as ServerMessage) > 0,
      writable: () => true,
      now: () => now,
      frameMs: 1,
      clockEveryMs: 0,
      maxBatch: 5,
    });
    session.handle({ type: 'subscribe', groups: [...GROUPS] });
    session.handle({ type: 'speed', speed: 10_000 });
    session.handle({ type: 'play' });
    while (!messages.some((m) => m.type === 'backfill')) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50)); // frames at a standstill: nothing is due
    const start = ms(fx.events[0]!);
    now = 10; // 10 ms of real time at 10,000× is 100 s of the day: many batches of 5
    const target = start + 100_000;
    const deadline = Date.now() + 10_000;
    const reached = () => messages.some((m) => m.type === 'clock' && (m.clock.current_ms ?? 0) >= target);
    while (!reached() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    session.handle({ type: 'pause' });
    await session.idle();
    await session.close();
    expect(reached()).toBe(true);
    const played = messages.flatMap((m) => (m.type === 'events' ? m.events : []));
    expect(Math.max(...messages.flatMap((m) => (m.type === 'events' ? [m.events.length] : [])))).toBeLessThanOrEqual(5);
    expect(played.filter((e) => ms(e) <= target)).toEqual(fx.events.filter((e) => ms(e) > start && ms(e) <= target));
  });
});
