/**
 * What a recording restarted mid-day must know of what was recorded before it: the METAR/SPECI
 * reports (the next poll returns the last hours again: those are not new reports) and the
 * `markets` events (a re-listing that changes nothing records nothing). Read from the journal
 * files of the station-local days covering the last `lookbackMs`.
 *
 * A day's journal is mostly book data (hundreds of MB): the scan looks for the two channel tags
 * with Buffer.indexOf over the raw bytes and parses only the lines that hold one, through the
 * registry (a torn last line or any invalid line is skipped: the compactor reports those).
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parseLine } from '../../shared/registry';
import type { MarketsEvent } from '../../shared/schemas';
import { stationDate } from '../../shared/time';
import type { DataRoot } from '../data-root';
import { readdirOrEmpty } from '../files';
import type { RecordedHistory } from './recorder';

/** A METAR poll returns the last 3 hours; twice that covers a slow restart. */
const LOOKBACK_MS = 6 * 3_600_000;
const TAGS = ['"ch":"metar_obs"', '"ch":"markets"'].map((t) => Buffer.from(t));
const NEWLINE = 0x0a;

export async function readRecordedHistory(root: DataRoot, station_id: string, nowMs: number, lookbackMs = LOOKBACK_MS): Promise<RecordedHistory> {
  const dates = [...new Set([stationDate(nowMs - lookbackMs, station_id), stationDate(nowMs, station_id)])];
  const metars: string[] = [];
  const markets: MarketsEvent[] = [];
  for (const date of dates) {
    const dir = root.journalDir({ station_id, date });
    for (const name of (await readdirOrEmpty(dir)).filter((f) => f.endsWith('.ndjson')).sort()) {
      for (const line of await taggedLines(join(dir, name))) {
        const parsed = parseLine(line);
        if (!parsed.ok) continue;
        const e = parsed.event;
        if (e.ch === 'metar_obs') metars.push(e.raw);
        else if (e.ch === 'markets') markets.push(e);
      }
    }
  }
  markets.sort((a, b) => (a.ts_ingest_utc < b.ts_ingest_utc ? -1 : a.ts_ingest_utc > b.ts_ingest_utc ? 1 : 0));
  return { metars, markets };
}

/** The lines of a journal file that carry one of the tags. */
async function taggedLines(file: string): Promise<string[]> {
  const lines: string[] = [];
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const end = buf.lastIndexOf(NEWLINE);
    if (end < 0) {
      carry = buf;
      continue;
    }
    collect(buf.subarray(0, end + 1), lines);
    carry = Buffer.from(buf.subarray(end + 1));
  }
  collect(carry, lines);
  return lines;
}

function collect(buf: Buffer, out: string[]): void {
  for (const tag of TAGS) {
    for (let at = buf.indexOf(tag); at >= 0; ) {
      const start = buf.lastIndexOf(NEWLINE, at) + 1;
      let end = buf.indexOf(NEWLINE, at);
      if (end < 0) end = buf.length;
      out.push(buf.toString('utf8', start, end));
      at = buf.indexOf(tag, end);
    }
  }
}
