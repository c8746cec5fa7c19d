/**
 * Polymarket Gamma discovery, the pure half: which URL names a station-local date's event, and the
 * event JSON → `ListedMarket` (sources.md §1.6). `GET {gamma_url}/events/slug/<slug>` returns one
 * event object; its `markets[]` are the buckets (`groupItemTitle` is the label), `outcomes`,
 * `clobTokenIds` and `positionIds` are JSON-encoded string arrays (index 0 = "Yes"), and the asset
 * id to subscribe is picked by the market's `version` ("v1" → clobTokenIds, "v2" → positionIds).
 */
import { z } from 'zod';
import { describeZodError } from '../../../shared/registry';
import { DATE_PATTERN } from '../../../shared/time';
import type { ListedMarket, MarketToken } from '../source';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** `highest-temperature-in-nyc-on-{month}-{day}-{year}` + 2026-09-05 → `…-on-september-5-2026`. */
export function eventSlug(template: string, date: string): string {
  if (!DATE_PATTERN.test(date)) throw new Error(`not a date: ${date}`);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return template
    .replaceAll('{month}', MONTHS[month - 1]!)
    .replaceAll('{day}', String(day))
    .replaceAll('{year}', String(year));
}

export function eventUrl(gammaUrl: string, template: string, date: string): string {
  return `${gammaUrl.replace(/\/+$/, '')}/events/slug/${encodeURIComponent(eventSlug(template, date))}`;
}

const jsonStringArray = (field: string) =>
  z.string().transform((text, ctx): string[] => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${field}: not a JSON-encoded array` });
      return z.NEVER;
    }
    if (!Array.isArray(value) || !value.every((x) => typeof x === 'string' && x.length > 0)) {
      ctx.addIssue({ code: 'custom', message: `${field}: expected a JSON array of non-empty strings` });
      return z.NEVER;
    }
    return value as string[];
  });

const idLike = z.union([z.string().min(1), z.number().int()]).transform(String);

const gammaMarket = z.object({
  id: idLike,
  conditionId: z.string().min(1),
  groupItemTitle: z.string().min(1),
  groupItemThreshold: z.union([z.string(), z.number()]).optional(),
  outcomes: jsonStringArray('outcomes'),
  clobTokenIds: jsonStringArray('clobTokenIds').optional(),
  positionIds: jsonStringArray('positionIds').optional(),
  version: z.string().optional(),
});

const gammaEvent = z.object({
  id: idLike,
  slug: z.string().min(1),
  title: z.string(),
  description: z.string().default(''),
  resolutionSource: z.string().nullable().default(''),
  markets: z.array(z.unknown()),
});

export type GammaResult =
  | { ok: true; market: ListedMarket; rejected: { index: number; reason: string; input: unknown }[] }
  | { ok: false; reason: string };

/** The YES asset of one Gamma market, by its `version`. */
function yesToken(m: z.output<typeof gammaMarket>, date: string): MarketToken {
  const v2 = m.version === 'v2';
  const ids = v2 ? m.positionIds : m.clobTokenIds;
  const field = v2 ? 'positionIds' : 'clobTokenIds';
  if (!ids) throw new Error(`${field}: missing for version ${m.version ?? '(none)'}`);
  const yes = m.outcomes.indexOf('Yes');
  if (yes < 0) throw new Error(`outcomes ${JSON.stringify(m.outcomes)} have no "Yes"`);
  if (ids.length !== m.outcomes.length) throw new Error(`${field} has ${ids.length} ids for ${m.outcomes.length} outcomes`);
  return { token_id: ids[yes]!, market_id: m.conditionId, bucket: m.groupItemTitle, market_date: date };
}

/** Gamma's event JSON for `date` → the day's market (buckets in threshold order), or why not. */
export function parseGammaEvent(body: string, date: string): GammaResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, reason: `Gamma event: not JSON (${(e as Error).message})` };
  }
  // `/events?slug=` answers with an array holding the event.
  if (Array.isArray(json)) {
    if (json.length !== 1) return { ok: false, reason: `Gamma event: expected one event, got an array of ${json.length}` };
    json = json[0];
  }
  const event = gammaEvent.safeParse(json);
  if (!event.success) return { ok: false, reason: `Gamma event: ${describeZodError(event.error)}` };
  const buckets: { token: MarketToken; threshold: number | null; index: number }[] = [];
  const rejected: { index: number; reason: string; input: unknown }[] = [];
  for (const [index, raw] of event.data.markets.entries()) {
    const parsed = gammaMarket.safeParse(raw);
    if (!parsed.success) {
      rejected.push({ index, reason: `Gamma market ${index}: ${describeZodError(parsed.error)}`, input: raw });
      continue;
    }
    try {
      const threshold = parsed.data.groupItemThreshold === undefined ? null : Number(parsed.data.groupItemThreshold);
      buckets.push({ token: yesToken(parsed.data, date), threshold: Number.isFinite(threshold) ? threshold : null, index });
    } catch (e) {
      rejected.push({ index, reason: `Gamma market ${index} (${parsed.data.groupItemTitle}): ${(e as Error).message}`, input: raw });
    }
  }
  if (buckets.length === 0) return { ok: false, reason: `Gamma event ${event.data.slug}: no usable market (${rejected.length} rejected)` };
  if (buckets.every((b) => b.threshold !== null)) buckets.sort((a, b) => a.threshold! - b.threshold! || a.index - b.index);
  const e = event.data;
  return {
    ok: true,
    market: {
      market_date: date,
      event_id: e.id,
      slug: e.slug,
      title: e.title,
      rules: e.description,
      resolution_source: e.resolutionSource ?? '',
      tokens: buckets.map((b) => b.token),
    },
    rejected,
  };
}
