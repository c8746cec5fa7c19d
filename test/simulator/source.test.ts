import { describe, expect, it } from 'vitest';
import { SimulatorSource, simulateDay } from '../../src/services/sources/simulator';
import { DaySimulation } from '../../src/services/sources/simulator/day-simulation';
import type { SourceMessage, SourceSink } from '../../src/services/sources/source';
import { OrderBook } from '../../src/shared/book';
import { clobBookMessage } from '../../src/services/sources/polymarket-messages';
import { localDayBoundsUtc, NYC_TZ } from '../../src/shared/time';
import { FakeScheduler } from './fake-scheduler';

const DATE = '2026-01-29';
const SEED = 11;
const [DAY_START, DAY_END] = localDayBoundsUtc(DATE, NYC_TZ);
const MINUTE = 60_000;

/** A sink that only collects: the simulator never rejects input nor reports connection states. */
function sinkOf(push: SourceSink['push']): SourceSink {
  return {
    push,
    reject: (r) => {
      throw new Error(`the simulator rejected its own input: ${r.reason}`);
    },
    status: () => {},
  };
}

async function startOn(src: SimulatorSource, push: SourceSink['push'], sched: FakeScheduler): Promise<void> {
  let started = false;
  const p = src.start(sinkOf(push)).then(() => {
    started = true;
  });
  while (!started) await sched.advance(0);
  await p;
}

type Levels = { price: string; size: string }[];
const toLevels = (ls: Levels) => ls.map((l) => ({ p: Number(l.price), s: Number(l.size) }));

/** What a careful consumer does: mirror each book, check every price_change's BBO, resync on mismatch. */
class Consumer {
  readonly mirrors = new Map<string, OrderBook>();
  readonly pending = new Set<string>();
  mismatches = 0;
  mismatchesAfterResync = 0;
  restBooks = 0;
  private resynced = new Set<string>();
  constructor(private readonly src: SimulatorSource) {}

  push = (m: SourceMessage): void => {
    if (m.kind === 'clob_rest_book' || (m.kind === 'clob' && m.message.event_type === 'book')) {
      const b = m.kind === 'clob_rest_book' ? m.book : (m.message as Extract<typeof m.message, { event_type: 'book' }>);
      const mirror = new OrderBook();
      mirror.reset(toLevels(b.bids), toLevels(b.asks));
      this.mirrors.set(b.asset_id, mirror);
      if (m.kind === 'clob_rest_book') {
        this.restBooks++;
        this.pending.delete(b.asset_id);
        this.resynced.add(b.asset_id);
      }
      return;
    }
    if (m.kind !== 'clob' || m.message.event_type !== 'price_change') return;
    const asset = m.message.price_changes[0]!.asset_id;
    const mirror = this.mirrors.get(asset);
    if (!mirror) return;
    for (const c of m.message.price_changes) mirror.apply(c.side === 'BUY' ? 'bid' : 'ask', Number(c.price), Number(c.size));
    const top = mirror.top(1);
    const last = m.message.price_changes.at(-1)!;
    const ok = top.bids[0]?.p === Number(last.best_bid) && top.asks[0]?.p === Number(last.best_ask);
    if (ok || this.pending.has(asset)) return;
    this.mismatches++;
    if (this.resynced.has(asset)) this.mismatchesAfterResync++;
    this.pending.add(asset);
    this.src.requestBook(asset);
  };
}

