/**
 * The compactor's fast path for journal lines written the way the recorder writes them. Each
 * current channel schema is compiled, by introspection of its zod definition, into one regular
 * expression per key order seen in the journal, matching only the JSON text of a valid event with
 * its keys in that order: a line it matches is accepted without JSON.parse and without running
 * zod (the regex engine checks the whole line in native code). Every other line goes through
 * `parseLine` as before, so each rejection keeps the registry's exact reason.
 *
 * A pattern matches only what `parseLine` accepts as a current-version event with exactly the
 * line's values: no whitespace, no escape sequence or control character in a string, no unknown
 * or repeated key, every required key present; strings within their length bounds (the regex
 * counts UTF-16 units, as JS does) and patterns; numbers written so their value cannot leave the
 * schema's bounds (a price `0.xx`, a count of at most 15 digits, a 32-bit column of at most 9
 * digits) or, where no such form exists, checked after the match; literals, enums, nullable and
 * optional fields (a defaulted one only when present), arrays and records of those, objects in
 * arrays written in the schema's key order, finite numbers, the book sides
 * (`CANONICAL_LEVELS_PATTERN`), and the refinements of a whole event listed in EVENT_CHECKS (run
 * on the fields they read, captured from the match). A schema using anything else — a transform,
 * another refinement, a catch-all — gets no pattern and its lines take the zod path: a new schema
 * feature can make the compactor slower, never let through a line zod rejects.
 * `canonical-scan.test.ts` checks this against `parseLine` on generated and mutated lines.
 *
 * The key orders are learnt from lines `parseLine` accepted (a recorder writes each channel in
 * one or a few orders, e.g. with or without `window_id`); at most `MAX_ORDERS` per channel.
 */
import { CHANNELS, type Channel } from '../../shared/channels';
import { CHANNEL_COLUMNS } from '../../shared/columns';
import { CANONICAL_LEVELS_PATTERN, CURRENT_SCHEMAS, LEVEL_FIELDS, crossedIsFlagged } from '../../shared/schemas';

interface Check {
  check: string;
  fn?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  pattern?: RegExp;
}
interface Def {
  type: string;
  checks?: { _zod: { def: Check } }[];
  shape?: Record<string, Node>;
  catchall?: Node;
  element?: Node;
  innerType?: Node;
  keyType?: Node;
  valueType?: Node;
  values?: unknown[];
  entries?: Record<string, unknown>;
}
type Node = { _zod: { def: Def } };

/** A value's pattern, and checks on what its capture groups matched (in order) that the pattern cannot express. */
interface Piece {
  source: string;
  /** One per capture group in `source`. */
  checks: ((text: string) => boolean)[];
}

