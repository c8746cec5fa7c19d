/**
 * Incremental compaction (issue #12): live passes compact only what the journal gained since the
 * last pass, into new part files, and the pass after the day has closed merges them into
 * part-0000 — with every guarantee of a compaction of the whole journal in one pass: the same rows
 * in the same order, the same quarantine file (duplicates and conflicts across parts, a torn tail
 * finished later, a line over the size limit), the same manifest (markers and tokens included).
 * When the journal changes in a way only a compaction from scratch can follow, a pass does that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactDay, type CompactDayResult } from '../../src/services/compactor';
import { DataRoot } from '../../src/services/data-root';
import { openNodeEventSource } from '../../src/services/replay/node-event-source';
import type { Channel } from '../../src/shared/channels';
import { duck, line, rowsOutOfOrder, snapshot, TOKEN_A, TOKEN_B, tempRoot, type Duck } from './helpers';
import { writeSyntheticDay } from './synthetic-day';

const DAY = { station_id: 'KLGA', date: '2026-01-29' };
const MAX_LINE = 64 * 1024;
let base: string;
let db: Duck;

beforeAll(async () => {
  base = tempRoot('helios-incremental-');
  db = await duck();
});
afterAll(() => {
  db?.close();
  rmSync(base, { recursive: true, force: true });
});

const journal = (root: string, ...parts: string[]) => join(root, 'journal', 'station=KLGA', `date=${DAY.date}`, ...parts);
const pass = (root: string, tailMode: 'pending' | 'quarantine', extra: { rebuild?: boolean } = {}) =>
  compactDay({ dataRoot: root, station: 'KLGA', date: DAY.date, tailMode, threads: 1, maxLineBytes: MAX_LINE, ...extra });

async function rowsOf(root: string, ch: Channel, generation: number): Promise<unknown[]> {
  const data = new DataRoot(root);
  const m = await data.readManifest(DAY);
  const files = await Promise.all(m.channels[ch]!.parts.map((p) => data.partPath(DAY, generation, ch, p.part)));
  return db.all(`SELECT * FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}], hive_partitioning = false) ORDER BY ts_ingest_utc, event_id`);
}

describe('live passes, then the merge after the day closed', () => {
  const live = () => join(base, 'live');
  const results: CompactDayResult[] = [];
  let oneShot: CompactDayResult;
  const snapA = snapshot(TOKEN_A, '2026-01-29T15:05:00.250Z', 0.42);
  const snapB = snapshot(TOKEN_B, '2026-01-29T15:25:00.250Z', 0.61);

  beforeAll(async () => {
    const root = live();
    // Pass 1: twenty minutes, plus a line the recorder is still writing.
    writeSyntheticDay({ dir: journal(root, 'a'), startMs: Date.parse('2026-01-29T15:00:00Z'), hours: 1 / 3, tokens: 3, levels: 10, seed: 1 });
    mkdirSync(journal(root, 'z'), { recursive: true });
    const torn = line(snapA);
    writeFileSync(journal(root, 'z', 'live.ndjson'), line(snapB) + '\n' + torn.slice(0, 60));
    results.push(await pass(root, 'pending'));
    // Pass 2: the torn line finished; twenty more minutes; an exact repeat and a conflicting
    // repeat of lines compacted by pass 1; a line over the limit; garbage.
    appendFileSync(journal(root, 'z', 'live.ndjson'), torn.slice(60) + '\n');
    writeSyntheticDay({ dir: journal(root, 'b'), startMs: Date.parse('2026-01-29T15:20:00Z'), hours: 1 / 3, tokens: 3, levels: 10, seed: 2 });
    appendFileSync(
      journal(root, 'z', 'live.ndjson'),
      [line(snapB), line({ ...snapA, mid: 0.43 }), `{"ch":"health","pad":"${'x'.repeat(MAX_LINE)}"}`, 'not json'].join('\n') + '\n',
    );
    results.push(await pass(root, 'pending'));
    // Pass 3: nothing new.
    results.push(await pass(root, 'pending'));
    // Pass 4: twenty more minutes, an event of the next day, and a torn line left for good.
    writeSyntheticDay({ dir: journal(root, 'c'), startMs: Date.parse('2026-01-29T15:40:00Z'), hours: 1 / 3, tokens: 3, levels: 10, seed: 3 });
    appendFileSync(journal(root, 'z', 'live.ndjson'), line(snapshot(TOKEN_A, '2026-01-30T05:00:01.000Z', 0.5)) + '\n{"schema_version":2,"ch":"l2_sn');
    results.push(await pass(root, 'pending'));
    // The day has closed: the final pass merges.
    results.push(await pass(root, 'quarantine'));
    // The same journal compacted in one pass.
    cpSync(journal(root), journal(join(base, 'one-shot')), { recursive: true });
    oneShot = await pass(join(base, 'one-shot'), 'quarantine');
  }, 120_000);

  it('compacts only what is new in each live pass, into a new part per channel', () => {
    expect(results.map((r) => r.pass)).toEqual(['full', 'incremental', 'unchanged', 'incremental', 'incremental']);
    const [first, second, , fourth] = results;
    // a pass reads what was added (the torn line again, from its start), not the journal
    expect(second!.passLines).toBe(second!.manifest.totals.lines_read - first!.manifest.totals.lines_read);
    expect(second!.passBytes).toBeLessThan(second!.journalBytes * 0.6);
    expect(results.map((r) => r.manifest.channels.l2_snap_1s!.parts.map((p) => p.part))).toEqual([[0], [0, 1], [0, 1], [0, 1, 2], [0]]);
    expect(results.map((r) => r.manifest.closed)).toEqual([false, false, false, false, true]);
    expect([first!.pendingLines, fourth!.pendingLines]).toEqual([1, 1]);
    expect(results[2]!.generation).toBe(results[1]!.generation);
  });

  it('gives the rows, order, quarantine and manifest of one pass over the whole journal', async () => {
    const final = results.at(-1)!;
    const strip = (r: CompactDayResult) => ({ ...r.manifest, generated_at: null, generation: null });
    expect(strip(final)).toEqual(strip(oneShot));
    expect(final.quarantinedByCode).toEqual(oneShot.quarantinedByCode);
    expect(final.quarantinedByCode).toMatchObject({ duplicate_conflict: 1, too_long: 1, not_json: 1, wrong_day: 1, torn_line: 1 });
    expect(final.manifest.totals.duplicates_dropped).toBe(1);
    for (const ch of Object.keys(final.manifest.channels) as Channel[]) {
      expect(await rowsOf(live(), ch, final.generation), ch).toEqual(await rowsOf(join(base, 'one-shot'), ch, oneShot.generation));
      const path = await new DataRoot(live()).partPath(DAY, final.generation, ch, 0);
      expect(await rowsOutOfOrder(db, path), ch).toBe(0);
    }
    expect(readFileSync(final.quarantinePath!, 'utf8')).toBe(readFileSync(oneShot.quarantinePath!, 'utf8'));
    expect(final.manifest.markers.length).toBeGreaterThan(0);
  });

  it('lets a reader of a live day read every part', async () => {
    const live3 = results[3]!;
    const source = await openNodeEventSource(live(), DAY);
    try {
      // the final pass is the day now; a source opened on it reads one part per channel
      const info = await source.initialize();
      const all = await source.fetchEvents(info.start_ms, info.end_ms + 1);
      expect(all.length).toBe(results.at(-1)!.manifest.totals.events_written);
    } finally {
      await source.close();
    }
    expect(Object.values(live3.manifest.channels).some((c) => c.parts.length === 3)).toBe(true);
  });
});

describe('a pass that must compact from scratch', () => {
  it('does when a repeated event_id was first compacted from a file that sorts after its new one', async () => {
    const root = join(base, 'order');
    const kept = snapshot(TOKEN_A, '2026-01-29T15:00:00.000Z', 0.5);
    mkdirSync(journal(root), { recursive: true });
    writeFileSync(journal(root, 'b.ndjson'), line(kept) + '\n');
    expect((await pass(root, 'pending')).pass).toBe('full');
    // a file that sorts first, repeating that id with other content: it is the first occurrence now
    writeFileSync(journal(root, 'a.ndjson'), line({ ...kept, mid: 0.51 }) + '\n');
    const second = await pass(root, 'pending');
    expect([second.pass, second.fullReason]).toEqual(['full', expect.stringMatching(/a\.ndjson:1 repeats an event_id first read at .*b\.ndjson:1, a file that sorts after it/)]);
    const quarantine = readFileSync(second.quarantinePath!, 'utf8');
    expect(JSON.parse(quarantine)).toMatchObject({ file: expect.stringMatching(/b\.ndjson$/), code: 'duplicate_conflict' });
  });

  it('does when a compacted journal file was rewritten', async () => {
    const root = join(base, 'rewritten');
    mkdirSync(journal(root), { recursive: true });
    writeFileSync(journal(root, 'a.ndjson'), line(snapshot(TOKEN_A, '2026-01-29T15:00:00.000Z', 0.5)) + '\n');
    await pass(root, 'pending');
    writeFileSync(journal(root, 'a.ndjson'), line(snapshot(TOKEN_A, '2026-01-29T15:00:00.000Z', 0.6)) + '\n' + line(snapshot(TOKEN_B, '2026-01-29T15:00:01.000Z', 0.6)) + '\n');
    const second = await pass(root, 'pending');
    expect([second.pass, second.fullReason]).toEqual(['full', expect.stringMatching(/a\.ndjson was rewritten/)]);
    expect(second.manifest.totals.events_written).toBe(2);
  });
});

describe('a long live day', () => {
  it('merges the parts of its passes now and then, so it stays a few files per channel', async () => {
    const root = join(base, 'many');
    const parts: number[] = [];
    for (let i = 0; i < 10; i++) {
      mkdirSync(journal(root), { recursive: true });
      appendFileSync(journal(root, 'a.ndjson'), line(snapshot(TOKEN_A, `2026-01-29T15:${String(i).padStart(2, '0')}:00.000Z`, 0.5)) + '\n');
      parts.push((await pass(root, 'pending')).manifest.channels.l2_snap_1s!.parts.length);
    }
    // part-0000, then one part per pass until eight are merged into one
    expect(parts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 2, 3]);
    const m = await new DataRoot(root).readManifest(DAY);
    expect(m.channels.l2_snap_1s!.rows).toBe(10);
    expect((await pass(root, 'quarantine')).manifest.channels.l2_snap_1s!.parts.map((p) => p.part)).toEqual([0]);
  }, 60_000);
});
