/**
 * The sources config's schema (zod), isomorphic so the app's Sources dialog and the shells that
 * store it validate with the same rules as `record --config` (loading and secrets:
 * src/services/sources/config.ts). The top-level keys are fixed — `station`, `polymarket`,
 * `metar`, `pws`, `ingest` — every URL defaults to the real service, `null` turns a source off,
 * and secrets are never in it: it names the environment variables that hold them.
 */
import { z } from 'zod';
import type { SourceStatus } from '../services/sources/source';
import { STATION_ID_PATTERN } from './stations';

export const DEFAULT_URLS = {
  gamma: 'https://gamma-api.polymarket.com',
  clob: 'https://clob.polymarket.com',
  ws: 'wss://ws-subscriptions-clob.polymarket.com/ws/market',
  metar: 'https://aviationweather.gov/api/data/metar',
  iem: 'https://mesonet.agron.iastate.edu/cgi-bin/request/asos.py',
  wunderground: 'https://api.weather.com',
  synoptic: 'https://api.synopticdata.com/v2',
} as const;

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const wsUrl = z.url({ protocol: /^wss?$/, error: 'expected a ws(s) URL' });
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected the name of an environment variable (A-Z, 0-9, _)');
const seconds = (min: number, max: number) => z.number().min(min).max(max);

const polymarket = z
  .object({
    gamma_url: httpUrl.default(DEFAULT_URLS.gamma),
    clob_url: httpUrl.default(DEFAULT_URLS.clob),
    ws_url: wsUrl.default(DEFAULT_URLS.ws),
    /** Besides today's event, follow this many next days' (they trade at the same time). */
    days_ahead: z.number().int().min(0).max(7).default(1),
    /** Gamma slug of a local date's event: {month} lowercase English, {day} not zero-padded, {year}. */
    event_slug: z.string().regex(/\{month\}/).regex(/\{day\}/).regex(/\{year\}/).optional(),
    /** Ask Gamma again this often (rules text changes, a next-day event appearing). */
    rediscover_s: seconds(30, 86_400).default(600),
    /** Text PING cadence; the venue closes sockets that stay silent (1008). */
    ping_s: seconds(1, 60).default(10),
    /** No frame for this long (PONGs included) = a stale feed: reconnect. */
    stale_s: seconds(2, 600).default(30),
    /** Backoff after a dropped socket or a failed Gamma request: capped exponential with jitter. */
    reconnect_min_ms: z.number().int().min(10).max(60_000).default(500),
    reconnect_max_ms: z.number().int().min(100).max(600_000).default(30_000),
    /** After a (re)subscribe, wait this long for the WebSocket dump before asking REST for a book. */
    dump_wait_ms: z.number().int().min(0).max(60_000).default(5000),
    /** POST /books budget per 10 s (documented limit: 500) and tokens per request. */
    books_per_10s: z.number().int().min(1).max(500).default(50),
    books_batch: z.number().int().min(1).max(500).default(50),
    timeout_s: seconds(1, 120).default(10),
  })
  .strict();

const iemFallback = z
  .object({
    url: httpUrl.default(DEFAULT_URLS.iem),
    /** IEM network of the station, e.g. NY_ASOS (asos.py). */
    network: z.string().regex(/^[A-Z0-9_]+$/).default('NY_ASOS'),
  })
  .strict();

const metar = z
  .object({
    url: httpUrl.default(DEFAULT_URLS.metar),
    /** aviationweather.gov allows ~100 requests/min; once a minute is plenty for METAR + SPECI. */
    poll_s: seconds(15, 3600).default(60),
    /** Hours of reports asked for on each poll (the newest first). */
    hours: z.number().int().min(1).max(24).default(3),
    timeout_s: seconds(1, 120).default(10),
    /** Longest backoff after failures (HTTP error, timeout, 429 without Retry-After). */
    max_backoff_s: seconds(15, 3600).default(600),
    /** Iowa Environmental Mesonet ASOS, asked while aviationweather.gov is failing; null = none. */
    fallback: iemFallback.nullable().default(null),
  })
  .strict();

