/**
 * The one configuration file of the real sources (`record --config FILE`, the app's Sources
 * dialog): its schema is src/shared/sources-config.ts; here it is loaded, checked against what the
 * schema cannot say (a known station, a market slug for it) and its secrets are read from the
 * environment variables it names (`key_env`, `token_env`).
 */
import { readFile } from 'node:fs/promises';
import { describeZodError } from '../../shared/registry';
import { sourcesConfigSchema, type SourcesConfigParsed } from '../../shared/sources-config';
import { getStation } from '../../shared/stations';


/** Gamma event slugs of the stations whose markets we know (sources.md §1.6). */
const EVENT_SLUGS: Record<string, string> = {
  KLGA: 'highest-temperature-in-nyc-on-{month}-{day}-{year}',
};

type Parsed = SourcesConfigParsed;
export type PolymarketConfig = NonNullable<Parsed['polymarket']> & { event_slug: string };
export type MetarConfig = NonNullable<Parsed['metar']>;
export type PwsConfig = NonNullable<Parsed['pws']>;
export type WundergroundConfig = Extract<PwsConfig, { provider: 'wunderground' }>;
export type SynopticConfig = Extract<PwsConfig, { provider: 'synoptic' }>;
export type IngestConfig = NonNullable<Parsed['ingest']>;

/** The validated config with its secrets read: what the connectors run from. */
export interface SourcesConfig extends Omit<Parsed, 'polymarket'> {
  polymarket: PolymarketConfig | null;
  /** Secret values by environment variable name (never written anywhere). */
  secrets: Record<string, string>;
}

export class SourcesConfigError extends Error {}

/** Validate a parsed config and read its secrets from `env`; throws SourcesConfigError with one readable line. */
export function resolveSourcesConfig(input: unknown, env: Record<string, string | undefined> = process.env): SourcesConfig {
  const parsed = sourcesConfigSchema.safeParse(input);
  if (!parsed.success) throw new SourcesConfigError(describeZodError(parsed.error));
  const c = parsed.data;
  try {
    getStation(c.station);
  } catch (e) {
    throw new SourcesConfigError(`station: ${(e as Error).message}`);
  }
  let pm: PolymarketConfig | null = null;
  if (c.polymarket) {
    const slug = c.polymarket.event_slug ?? EVENT_SLUGS[c.station];
    if (!slug) throw new SourcesConfigError(`polymarket.event_slug: no known market for ${c.station}; give the Gamma slug pattern`);
    if (c.polymarket.reconnect_max_ms < c.polymarket.reconnect_min_ms) {
      throw new SourcesConfigError('polymarket.reconnect_max_ms: must not be below reconnect_min_ms');
    }
    pm = { ...c.polymarket, event_slug: slug };
  }
  const secrets: Record<string, string> = {};
  const need = (path: string, name: string) => {
    const value = env[name];
    if (!value) throw new SourcesConfigError(`${path}: environment variable ${name} is not set`);
    secrets[name] = value;
  };
  if (c.pws?.provider === 'wunderground') need('pws.key_env', c.pws.key_env);
  if (c.pws?.provider === 'synoptic') need('pws.token_env', c.pws.token_env);
  if (c.ingest) need('ingest.token_env', c.ingest.token_env);
  return { ...c, polymarket: pm, secrets };
}

export async function loadSourcesConfig(file: string, env: Record<string, string | undefined> = process.env): Promise<SourcesConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SourcesConfigError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SourcesConfigError(`${file}: not JSON (${(e as Error).message})`);
  }
  try {
    return resolveSourcesConfig(json, env);
  } catch (e) {
    throw new SourcesConfigError(`${file}: ${(e as Error).message}`);
  }
}
