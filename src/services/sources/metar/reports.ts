/**
 * METAR/SPECI poll responses → raw reports, the pure half (sources.md §2):
 *   - aviationweather.gov data API, `?ids=KLGA&format=json&hours=3`: a JSON array, newest first, each
 *     element with `rawOb` (routine reports may lack the "METAR " prefix; specials start "SPECI ";
 *     corrections carry "COR"), `obsTime` (Unix s), `reportTime`, `receiptTime`, `metarType`, …;
 *     HTTP 204 or `[]` when there is nothing.
 *   - IEM ASOS `asos.py?…&data=metar&format=onlycomma`: CSV `station,valid,metar`.
 * A report is new when its text was not seen before (a repeat in the next poll is not new; a COR of
 * an earlier report is): `ReportLog` remembers what was delivered, keyed by the report body so the
 * same report from either service counts once.
 */
import { z } from 'zod';
import { describeZodError } from '../../../shared/registry';

export interface RawReport {
  raw: string;
  obs_time_ms: number;
}

export interface ParsedReports {
  reports: RawReport[];
  rejections: { reason: string; input: unknown }[];
}

const awcElement = z.object({
  rawOb: z.string().min(1),
  obsTime: z.number().int().positive(),
  receiptTime: z.string().optional(),
  metarType: z.string().optional(),
});

/** Oldest first, so the recorder sees a poll's reports in observation order. */
function chronological(reports: (RawReport & { receipt?: string })[]): RawReport[] {
  return reports
    .sort((a, b) => a.obs_time_ms - b.obs_time_ms || (a.receipt ?? '').localeCompare(b.receipt ?? ''))
    .map(({ raw, obs_time_ms }) => ({ raw, obs_time_ms }));
}

export function parseAwcResponse(status: number, body: string): ParsedReports {
  const out: ParsedReports = { reports: [], rejections: [] };
  if (status === 204 || body.trim() === '') return out;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    out.rejections.push({ reason: `aviationweather.gov: not JSON (${(e as Error).message})`, input: body });
    return out;
  }
  if (!Array.isArray(json)) {
    out.rejections.push({ reason: 'aviationweather.gov: expected an array of reports', input: json });
    return out;
  }
  const found: (RawReport & { receipt?: string })[] = [];
  for (const [i, element] of json.entries()) {
    const parsed = awcElement.safeParse(element);
    if (!parsed.success) {
      out.rejections.push({ reason: `aviationweather.gov report ${i}: ${describeZodError(parsed.error)}`, input: element });
      continue;
    }
    found.push({ raw: parsed.data.rawOb.trim(), obs_time_ms: parsed.data.obsTime * 1000, receipt: parsed.data.receiptTime });
  }
  out.reports = chronological(found);
  return out;
}

export function parseIemCsv(body: string): ParsedReports {
  const out: ParsedReports = { reports: [], rejections: [] };
  const lines = body.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines.shift();
  if (header?.trim() !== 'station,valid,metar') {
    out.rejections.push({ reason: `IEM ASOS: expected the header "station,valid,metar", got ${JSON.stringify(header?.slice(0, 80) ?? '')}`, input: body.slice(0, 2000) });
    return out;
  }
  const found: RawReport[] = [];
  for (const line of lines) {
    const m = /^([^,]*),(\d{4}-\d{2}-\d{2} \d{2}:\d{2}),(.*)$/.exec(line);
    if (!m) {
      out.rejections.push({ reason: 'IEM ASOS: expected "station,YYYY-MM-DD HH:MM,metar"', input: line });
      continue;
    }
    const raw = m[3]!.trim();
    if (raw === '' || raw === 'M') continue; // no report text for that row
    found.push({ raw, obs_time_ms: Date.parse(`${m[2]!.replace(' ', 'T')}:00Z`) });
  }
  out.reports = chronological(found);
  return out;
}

/** The report without its type prefix, whitespace collapsed: the same report from AWC and IEM. */
export function reportKey(raw: string): string {
  return raw
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/=$/, '')
    .replace(/^(?:METAR|SPECI) /, '');
}

/** What was delivered, forgotten two days after the newest observation it has seen. */
export class ReportLog {
  private readonly seen = new Map<string, number>();
  private newest = -Infinity;

  /** The reports not delivered before, remembering them. */
  fresh(reports: readonly RawReport[]): RawReport[] {
    const out = reports.filter((r) => {
      const key = reportKey(r.raw);
      if (this.seen.has(key)) return false;
      this.seen.set(key, r.obs_time_ms);
      this.newest = Math.max(this.newest, r.obs_time_ms);
      return true;
    });
    const horizon = this.newest - 2 * 86_400_000;
    for (const [key, obs] of this.seen) if (obs < horizon) this.seen.delete(key);
    return out;
  }
}