describe('SimulatorSource pacing', () => {
  it('delivers the simulated stream at the requested speed against its virtual clock', async () => {
    const sched = new FakeScheduler();
    const start = DAY_START + 20 * MINUTE;
    const src = new SimulatorSource({ date: DATE, seed: SEED, start, speed: 60, scheduler: sched });
    const got: { wall: number; m: SourceMessage }[] = [];
    await startOn(src, (m) => got.push({ wall: sched.now(), m }), sched);
    const wall0 = sched.now();
    expect(src.now()).toBe(start);

    await sched.advance(5000); // 5 wall seconds at 60x = 5 virtual minutes
    expect(src.now()).toBe(start + 5 * MINUTE);
    expect(src.clock.now()).toBe(src.now());

    const expected = [...simulateDay({ date: DATE, seed: SEED, from: start, to: start + 5 * MINUTE + 1 })];
    expect(got.length).toBe(expected.length);
    expect(JSON.stringify(got.map((g) => g.m))).toBe(JSON.stringify(expected));
    const lateness = got.map(({ wall, m }) => start + (wall - wall0) * 60 - m.received_ms);
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0); // never early
    expect(Math.max(...lateness)).toBeLessThanOrEqual(60); // late by at most one wall ms
    await src.stop();
  });

  it('started mid-day, delivers the latest METAR and a PWS batch at once, as the first poll of a real poller does', async () => {
    const sched = new FakeScheduler();
    const start = DAY_START + 2 * 60 * MINUTE + 45 * MINUTE; // 02:45 local: the last METAR came at ~01:53
    const src = new SimulatorSource({ date: DATE, seed: SEED, start, speed: 1, scheduler: sched });
    const got: SourceMessage[] = [];
    await startOn(src, (m) => got.push(m), sched);
    await sched.advance(0);
    const atStart = got.filter((m) => m.received_ms === start);
    // What a client connected all day last received before `start`:
    const before = [...simulateDay({ date: DATE, seed: SEED, from: start - 90 * MINUTE, to: start })];
    const lastMetar = before.filter((m) => m.kind === 'metar').at(-1) as Extract<SourceMessage, { kind: 'metar' }>;
    const lastPws = before.filter((m) => m.kind === 'pws').at(-1) as Extract<SourceMessage, { kind: 'pws' }>;
    expect(start - lastMetar.received_ms).toBeGreaterThan(20 * MINUTE);
    expect(atStart).toContainEqual({ kind: 'metar', received_ms: start, raw: lastMetar.raw });
    expect(atStart).toContainEqual({ kind: 'pws', received_ms: start, readings: lastPws.readings });
    expect(atStart[0]).toMatchObject({ kind: 'clob_connection', state: 'up' });
    // …and nothing else is early: the next METAR still arrives when it is published.
    await sched.advance(10 * MINUTE);
    const later = got.filter((m) => m.kind === 'metar' && m.received_ms > start);
    expect(later.map((m) => m.received_ms)).toEqual(
      [...simulateDay({ date: DATE, seed: SEED, from: start - 90 * MINUTE, to: start + 10 * MINUTE })].filter((m) => m.kind === 'metar' && m.received_ms > start).map((m) => m.received_ms),
    );
    expect(later.length).toBeGreaterThanOrEqual(1);
    await src.stop();
  });

  it('runs in real time at speed 1', async () => {
    const sched = new FakeScheduler();
    const start = DAY_START + 5 * MINUTE;
    const src = new SimulatorSource({ date: DATE, seed: SEED, start, speed: 1, scheduler: sched });
    const got: SourceMessage[] = [];
    await startOn(src, (m) => got.push(m), sched);
    await sched.advance(3000);
    expect(src.now()).toBe(start + 3000);
    expect(got.length).toBeGreaterThan(10);
    expect(got.at(-1)!.received_ms).toBeLessThanOrEqual(start + 3000);
    const next = [...simulateDay({ date: DATE, seed: SEED, from: start, to: start + 4000 })].filter((m) => m.received_ms > start + 3000);
    expect(next.length).toBeGreaterThan(0); // there was more to come, and it wasn't delivered early
    await src.stop();
  });

  it('stops cleanly: nothing is pushed after stop() and the clock freezes', async () => {
    const sched = new FakeScheduler();
    const src = new SimulatorSource({ date: DATE, seed: SEED, start: DAY_START + MINUTE, speed: 60, scheduler: sched });
    let count = 0;
    await startOn(src, () => count++, sched);
    await sched.advance(1000);
    const before = count;
    await src.stop();
    const frozen = src.now();
    await sched.advance(60_000);
    expect(count).toBe(before);
    expect(src.now()).toBe(frozen);
    expect(sched.pending).toBe(0);
    await expect(src.finished).resolves.toBeUndefined();
  });

  it('rejects `finished` with the error when the sink throws, and stops', async () => {
    const sched = new FakeScheduler();
    const src = new SimulatorSource({ date: DATE, seed: SEED, start: DAY_START + MINUTE, speed: 60, scheduler: sched });
    let calls = 0;
    await startOn(
      src,
      () => {
        if (++calls === 3) throw new Error('sink broke');
      },
      sched,
    );
    await sched.advance(5000);
    await expect(src.finished).rejects.toThrow('sink broke');
    expect(calls).toBe(3);
  });

  it('rejects bad options and unknown tokens with clear errors', () => {
    expect(() => new SimulatorSource({ date: DATE, speed: 0 })).toThrow(/speed/);
    expect(() => new SimulatorSource({ date: DATE, start: DAY_END + 1 })).toThrow(/outside/);
    const src = new SimulatorSource({ date: DATE, seed: SEED, scheduler: new FakeScheduler() });
    expect(() => src.requestBook('123')).toThrow(/unknown token/);
  });
});

