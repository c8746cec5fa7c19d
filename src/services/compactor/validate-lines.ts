/**
 * The compactor's per-line work, run on worker threads (or inline): every journal line goes
 * through the shared registry (`parseLine`: JSON → upgrade → zod), then the partition checks.
 *
 * What goes on to DuckDB is what the registry accepted: an upgraded event, or one of a channel
 * whose schema fills defaults, is re-serialized from zod's output; a current-version line of an
 * identity schema (see schema-identity.ts) is passed on as its original bytes, which carry the
 * same values (DuckDB ignores keys that are not columns). Lines DuckDB would read differently
 * from JSON.parse — invalid UTF-8, `\u` escapes (lone surrogates) — never take the byte path.
 * Such a line's book sides need not become JS objects at all when they are written canonically
 * (see parseElidingLevels), which saves about a third of an L2 snapshot line's cost.
 */
import { isUtf8 } from 'node:buffer';
import { CHANNELS, type Channel } from '../../shared/channels';
import { parseLine, type ParseResult, type RejectCode } from '../../shared/registry';
import { CURRENT_SCHEMAS, LEVEL_FIELDS, canonicalLevelsEnd } from '../../shared/schemas';
import { microsFromIso, stationDate } from '../../shared/time';
import { int32Overflow } from './duckdb-columns';
import { schemaIsIdentity } from './schema-identity';

export type QuarantineCode =
  | RejectCode
  /** The file's last line has no newline and is not a complete event: the writer stopped mid-line. */
  | 'torn_line'
  /** The line's bytes are not valid UTF-8 (the raw text shows U+FFFD in their place). */
  | 'not_utf8'
  /** Valid event whose station is not the folder's station. */
  | 'wrong_station'
  /** Valid event whose station-local date of ts_ingest_utc is not the folder's date. */
  | 'wrong_day'
  /** Valid event with a value the Parquet column cannot hold (int beyond 32 bits, lone surrogate). */
  | 'unstorable'
  /** Same event_id as an earlier line but different content. */
  | 'duplicate_conflict';

export interface Rejected {
  line: number;
  code: QuarantineCode;
  reason: string;
  raw: string;
}

export interface DayPartition {
  station: string;
  date: string;
  /** The local day in UTC ms, [start, end). */
  startMs: number;
  endMs: number;
}

export interface ChunkJob {
  seq: number;
  /** Whole lines (UTF-8), each terminated by "\n" except possibly the file's last one. */
  bytes: Uint8Array;
  /** 1-based line number of the first line in the file. */
  firstLine: number;
  /** This chunk ends the file without a final newline: its last line may be torn. */
  unterminatedTail: boolean;
  /** `pending`: a torn last line is still being written (live day); skip it instead of quarantining. */
  tailMode: 'quarantine' | 'pending';
}

export interface AcceptedEvents {
  line: Int32Array;
  ch: Uint8Array;
  /** schema_version as found in the journal (before any upgrade). */
  version: Int32Array;
  /** ts_ingest_utc in epoch µs (the precision Parquet keeps). */
  ts: Float64Array;
  /** Byte range of the raw line in the chunk (to compare a duplicate, or quarantine it). */
  start: Int32Array;
  end: Int32Array;
  /** End (after its newline) of the line's spool text in `spools[ch]`; it starts where the channel's previous line ends. */
  spoolEnd: Int32Array;
  /** event_id of each line as a 128-bit UUID: 4 uint32 words, most significant first. */
  ids: Uint32Array;
  /** Every event_id is written in lowercase, so the words order the lines as the strings do. */
  idsLowercase: boolean;
}

export interface ChunkResult {
  seq: number;
  /** The job's bytes, handed back for the byte ranges of `accepted`. */
  bytes: Uint8Array;
  /** Non-blank lines seen. */
  lines: number;
  /** Blank (empty or whitespace-only) lines skipped. */
  blank: number;
  /** Accepted events, in line order. */
  accepted: AcceptedEvents;
  /**
   * By channel index: the accepted lines as DuckDB gets them (newline-terminated, in line order),
   * or null when the chunk has none. Built here so the spooling thread only writes them.
   */
  spools: (Uint8Array | null)[];
  rejected: Rejected[];
  /** Torn last line skipped in `pending` tail mode. */
  pending: number;
}

