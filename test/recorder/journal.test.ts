import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataRoot } from '../../src/services/data-root';
import { resolveRecordingConfig, type RecordingConfigInput } from '../../src/services/recorder/config';
import { JournalWriter } from '../../src/services/recorder/journal-writer';
import { Recorder } from '../../src/services/recorder/recorder';
import { recordDay } from '../../src/services/recorder/session';
import type { SourceMessage } from '../../src/services/sources/source';
import { stamp } from '../../src/shared/envelope';
import { parseLine } from '../../src/shared/registry';
import type { AnyEvent } from '../../src/shared/schemas';
import { stationDate } from '../../src/shared/time';
import { A, B, T0, TOKENS, Venue, ingestEveryInput, klgaMetar, ladder, metar, nowcast, pws } from './helpers';
import { readJournal } from './journal-files';

const roots: string[] = [];
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'helios-journal-'));
  roots.push(dir);
  return dir;
}
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function writerAndRecorder(root: string, config: RecordingConfigInput, startMs = T0) {
  const cfg = resolveRecordingConfig(config);
  const writer = new JournalWriter({ dataRoot: new DataRoot(root), station_id: 'KLGA', config: cfg.journal });
  const emitted: AnyEvent[] = [];
  const recorder = new Recorder({
    station_id: 'KLGA',
    tokens: TOKENS,
    config: cfg,
    startMs,
    emit: (event) => {
      emitted.push(event);
      writer.enqueue(event);
    },
    reject: (r) => writer.reject(r),
    writerHealth: () => writer.stats(),
  });
  return { writer, recorder, emitted };
}

