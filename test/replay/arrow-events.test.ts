import { describe, expect, it } from 'vitest';
import { tableFromJSON } from 'apache-arrow';
import { arrowToEvents } from '../../src/renderer/src/replay/arrow-events';
import { lowerBound, upperBound } from '../../src/shared/sorted';

describe('arrowToEvents', () => {
  it('reads book levels of every row of a table split in several chunks', () => {
    const row = (i: number) => ({ token_id: `t${i}`, bids: [{ p: i / 10, s: i }, { p: i / 20, s: 2 * i }], asks: [{ p: 0.9, s: i }] });
    const table = tableFromJSON([row(1), row(2)]).concat(tableFromJSON([row(3)]), tableFromJSON([row(4), row(5), row(6)]));
    expect(table.getChild('bids')!.data.length).toBe(3);
    const events = arrowToEvents('l2_snap_1s', table) as unknown as { token_id: string; bids: unknown; asks: unknown }[];
    expect(events.map((e) => [e.token_id, e.bids, e.asks])).toEqual([1, 2, 3, 4, 5, 6].map((i) => [`t${i}`, row(i).bids, row(i).asks]));
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