export const CHANNEL_INDEX = new Map<Channel, number>(CHANNELS.map((ch, i) => [ch, i]));
const IDENTITY = new Map<Channel, boolean>(CHANNELS.map((ch) => [ch, schemaIsIdentity(CURRENT_SCHEMAS[ch])]));

/** Channels whose valid current-version lines are passed on byte for byte. */
export function passesBytes(ch: Channel): boolean {
  return IDENTITY.get(ch)!;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
/**
 * Well-formed JSON.stringify writes paired surrogates as characters and a lone one as `\udXXX`
 * (an escape, i.e. preceded by an even number of backslashes); DuckDB rejects the latter.
 */
const LONE_SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/i;

const LEVEL_KEYS = [...new Set(Object.values(LEVEL_FIELDS).flat())].map((field) => `"${field}":`);

/**
 * `parseLine(raw)`'s verdict without building the level objects of an L2 line (most of its
 * JSON.parse and zod time): where the first occurrence of a level key ("bids":) holds a canonical
 * side, that side is replaced by `[]` before parsing — `canonicalLevelsEnd` accepts only sides
 * `levels` accepts, and JSON.parse keeps a key's last occurrence, so the verdict cannot change. The shortcut stands only for a
 * valid current-version event of an identity schema whose level fields include every key
 * elided: its original bytes go to DuckDB, and the event (with empty sides) serves only the
 * checks below. Anything else — including every rejection, for its exact reason — is parsed whole.
 */
function parseElidingLevels(raw: string): ParseResult {
  let text = raw;
  const elided: string[] = [];
  for (const key of LEVEL_KEYS) {
    const at = text.indexOf(key);
    if (at === -1) continue;
    const end = canonicalLevelsEnd(text, at + key.length);
    if (end === -1) continue;
    text = `${text.slice(0, at + key.length)}[]${text.slice(end)}`;
    elided.push(key.slice(1, -2));
  }
  if (elided.length === 0) return parseLine(raw);
  const parsed = parseLine(text);
  if (parsed.ok && parsed.upgradedFrom === null && IDENTITY.get(parsed.event.ch) && elided.every((f) => LEVEL_FIELDS[parsed.event.ch].includes(f))) return parsed;
  return parseLine(raw);
}

export function validateChunk(job: ChunkJob, day: DayPartition): ChunkResult {
  const buf = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  const allUtf8 = isUtf8(buf);
  const lineNo: number[] = [];
  const chs: number[] = [];
  const versions: number[] = [];
  const times: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  // Per accepted line: its re-serialized event, or null when its raw bytes go to the spool as they are.
  const json: (string | null)[] = [];
  const ids: number[] = [];
  let idsLowercase = true;
  const rejected: Rejected[] = [];
  let lines = 0;
  let blank = 0;
  let pending = 0;
  let line = job.firstLine;
  let start = 0;
  while (start < buf.length) {
    let newline = buf.indexOf(NEWLINE, start);
    const terminated = newline !== -1;
    if (!terminated) newline = buf.length;
    const end = newline > start && buf[newline - 1] === CR ? newline - 1 : newline;
    const lineStart = start;
    const current = line;
    start = newline + 1;
    line++;
    const raw = buf.toString('utf8', lineStart, end);
    if (raw.length === 0 || (raw.charCodeAt(0) <= 32 && raw.trim() === '')) {
      blank++;
      continue;
    }
    lines++;
    if (!allUtf8 && !isUtf8(buf.subarray(lineStart, end))) {
      rejected.push({ line: current, code: 'not_utf8', reason: 'the line is not valid UTF-8 (invalid bytes are shown as U+FFFD in raw)', raw });
      continue;
    }
    const escapes = raw.includes('\\u');
    const parsed = escapes ? parseLine(raw) : parseElidingLevels(raw);
    if (!parsed.ok) {
      if (!terminated && job.unterminatedTail && parsed.code === 'not_json') {
        if (job.tailMode === 'pending') {
          pending++;
          lines--;
        } else {
          rejected.push({ line: current, code: 'torn_line', reason: `last line of the file is cut off (no newline, ${parsed.reason})`, raw });
        }
      } else {
        rejected.push({ line: current, code: parsed.code, reason: parsed.reason, raw });
      }
      continue;
    }
    const event = parsed.event;
    if (event.station_id !== day.station) {
      rejected.push({ line: current, code: 'wrong_station', reason: `station_id ${event.station_id} in the journal of ${day.station}`, raw });
      continue;
    }
    const us = microsFromIso(event.ts_ingest_utc);
    const ts = Math.floor(us / 1000);
    if (!(ts >= day.startMs && ts < day.endMs)) {
      const belongs = stationDate(ts, day.station);
      rejected.push({
        line: current,
        code: 'wrong_day',
        reason: `ts_ingest_utc ${event.ts_ingest_utc} is on ${day.station}'s local date ${belongs}, not ${day.date} (it belongs in date=${belongs})`,
        raw,
      });
      continue;
    }
    const overflow = int32Overflow(event.ch, event as unknown as Record<string, unknown>);
    if (overflow) {
      rejected.push({ line: current, code: 'unstorable', reason: `${event.ch}.${overflow} does not fit the 32-bit INTEGER column`, raw });
      continue;
    }
    if (parsed.upgradedFrom === null && IDENTITY.get(event.ch) && !escapes) {
      json.push(null);
    } else {
      const out = JSON.stringify(event);
      if (LONE_SURROGATE_ESCAPE.test(out)) {
        rejected.push({ line: current, code: 'unstorable', reason: 'a string contains an unpaired UTF-16 surrogate (not valid Unicode)', raw });
        continue;
      }
      json.push(out);
    }
    lineNo.push(current);
    chs.push(CHANNEL_INDEX.get(event.ch)!);
    versions.push(parsed.upgradedFrom ?? event.schema_version);
    times.push(us);
    starts.push(lineStart);
    ends.push(end);
    pushUuidWords(event.event_id, ids);
    if (idsLowercase && /[A-F]/.test(event.event_id)) idsLowercase = false;
  }
  const { spools, spoolEnd } = buildSpools(buf, chs, starts, ends, json);
  return {
    seq: job.seq,
    bytes: job.bytes,
    lines,
    blank,
    accepted: {
      line: Int32Array.from(lineNo),
      ch: Uint8Array.from(chs),
      version: Int32Array.from(versions),
      ts: Float64Array.from(times),
      start: Int32Array.from(starts),
      end: Int32Array.from(ends),
      spoolEnd,
      ids: Uint32Array.from(ids),
      idsLowercase,
    },
    spools,
    rejected,
    pending,
  };
}

/** A UUID the registry accepted (8-4-4-4-12 hex digits) as 4 uint32 words. */
function pushUuidWords(id: string, out: number[]): void {
  let word = 0;
  let digits = 0;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c === 0x2d) continue; // '-'
    word = word * 16 + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57); // 0-9, a-f / A-F
    if (++digits % 8 === 0) {
      out.push(word);
      word = 0;
    }
  }
}

/** Each channel's accepted lines, newline-terminated, in one buffer of its own (transferable). */
function buildSpools(buf: Buffer, chs: number[], starts: number[], ends: number[], json: (string | null)[]) {
  const sizes = new Array<number>(CHANNELS.length).fill(0);
  const spoolEnd = new Int32Array(chs.length);
  for (let i = 0; i < chs.length; i++) {
    const text = json[i] ?? null;
    sizes[chs[i]!]! += (text === null ? ends[i]! - starts[i]! : Buffer.byteLength(text)) + 1;
  }
  const spools = sizes.map((size) => (size > 0 ? Buffer.allocUnsafeSlow(size) : null));
  const used = new Array<number>(CHANNELS.length).fill(0);
  for (let i = 0; i < chs.length; i++) {
    const ch = chs[i]!;
    const out = spools[ch]!;
    const text = json[i] ?? null;
    let at = used[ch]!;
    at += text === null ? buf.copy(out, at, starts[i]!, ends[i]!) : out.write(text, at);
    out[at++] = NEWLINE;
    used[ch] = spoolEnd[i] = at;
  }
  return { spools: spools.map((b) => (b ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : null)), spoolEnd };
}
