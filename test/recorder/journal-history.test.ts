import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DataRoot } from '../../src/services/data-root';
import { readRecordedHistory } from '../../src/services/recorder/journal-history';
import { sampleEvents } from '../fixtures/events';
import { harness, klgaMetar, metar, T0 } from './helpers';

let base = '';
afterEach(() => rmSync(base, { recursive: true, force: true }));

it('finds every METAR and markets line of the day’s journal files, wherever the read chunks cut them', async () => {
  base = mkdtempSync(join(tmpdir(), 'helios-history-'));
  const h = harness();
  const raws = Array.from({ length: 60 }, (_, i) => klgaMetar(T0 - i * 60_000, -22 + i));
  raws.forEach((raw, i) => h.recorder.ingest(metar(T0 + i, raw)));
  const metarLines = h.of('metar_obs').map((e) => JSON.stringify(e));
  const marketsLine = JSON.stringify(sampleEvents(T0).markets);
  const MiB = 1 << 20;
  // Book lines stand in as filler; one METAR line straddles each 1 MiB read boundary, the rest follow.
  const parts: string[] = [];
  let bytes = 0;
  const add = (line: string) => {
    parts.push(line + '\n');
    bytes += Buffer.byteLength(line) + 1;
  };
  for (const boundary of [MiB, 2 * MiB]) {
    while (bytes < boundary - 300) add('x'.repeat(150));
    add('y'.repeat(boundary - 100 - bytes - 1));
    add(metarLines.shift()!);
  }
  for (const line of metarLines) add(line);
  add(marketsLine);
  const text = parts.join('') + '{"schema_version":1,"ch":"metar_obs","torn';
  const dir = join(base, 'journal', 'station=KLGA', 'date=2026-01-29');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rec-a-0000.ndjson'), text);
  writeFileSync(join(dir, 'rec-a-0001.ndjson'), 'x'.repeat(3 * MiB) + '\n');
  const history = await readRecordedHistory(new DataRoot(base), 'KLGA', T0 + 60_000);
  expect([...history.metars].sort()).toEqual([...raws].sort());
  expect(history.markets.map((e) => e.kind)).toEqual(['listed']);
});