const wunderground = z
  .object({
    provider: z.literal('wunderground'),
    url: httpUrl.default(DEFAULT_URLS.wunderground),
    /** Environment variable holding the API key (a PWS contributor key). */
    key_env: envName,
    /** Station ids to poll (WU allows ~30 calls/min and 1,500/day per key). */
    stations: z.array(z.string().regex(/^[A-Za-z0-9_-]{3,32}$/)).min(1).max(30),
    poll_s: seconds(60, 3600).default(300),
    timeout_s: seconds(1, 120).default(10),
  })
  .strict();

const synoptic = z
  .object({
    provider: z.literal('synoptic'),
    url: httpUrl.default(DEFAULT_URLS.synoptic),
    /** Environment variable holding the API token. */
    token_env: envName,
    /** Stations within this many miles of the station. */
    radius_mi: z.number().positive().max(100).default(10),
    limit: z.number().int().min(1).max(200).default(50),
    poll_s: seconds(60, 3600).default(300),
    timeout_s: seconds(1, 120).default(10),
  })
  .strict();

const ingest = z
  .object({
    /** Port on 127.0.0.1 (0: any free port, printed at start). */
    port: z.number().int().min(0).max(65_535).default(8765),
    /** Environment variable holding the token HELIOS must present (Authorization: Bearer …). */
    token_env: envName,
  })
  .strict();

export const sourcesConfigSchema = z
  .object({
    station: z.string().regex(STATION_ID_PATTERN, 'expected a station id like KLGA'),
    polymarket: polymarket.nullable(),
    metar: metar.nullable(),
    pws: z.discriminatedUnion('provider', [wunderground, synoptic]).nullable(),
    ingest: ingest.nullable(),
    /** Append every upstream frame and response to <data>/raw/… (see capture/raw-capture.ts). */
    raw_capture: z.boolean().default(true),
    /** Who to contact about the requests (appended to the User-Agent, as aviationweather.gov asks). */
    contact: z.string().max(200).optional(),
  })
  .strict();

export type SourcesConfigInput = z.input<typeof sourcesConfigSchema>;
export type SourcesConfigParsed = z.output<typeof sourcesConfigSchema>;

/** The defaults: Polymarket and METAR on (real services), PWS and the model ingest off. */
export function defaultSourcesConfig(station = 'KLGA'): SourcesConfigInput {
  return { station, polymarket: {}, metar: {}, pws: null, ingest: null };
}

/** Environment variables (secrets) the config names. */
export function secretNames(input: SourcesConfigInput): string[] {
  const names: string[] = [];
  if (input.pws?.provider === 'wunderground') names.push(input.pws.key_env);
  if (input.pws?.provider === 'synoptic') names.push(input.pws.token_env);
  if (input.ingest) names.push(input.ingest.token_env);
  return names;
}

/** What LIVE records, as the app stores and shows it (secrets aside). */
export type SourcesChoice = { kind: 'simulator' } | { kind: 'real'; config: SourcesConfigInput };

/** A choice as the Sources dialog sends it: secrets by variable name, null = keep the stored one, '' = forget it. */
export const sourcesChoiceArgs = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('simulator') }).strict(),
  z
    .object({
      kind: z.literal('real'),
      config: sourcesConfigSchema,
      secrets: z.record(envName, z.string().max(4096).nullable()).default({}),
    })
    .strict(),
]);

/** What the live session runs now and the state of each of its upstreams (the LIVE badge). */
export interface LiveSourcesState {
  kind: 'simulator' | 'real';
  statuses: SourceStatus[];
  /** Why the chosen sources are not recording (a bad config, a port taken, …). */
  error: string | null;
}

/** The Sources dialog's view: the stored choice, which keys are stored and where, and what runs. */
export interface SourcesView {
  choice: SourcesChoice;
  /** Variables with a stored value (the values never leave the shell). */
  secrets_stored: string[];
  /** Where keys are kept, in words (the OS keychain via Electron safeStorage, or a file). */
  secret_storage: string;
  /** False when keys cannot be stored safely here: they must then come from the environment. */
  can_store_secrets: boolean;
  live: LiveSourcesState | null;
}