const STRING_CHAR = String.raw`[^"\\\u0000-\u001f]`;
/** A regex source that matches nothing but characters a JSON string holds unescaped: letters, digits, `\d`, simple classes, `-+:` and escaped dots. */
const EMBEDDABLE = /^\^(?:[A-Za-z0-9:\-+{},?()]|\\d|\\\.|\[[A-Za-z0-9\-+]+\]|\(\?:)*\$$/;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const plain = (source: string): Piece => ({ source, checks: [] });
const INT32_MAX = 2 ** 31 - 1;

const NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const UNIT = String.raw`(?:0(?:\.\d+)?|1(?:\.0+)?)`;
/** Plain decimals below 10^digits. */
const decimal = (digits: number) => String.raw`(?:0|[1-9]\d{0,${digits - 1}})(?:\.\d+)?`;
/** Decimal forms, widest first: [lowest, highest value a form can write, its pattern]. */
const DECIMAL_FORMS: [number, number, string][] = [
  [-Infinity, Infinity, `-?${decimal(300)}`],
  [0, Infinity, decimal(300)],
  [-1e15, 1e15, `-?${decimal(15)}`],
  [0, 1e15, decimal(15)],
  [-1, 1, `-?${UNIT}`],
  [0, 1, UNIT],
];

function checksOf(def: Def): Check[] {
  return (def.checks ?? []).map((c) => c._zod.def);
}

function stringPiece(def: Def): Piece | null {
  let min = 0;
  let max: number | null = null;
  let pattern: RegExp | null = null;
  for (const c of checksOf(def)) {
    if (c.check === 'min_length') min = Math.max(min, c.minimum!);
    else if (c.check === 'max_length') max = Math.min(max ?? Infinity, c.maximum!);
    else if (c.check === 'string_format' && c.format === 'regex' && c.pattern && !pattern) pattern = c.pattern;
    else return null;
  }
  const length = `{${min},${max ?? ''}}`;
  if (pattern && pattern.flags === '' && EMBEDDABLE.test(pattern.source)) {
    const inner = pattern.source.slice(1, -1);
    return plain(`"(?=${STRING_CHAR}${length}")(?:${inner})"`);
  }
  if (pattern) {
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return { source: `"(${STRING_CHAR}${length})"`, checks: [(text) => re.test(text)] };
  }
  return plain(`"${STRING_CHAR}${length}"`);
}

function numberPiece(def: Def, int32: boolean): Piece | null {
  let min = -Infinity;
  let minInclusive = true;
  let max = Infinity;
  let maxInclusive = true;
  let integer = false;
  for (const c of checksOf(def)) {
    if (c.check === 'greater_than' && c.value! >= min) [min, minInclusive] = [c.value!, c.inclusive === true];
    else if (c.check === 'less_than' && c.value! <= max) [max, maxInclusive] = [c.value!, c.inclusive === true];
    else if (c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32')) integer = true;
    else if (c.check === 'custom' && c.fn === Number.isFinite) continue; // every form below is finite
    else return null;
  }
  const fits = (lo: number, hi: number) => (min < lo || (min === lo && minInclusive)) && (max > hi || (max === hi && maxInclusive));
  // The widest form whose every value lies within the bounds (and within 32 bits where the column is).
  if (integer) {
    const digits = int32 ? 9 : 15;
    const largest = 10 ** digits - 1;
    if (fits(-largest, largest)) return plain(`-?(?:0|[1-9]\\d{0,${digits - 1}})`);
    if (fits(0, largest)) return plain(`(?:0|[1-9]\\d{0,${digits - 1}})`);
  } else if (!int32) {
    const form = DECIMAL_FORMS.find(([lo, hi]) => fits(lo, hi));
    if (form) return plain(form[2]);
  }
  // Anything else: any JSON number, its value checked after the match.
  const ok = (v: number) =>
    Number.isFinite(v) &&
    (minInclusive ? v >= min : v > min) &&
    (maxInclusive ? v <= max : v < max) &&
    (!integer || Number.isSafeInteger(v)) &&
    (!int32 || (Number.isInteger(v) && Math.abs(v) <= INT32_MAX));
  return { source: `(${NUMBER})`, checks: [(text) => ok(Number(text))] };
}

/** The pattern of a value of `node` (a field of a 32-bit column when `int32`), or null if `node` uses something not understood. */
function piece(node: Node, int32 = false): Piece | null {
  const def = node._zod.def;
  const bare = (def.checks?.length ?? 0) === 0;
  switch (def.type) {
    case 'string':
      return stringPiece(def);
    case 'number':
      return numberPiece(def, int32);
    case 'boolean':
      return bare ? plain('(?:true|false)') : null;
    case 'literal': {
      const [value, ...more] = def.values ?? [];
      if (!bare || more.length) return null;
      if (typeof value === 'string' && /^[A-Za-z0-9_ .:-]*$/.test(value)) return plain(`"${escapeRegex(value)}"`);
      if (typeof value === 'number' && Number.isSafeInteger(value)) return plain(String(value).replace('-', '\\-'));
      return null;
    }
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      if (!bare || !values.every((v) => typeof v === 'string' && /^[A-Za-z0-9_ .:-]*$/.test(v))) return null;
      return plain(`"(?:${(values as string[]).map(escapeRegex).join('|')})"`);
    }
    case 'nullable': {
      const inner = bare ? piece(def.innerType!, int32) : null;
      return inner && { source: `(?:null|${inner.source})`, checks: inner.checks };
    }
    case 'array': {
      const element = piece(def.element!);
      if (!element || element.checks.length) return null;
      let min = 0;
      let max: number | null = null;
      for (const c of checksOf(def)) {
        if (c.check === 'min_length') min = Math.max(min, c.minimum!);
        else if (c.check === 'max_length') max = Math.min(max ?? Infinity, c.maximum!);
        else return null;
      }
      const e = element.source;
      if (min === 0) return plain(max === 0 ? String.raw`\[\]` : String.raw`\[(?:${e}(?:,${e}){0,${max === null ? '' : max - 1}})?\]`);
      return plain(String.raw`\[${e}(?:,${e}){${min - 1},${max === null ? '' : max - 1}}\]`);
    }
    case 'object': {
      // A nested object: every key required, written in the schema's order.
      if (!bare || def.catchall) return null;
      const members: string[] = [];
      for (const [key, child] of Object.entries(def.shape!)) {
        const p = piece(child);
        if (!p || p.checks.length || !/^[A-Za-z0-9_]+$/.test(key)) return null;
        members.push(`"${key}":${p.source}`);
      }
      return plain(String.raw`\{${members.join(',')}\}`);
    }
    case 'record': {
      const key = bare ? piece(def.keyType!) : null;
      const value = bare ? piece(def.valueType!) : null;
      if (!key || !value || key.checks.length || value.checks.length || !key.source.startsWith('"')) return null;
      const member = `${key.source}:${value.source}`;
      return plain(String.raw`\{(?:${member}(?:,${member})*)?\}`);
    }
    default:
      return null;
  }
}

/** What the compactor needs of an accepted line (the values, unquoted). */
export interface ScannedEvent {
  ch: Channel;
  event_id: string;
  ts_ingest_utc: string;
  station_id: string;
}

const CAPTURED = ['event_id', 'ts_ingest_utc', 'station_id'] as const;

/**
 * Refinements of a whole event that a pattern can still take: the function, and the fields it
 * reads (captured from the match and passed to it, parsed). Any other refinement of an event
 * leaves its channel without patterns.
 */
const EVENT_CHECKS = new Map<unknown, readonly string[]>([[crossedIsFlagged, ['spread', 'book_ok']]]);

/** A channel's top-level fields, compiled once; the whole-line patterns are built per key order. */
interface ChannelFields {
  fields: Map<string, Piece>;
  required: Set<string>;
  /** The event's own refinements (see EVENT_CHECKS). */
  eventChecks: { fn: (event: Record<string, unknown>) => unknown; reads: readonly string[] }[];
  /** Key order (joined by ",") → its pattern (null: that order is not one a pattern can accept). */
  orders: Map<string, LinePattern | null>;
  /** The patterns, most recently matched first. */
  active: LinePattern[];
}

interface LinePattern {
  re: RegExp;
  /** Capture group of each captured field (its value as matched, JSON text), and the checks of the other groups. */
  at: Record<string, number>;
  checks: { group: number; ok: (text: string) => boolean }[];
  eventChecks: ChannelFields['eventChecks'];
}

export const MAX_ORDERS = 16;

function compileChannel(ch: Channel): ChannelFields | null {
  const def = (CURRENT_SCHEMAS[ch] as unknown as Node)._zod.def;
  if (def.type !== 'object' || def.catchall) return null;
  const eventChecks: ChannelFields['eventChecks'] = [];
  for (const c of checksOf(def)) {
    const reads = c.check === 'custom' ? EVENT_CHECKS.get(c.fn) : undefined;
    if (!reads) return null;
    eventChecks.push({ fn: c.fn as (event: Record<string, unknown>) => unknown, reads });
  }
  const int32 = new Set(CHANNEL_COLUMNS[ch].filter((c) => c.type === 'int').map((c) => c.name));
  const fields = new Map<string, Piece>();
  const required = new Set<string>();
  for (const [name, child] of Object.entries(def.shape!)) {
    // An optional field may be left out; a defaulted one must be in the line (left out, zod would add it).
    const wrapper = child._zod.def.type;
    const wrapped = wrapper === 'optional' || wrapper === 'default';
    if (wrapped && (child._zod.def.checks?.length ?? 0) > 0) return null;
    const p = LEVEL_FIELDS[ch].includes(name) ? plain(CANONICAL_LEVELS_PATTERN) : piece(wrapped ? child._zod.def.innerType! : child, int32.has(name));
    if (!p) return null;
    fields.set(name, p);
    if (wrapper !== 'optional') required.add(name);
  }
  return { fields, required, eventChecks, orders: new Map(), active: [] };
}

function compileOrder(c: ChannelFields, keys: string[]): LinePattern | null {
  if (new Set(keys).size !== keys.length || !keys.every((k) => c.fields.has(k)) || ![...c.required].every((k) => keys.includes(k))) return null;
  const read = new Set<string>([...CAPTURED, ...c.eventChecks.flatMap((e) => e.reads)]);
  if (![...read].every((k) => keys.includes(k))) return null;
  const at: LinePattern['at'] = {};
  const checks: LinePattern['checks'] = [];
  let group = 0;
  const members = keys.map((key) => {
    const p = c.fields.get(key)!;
    const captured = read.has(key);
    if (captured) at[key] = ++group;
    for (const ok of p.checks) checks.push({ group: ++group, ok });
    // A captured field is wrapped whole: its group is the value's JSON text.
    return `"${key}":${captured ? `(${p.source})` : p.source}`;
  });
  return { re: new RegExp(`^\\{${members.join(',')}\\}$`), at, checks, eventChecks: c.eventChecks };
}

const CHANNEL_FIELDS = new Map<Channel, ChannelFields>();
for (const ch of CHANNELS) {
  const c = compileChannel(ch);
  if (c) CHANNEL_FIELDS.set(ch, c);
}

/** The channels whose current schema compiles to patterns. */
export const SCANNED_CHANNELS: readonly Channel[] = [...CHANNEL_FIELDS.keys()];

const CH_KEY = '"ch":"';

function channelOf(line: string): Channel | null {
  const k = line.indexOf(CH_KEY);
  if (k === -1) return null;
  return line.slice(k + CH_KEY.length, line.indexOf('"', k + CH_KEY.length)) as Channel;
}

/**
 * The line's event if one of its channel's patterns matches the whole line (then `parseLine`
 * accepts it as a current-version event with exactly these values); null otherwise.
 */
export function scanLine(line: string): ScannedEvent | null {
  const ch = channelOf(line);
  const c = ch === null ? undefined : CHANNEL_FIELDS.get(ch);
  if (!c) return null;
  for (let i = 0; i < c.active.length; i++) {
    const p = c.active[i]!;
    const m = p.re.exec(line);
    if (!m) continue;
    if (!p.checks.every(({ group, ok }) => ok(m[group]!))) return null;
    for (const { fn, reads } of p.eventChecks) {
      if (!fn(Object.fromEntries(reads.map((key) => [key, JSON.parse(m[p.at[key]!]!) as unknown])))) return null;
    }
    if (i > 0) c.active.unshift(...c.active.splice(i, 1));
    const value = (key: (typeof CAPTURED)[number]) => m[p.at[key]!]!.slice(1, -1);
    return { ch: ch!, event_id: value('event_id'), ts_ingest_utc: value('ts_ingest_utc'), station_id: value('station_id') };
  }
  return null;
}

/**
 * Learns the key order of a line `parseLine` accepted as a current-version event (no escapes), so
 * later lines written the same way match a pattern.
 */
export function learnLine(line: string): void {
  const ch = channelOf(line);
  const c = ch === null ? undefined : CHANNEL_FIELDS.get(ch);
  if (!c || c.orders.size >= MAX_ORDERS) return;
  const keys = topLevelKeys(line);
  if (!keys) return;
  const order = keys.join(',');
  if (c.orders.has(order)) return;
  const pattern = compileOrder(c, keys);
  c.orders.set(order, pattern);
  if (pattern) c.active.unshift(pattern);
}

/** The keys of the top-level object of a JSON line without escapes, in order; null if it is not one. */
function topLevelKeys(line: string): string[] | null {
  if (line.charCodeAt(0) !== 0x7b || line.includes('\\')) return null;
  const keys: string[] = [];
  let depth = 0;
  let expectKey = true;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x22) {
      const end = line.indexOf('"', i + 1);
      if (end === -1) return null;
      if (depth === 1 && expectKey) {
        keys.push(line.slice(i + 1, end));
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth === 1) expectKey = true;
  }
  return keys;
}