describe('SimulatorSource books', () => {
  it('answers requestBook with the current book as a clob_rest_book 80–300 virtual ms later', async () => {
    const start = DAY_START + 10 * MINUTE;
    expect(new DaySimulation({ station: 'KLGA', date: DATE, seed: SEED, tokens: 8, fromMs: start, toMs: DAY_END }).gaps[0]!.atMs).toBeGreaterThan(start + 10 * MINUTE);
    const sched = new FakeScheduler();
    const src = new SimulatorSource({ date: DATE, seed: SEED, start, speed: 60, scheduler: sched });
    const consumer = new Consumer(src);
    const rest: Extract<SourceMessage, { kind: 'clob_rest_book' }>[] = [];
    await startOn(
      src,
      (m) => {
        consumer.push(m);
        if (m.kind === 'clob_rest_book') rest.push(m);
      },
      sched,
    );
    await sched.advance(2000);
    const token = src.info.tokens[3]!.token_id;
    const askedAt = src.now();
    const mirrorBefore = consumer.mirrors.get(token)!;
    src.requestBook(token);
    await sched.advance(10);
    expect(rest).toHaveLength(1);
    const answer = rest[0]!;
    expect(answer.book.asset_id).toBe(token);
    expect(clobBookMessage.safeParse({ event_type: 'book', ...answer.book }).success).toBe(true);
    expect(answer.received_ms - askedAt).toBeGreaterThanOrEqual(80);
    expect(answer.received_ms - askedAt).toBeLessThanOrEqual(300);
    // No gap happened yet, so the consumer's mirror already equals the venue's book.
    const top = mirrorBefore.top(50);
    expect(toLevels(answer.book.bids).sort((a, b) => b.p - a.p)).toEqual(top.bids);
    expect(toLevels(answer.book.asks).sort((a, b) => a.p - b.p)).toEqual(top.asks);
    await src.stop();
  });

  it('loses a price_change now and then; a consumer that checks best bid/ask detects it and resyncs', async () => {
    const sim = new DaySimulation({ station: 'KLGA', date: DATE, seed: SEED, tokens: 8, fromMs: DAY_START, toMs: DAY_END });
    // A lost batch that a later one happens to overwrite (the touch flickering back) leaves nothing to
    // detect, so look at the first few isolated gaps until one shows.
    const isolated = sim.gaps.filter((g, i) => (sim.gaps[i + 1]?.atMs ?? Infinity) > g.atMs + 20 * MINUTE).slice(0, 3);
    expect(isolated.length).toBeGreaterThanOrEqual(2);
    let detected = 0;
    for (const gap of isolated) {
      const start = gap.atMs - MINUTE;
      const src = new SimulatorSource({ date: DATE, seed: SEED, start, to: gap.atMs + 20 * MINUTE, speed: Infinity });
      const consumer = new Consumer(src);
      let lastReceived = -Infinity;
      let clockBehind = 0;
      await src.start(
        sinkOf((m) => {
          consumer.push(m);
          if (src.now() < m.received_ms) clockBehind++;
          lastReceived = m.received_ms;
        }),
      );
      await src.finished;
      expect(consumer.restBooks).toBe(consumer.mismatches);
      // After a REST resync the mirror is exact again: no further mismatch on that token from it.
      expect(consumer.mismatchesAfterResync).toBe(0);
      expect(clockBehind).toBe(0);
      expect(lastReceived).toBeLessThan(gap.atMs + 20 * MINUTE);
      detected += consumer.mismatches;
      if (detected > 0) break;
    }
    expect(detected).toBeGreaterThanOrEqual(1);
  });
});
