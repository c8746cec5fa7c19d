import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC, tableFromJSON } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { arrowToEvents } from '../../src/renderer/src/replay/arrow-events';
import type { Channel } from '../../src/shared/channels';
import { ingestMs } from '../../src/shared/event-time';
import { rowToEvent } from '../../src/shared/players/rows';
import { lowerBound, upperBound } from '../../src/shared/sorted';
import { makeDayFixture } from './fixtures/day-fixture';

describe('arrowToEvents', () => {
  it('reads book levels of every row of a table split in several chunks', () => {
    const row = (i: number) => ({ token_id: `t${i}`, bids: [{ p: i / 10, s: i }, { p: i / 20, s: 2 * i }], asks: [{ p: 0.9, s: i }] });
    const table = tableFromJSON([row(1), row(2)]).concat(tableFromJSON([row(3)]), tableFromJSON([row(4), row(5), row(6)]));
    expect(table.getChild('bids')!.data.length).toBe(3);
    const events = arrowToEvents('l2_snap_1s', table) as unknown as { token_id: string; bids: unknown; asks: unknown }[];
    expect(events.map((e) => [e.token_id, e.bids, e.asks])).toEqual([1, 2, 3, 4, 5, 6].map((i) => [`t${i}`, row(i).bids, row(i).asks]));
  });

  it("reads every channel's compacted rows from the buffers exactly as Arrow's accessors read them, for any range of rows", async () => {
    const fx = await makeDayFixture({}, 700); // row groups smaller than a record batch: several batches per file
    try {
      const dayDir = join(fx.root, 'parquet', `station=${fx.day.station_id}`, `date=${fx.day.date}`);
      const channels = (await readdir(dayDir)).filter((d) => d.startsWith('ch='));
      expect(channels.length).toBeGreaterThan(8);
      for (const dir of channels) {
        const ch = dir.slice('ch='.length) as Channel;
        const table = tableFromIPC(readParquet(await readFile(join(dayDir, dir, 'part-0000.parquet'))).intoIPCStream());
        const from = Math.floor(table.numRows / 3);
        const to = table.numRows - 1;
        const byAccessors = [];
        for (let i = from; i < to; i++) byAccessors.push(rowToEvent(ch, (name) => table.getChild(name)?.get(i)));
        const events = arrowToEvents(ch, table, from, to);
        expect(events, ch).toEqual(byAccessors);
        // each carries its ingest time as a number from the µs column, the one Date.parse gives
        const stamped = events.map((e) => Object.getOwnPropertySymbols(e).length);
        expect(new Set(stamped), ch).toEqual(new Set([1]));
        expect(events.map(ingestMs), ch).toEqual(events.map((e) => Date.parse(e.ts_ingest_utc)));
      }
    } finally {
      await fx.dispose();
    }
  });
});

describe('lowerBound / upperBound', () => {
  it('find the first element ≥ x and > x, at the ends and between repeats', () => {
    const xs = Float64Array.from([1, 3, 3, 3, 7]);
    expect([0, 1, 3, 5, 7, 8].map((x) => lowerBound(xs, x))).toEqual([0, 0, 1, 4, 4, 5]);
    expect([0, 1, 3, 5, 7, 8].map((x) => upperBound(xs, x))).toEqual([0, 1, 4, 4, 5, 5]);
    expect([lowerBound([], 1), upperBound([], 1)]).toEqual([0, 0]);
  });
});