describe('journal', () => {
  it('partitions by the station-local date of each event: a recording across New York midnight splits into two days', async () => {
    const root = tempRoot();
    // 2026-01-29 23:59:50 in New York = 2026-01-30 04:59:50 UTC
    const start = Date.UTC(2026, 0, 30, 4, 59, 50);
    const v = new Venue();
    const l = ladder(0.5);
    const messages: SourceMessage[] = [
      v.bookMessage(A, start + 100, l.bids, l.asks),
      v.bookMessage(B, start + 100, l.bids, l.asks),
      metar(start + 5_500, klgaMetar(start - 9 * 60_000)),
    ];
    for (let k = 6; k < 20; k++) messages.push(v.change(start + k * 1000 + 200, [[A, 'BUY', 0.49, 500 + k]]));
    const stats = await recordDay({ dataRoot: root, station_id: 'KLGA', tokens: TOKENS, messages, startMs: start, endMs: start + 20_000 });

    const files = readJournal(root);
    expect(files.map((f) => f.date)).toEqual(['2026-01-29', '2026-01-30']);
    const events = files.flatMap((f) =>
      f.lines.map((line) => {
        const parsed = parseLine(line);
        if (!parsed.ok) throw new Error(`${f.name}: ${parsed.reason}`);
        expect(stationDate(Date.parse(parsed.event.ts_ingest_utc), 'KLGA'), parsed.event.ts_ingest_utc).toBe(f.date);
        return parsed.event;
      }),
    );
    expect(files.every((f) => f.tail === '')).toBe(true);
    const snaps = (date: string) => files.find((f) => f.date === date)!.lines.filter((l) => l.includes('"ch":"l2_snap_1s"')).length;
    expect(snaps('2026-01-29')).toBe(2 * 10); // 23:59:50 … 23:59:59
    expect(snaps('2026-01-30')).toBe(2 * 10); // 00:00:00 … 00:00:09 (the end, 00:00:10, is exclusive)
    // the METAR window straddles midnight: its deltas are in both files under one window_id
    const deltas = events.filter((e) => e.ch === 'l2_deltas');
    expect(new Set(deltas.map((d) => d.window_id)).size).toBe(1);
    expect(new Set(deltas.map((d) => stationDate(Date.parse(d.ts_ingest_utc), 'KLGA')))).toEqual(new Set(['2026-01-29', '2026-01-30']));
    expect(events.length).toBe(Object.values(stats.recorder.events).reduce((a, b) => a + b, 0));
    expect(stats.journal.events_written).toBe(events.length);
  });

  it('writes every event, in order, as one JSON object per line with "ch"', async () => {
    const root = tempRoot();
    const { writer, recorder, emitted } = writerAndRecorder(root, {});
    const v = new Venue();
    const l = ladder(0.5);
    recorder.ingest(v.bookMessage(A, T0 + 100, l.bids, l.asks));
    ingestEveryInput(recorder, v);
    recorder.finish(T0 + 5_000);
    await writer.close();
    const lines = readJournal(root).flatMap((f) => f.lines);
    expect(new Set(emitted.map((e) => e.ch)).size).toBe(10);
    expect(lines).toEqual(emitted.map((e) => JSON.stringify(e)));
    for (const line of lines) expect(parseLine(line)).toMatchObject({ ok: true, event: { ch: expect.any(String) } });
  });

  it('sheds by SHED_ORDER when the writer falls behind, never world/model/window/health, and reports exactly what it shed in health', async () => {
    const root = tempRoot();
    const { writer, recorder, emitted } = writerAndRecorder(root, {
      healthIntervalMs: 1000,
      journal: { maxQueueEvents: 100, flushIntervalMs: 1000, flushEvents: 100_000, shedAt: [0.5, 0.75, 1] },
    });
    const v = new Venue();
    const l = ladder(0.5);
    recorder.ingest(v.bookMessage(A, T0 + 100, l.bids, l.asks));
    recorder.ingest(v.bookMessage(B, T0 + 100, l.bids, l.asks));
    recorder.markWindow(T0 + 200, 60_000, 'flood');
    // All synchronous: the writer gets no chance to flush, so the queue only grows.
    for (let i = 0; i < 150; i++) recorder.ingest(v.change(T0 + 300 + i, [[A, 'BUY', 0.3, 1 + i]]));
    for (let i = 0; i < 40; i++) recorder.ingest(pws(T0 + 500 + i, [['P1', 35], ['P2', 35.2], ['P3', 35.1]]));
    for (let i = 0; i < 40; i++) recorder.ingest(v.trade(T0 + 600 + i, A, 0.51, 1, 'BUY'));
    for (let i = 0; i < 80; i++) recorder.ingest(pws(T0 + 700 + i, [['P1', 35], ['P2', 35.2], ['P3', 35.1]]));
    recorder.advanceTo(T0 + 1_000);
    const dropped = writer.stats().dropped;
    expect(dropped.l2_deltas).toBeGreaterThan(0);
    expect(dropped.tape_trades).toBeGreaterThan(0);
    expect(dropped.l2_snap_1s).toBe(2); // the queue was past 3/4 at the 1 s snapshots
    const health = emitted.filter((e) => e.ch === 'health');
    expect(health.at(-1)!.dropped).toEqual(dropped);
    expect(health.at(-1)!.queue_depth).toBeGreaterThan(100); // never-shed channels went past the bound
    recorder.finish(T0 + 1_500);
    await writer.close();

    const journal = readJournal(root).flatMap((f) => f.lines.map((l) => JSON.parse(l) as AnyEvent));
    const count = (list: AnyEvent[], ch: string) => list.filter((e) => e.ch === ch).length;
    for (const ch of ['l2_deltas', 'l2_snap_1s', 'tape_trades'] as const) {
      expect(count(journal, ch), ch).toBe(count(emitted, ch) - dropped[ch]!);
    }
    for (const ch of ['pws_cluster', 'event_windows', 'book_events', 'health'] as const) {
      expect(count(journal, ch), ch).toBe(count(emitted, ch));
    }
    expect((journal.at(-1) as Extract<AnyEvent, { ch: 'health' }>).dropped).toEqual(dropped);
  });

  it('flushes on its own within the flush interval, without waiting for close', async () => {
    const root = tempRoot();
    const writer = new JournalWriter({ dataRoot: new DataRoot(root), station_id: 'KLGA', config: resolveRecordingConfig({ journal: { flushIntervalMs: 50 } }).journal });
    for (let i = 0; i < 3; i++) writer.enqueue(stamp('tape_trades', { station_id: 'KLGA', market_id: 'm', token_id: A, p: 0.5, s: i + 1, side: 'buy', trade_id: null }, T0 + i));
    expect(writer.stats().events_written).toBe(0); // enqueue never writes
    await vi.waitFor(() => expect(readJournal(root).flatMap((f) => f.lines)).toHaveLength(3), { timeout: 5_000, interval: 20 });
    await writer.close();
  });

  it('rotates to a new part when a file reaches maxFileBytes; the parts hold every line in order', async () => {
    const root = tempRoot();
    const writer = new JournalWriter({
      dataRoot: new DataRoot(root),
      station_id: 'KLGA',
      config: resolveRecordingConfig({ journal: { maxFileBytes: 4096, flushEvents: 10 } }).journal,
    });
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      const event = stamp('tape_trades', { station_id: 'KLGA', market_id: 'm', token_id: A, p: 0.5, s: i + 1, side: 'buy', trade_id: `t${i}` }, T0 + i);
      sent.push(event.event_id);
      writer.enqueue(event);
      if (i % 10 === 9) await writer.drain();
    }
    await writer.close();
    const files = readJournal(root);
    expect(files.length).toBeGreaterThan(3);
    expect(files.map((f) => f.name.slice(-11))).toEqual(files.map((_, i) => `${String(i).padStart(4, '0')}.ndjson`));
    expect(files.flatMap((f) => f.lines.map((l) => JSON.parse(l).event_id))).toEqual(sent);
    expect(writer.stats().files).toEqual(files.map((f) => f.path));
  });

  it('when the disk refuses, says so and keeps the events, then writes them once it can', async () => {
    const root = tempRoot();
    writeFileSync(join(root, 'journal'), 'not a folder'); // mkdir of the day folder fails
    const writer = new JournalWriter({ dataRoot: new DataRoot(root), station_id: 'KLGA', config: resolveRecordingConfig({}).journal });
    for (let i = 0; i < 5; i++) writer.enqueue(stamp('tape_trades', { station_id: 'KLGA', market_id: 'm', token_id: A, p: 0.5, s: i + 1, side: 'buy', trade_id: null }, T0 + i));
    await writer.drain();
    expect(writer.stats()).toMatchObject({ events_written: 0, unwritten_events: 5, write_errors: 1, last_error: expect.stringMatching(/ENOTDIR|EEXIST/) });
    rmSync(join(root, 'journal'));
    await vi.waitFor(() => expect(writer.stats().events_written).toBe(5), { timeout: 5_000, interval: 50 });
    await writer.close();
    expect(readJournal(root).flatMap((f) => f.lines)).toHaveLength(5);
  });

  it('keeps rejected inputs in the quarantine folder with their reason', async () => {
    const root = tempRoot();
    const { writer, recorder } = writerAndRecorder(root, {});
    recorder.ingest(metar(T0 + 1_000, 'KLGA 2917 not a metar'));
    recorder.ingest(nowcast(T0 + 2_000, [0.5, 0.5, 0.5]));
    recorder.finish(T0 + 3_000);
    await writer.close();
    const rejected = readJournal(root, 'quarantine');
    expect(rejected.map((f) => f.date)).toEqual(['2026-01-29']);
    const lines = rejected[0]!.lines.map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { rejected_at: new Date(T0 + 1_000).toISOString(), source: 'metar', reason: expect.stringContaining('not a METAR'), input: { kind: 'metar', received_ms: T0 + 1_000, raw: 'KLGA 2917 not a metar' } },
      expect.objectContaining({ source: 'nowcast', reason: expect.stringContaining('sum to 1') }),
    ]);
    expect(writer.stats().rejected_written).toBe(2);
  });
});
