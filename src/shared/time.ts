/**
 * Time-zone aware timestamps for the envelope. All zone rules come from Intl (the platform's tz
 * database); the only thing cached is the UTC offset of a zone for a 15-minute slot, because
 * Intl.DateTimeFormat#formatToParts is too slow for the recorder's hot path and offsets only
 * change on slot boundaries in every zone in use.
 */
import { getStation } from './stations';

export const NYC_TZ = 'America/New_York';
export const MADRID_TZ = 'Europe/Madrid';

const SLOT_MS = 15 * 60 * 1000;
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

function offsetFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset', hour: 'numeric' });
    offsetFormatters.set(timeZone, f);
  }
  return f;
}

/** UTC offset of `timeZone` at instant `ms`, in minutes east of UTC (New York winter: -300). */
export function utcOffsetMinutes(ms: number, timeZone: string): number {
  const slot = Math.floor(ms / SLOT_MS);
  let perZone = offsetCache.get(timeZone);
  if (!perZone) {
    perZone = new Map();
    offsetCache.set(timeZone, perZone);
  }
  const cached = perZone.get(slot);
  if (cached !== undefined) return cached;
  const name = offsetFormatter(timeZone)
    .formatToParts(new Date(slot * SLOT_MS))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name ?? '');
  if (!m) throw new Error(`cannot read UTC offset of ${timeZone} from "${name}"`);
  const minutes = m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  if (perZone.size > 4096) perZone.clear();
  perZone.set(slot, minutes);
  return minutes;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `2026-01-29T17:53:02.114Z` */
export function toUtcIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Local wall time with its offset, e.g. `2026-01-29T12:53:02.114-05:00`. */
export function toZonedIso(ms: number, timeZone: string): string {
  const offset = utcOffsetMinutes(ms, timeZone);
  // replace() yields one flat string; slice + concat would keep a 4-object rope alive in every event.
  return new Date(ms + offset * 60_000).toISOString().replace('Z', formatOffset(offset));
}

/** Local calendar date `YYYY-MM-DD` of instant `ms` in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  return new Date(ms + utcOffsetMinutes(ms, timeZone) * 60_000).toISOString().slice(0, 10);
}

/** The partition date of an event: the station's local calendar date of its ingest time. */
export function stationDate(ms: number, stationId: string): string {
  return localDate(ms, getStation(stationId).timeZone);
}

/**
 * UTC instant of local wall-clock midnight starting `date` in `timeZone`. Midnight exists in both
 * zones we care about on every day (their DST switches happen at 02:00/03:00 local).
 */
export function localMidnightUtc(date: string, timeZone: string): number {
  return localTimeUtc(date, '00:00', timeZone);
}

/** UTC instant of the local wall-clock time `time` (HH:MM) on `date` in `timeZone`. */
export function localTimeUtc(date: string, time: string, timeZone: string): number {
  const naive = Date.parse(`${date}T${time}:00Z`);
  if (Number.isNaN(naive)) throw new Error(`not a date and time: ${date} ${time}`);
  // Two passes converge for any offset change that doesn't straddle that time itself.
  let guess = naive - utcOffsetMinutes(naive, timeZone) * 60_000;
  guess = naive - utcOffsetMinutes(guess, timeZone) * 60_000;
  return guess;
}

/** [start, end) in UTC ms of the local calendar day `date` (23 h or 25 h on DST switch days). */
export function localDayBoundsUtc(date: string, timeZone: string): [number, number] {
  return [localMidnightUtc(date, timeZone), localMidnightUtc(nextDate(date), timeZone)];
}

/** The calendar date after `date` (YYYY-MM-DD). */
export function nextDate(date: string): string {
  return addDays(date, 1);
}

/** The calendar date `days` after `date` (YYYY-MM-DD; `days` may be negative). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Every calendar date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = nextDate(d)) out.push(d);
  return out;
}

export const ISO_UTC_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
export const ISO_ZONED_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?[+-]\d{2}:\d{2}$/;
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Epoch microseconds (Parquet/DuckDB timestamps) → ISO-8601 UTC: ms precision unless the instant
 * has sub-millisecond digits, then µs (`2026-01-29T16:03:02.114567Z`).
 */
export function isoFromMicros(us: bigint | number): string {
  if (typeof us === 'number') {
    // exact for integral µs below 2^53 (year 2255): the division rounds to within far less than 1 ms
    const ms = Math.floor(us / 1000);
    const sub = us - ms * 1000;
    const iso = new Date(ms).toISOString();
    return sub === 0 ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
  }
  const micros = us;
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const iso = new Date(Number(ms)).toISOString();
  const sub = Number(((micros % 1000n) + 1000n) % 1000n);
  return sub === 0 ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

/** ISO-8601 UTC → epoch microseconds (digits beyond µs dropped); exact as a number until year 2255. */
export function microsFromIso(iso: string): number {
  // The fraction's first 6 digits, read in place (the compactor does this for every journal line).
  let micros = 0;
  const dot = iso.indexOf('.');
  if (dot !== -1 && iso.charCodeAt(iso.length - 1) === 0x5a /* Z */) {
    for (let i = dot + 1, scale = 100_000; i < iso.length - 1; i++, scale /= 10) {
      const digit = iso.charCodeAt(i) - 0x30;
      if (digit < 0 || digit > 9) {
        micros = 0;
        break;
      }
      if (scale >= 1) micros += digit * scale;
    }
  }
  return Math.floor(Date.parse(iso) / 1000) * 1_000_000 + micros;
}

/** Parse an ISO timestamp to epoch ms; throws on garbage so bad input never becomes NaN silently. */
export function parseIsoMs(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO timestamp: ${iso}`);
  return ms;
}
