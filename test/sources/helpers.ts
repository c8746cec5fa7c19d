/**
 * Test plumbing for the connectors: teardown after each test, temp folders, configs pointing at the
 * fakes (with fast timings), a sink that keeps everything, the model messages HELIOS would push.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { LiveSources, type LiveSourcesOptions } from '../../src/services/sources/live-sources';
import { features, nowcast } from '../recorder/helpers';
import { resolveSourcesConfig, type SourcesConfig } from '../../src/services/sources/config';
import type { SourcesConfigInput } from '../../src/shared/sources-config';
import type { SourceMessage, SourceRejection, SourceSink, SourceStatus } from '../../src/services/sources/source';
import { stationDate } from '../../src/shared/time';
import { FakeVenue, ScriptedHttp } from './fake-upstreams';
import { awcElement } from './fixtures/captured';

export { until } from '../support/until';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A config for the fakes. Timings below the schema's minimums (which protect the real services)
 * are set after validation, as only a test would.
 */
export function fakeConfig(
  input: Partial<SourcesConfigInput> & { venue?: FakeVenue },
  fast: { ping_s?: number; stale_s?: number; poll_s?: number; dump_wait_ms?: number } = {},
  env: Record<string, string> = {},
): SourcesConfig {
  const { venue, ...rest } = input;
  const config = resolveSourcesConfig(
    {
      station: 'KLGA',
      polymarket: venue ? { gamma_url: venue.httpUrl, clob_url: venue.httpUrl, ws_url: venue.wsUrl, days_ahead: 1 } : null,
      metar: null,
      pws: null,
      ingest: null,
      raw_capture: false,
      ...rest,
    },
    env,
  );
  if (config.polymarket) {
    Object.assign(config.polymarket, {
      ping_s: fast.ping_s ?? 0.2,
      stale_s: fast.stale_s ?? 2,
      reconnect_min_ms: 50,
      reconnect_max_ms: 400,
      dump_wait_ms: fast.dump_wait_ms ?? 300,
      timeout_s: 2,
    });
  }
  if (config.metar) Object.assign(config.metar, { poll_s: fast.poll_s ?? 0.1, max_backoff_s: 2, timeout_s: 1 });
  if (config.pws) Object.assign(config.pws, { poll_s: fast.poll_s ?? 0.1, timeout_s: 1 });
  return config;
}

export class CollectingSink implements SourceSink {
  readonly messages: SourceMessage[] = [];
  readonly rejections: SourceRejection[] = [];
  readonly statuses: SourceStatus[] = [];

  push(message: SourceMessage): void {
    this.messages.push(message);
  }

  reject(rejection: SourceRejection): void {
    this.rejections.push(rejection);
  }

  status(status: SourceStatus): void {
    this.statuses.push(status);
  }

  of<K extends SourceMessage['kind']>(kind: K): Extract<SourceMessage, { kind: K }>[] {
    return this.messages.filter((m): m is Extract<SourceMessage, { kind: K }> => m.kind === kind);
  }

  /** The latest state reported for `source`. */
  state(source: string): SourceStatus | undefined {
    return this.statuses.filter((s) => s.source === source).at(-1);
  }
}

const teardown: (() => unknown)[] = [];

/** Call once at the top of a test file: what `onCleanup` registers runs after each test, last first. */
export function cleanupAfterEach(): void {
  afterEach(async () => {
    for (const fn of teardown.splice(0).reverse()) await fn();
  });
}

export function onCleanup(...fns: (() => unknown)[]): void {
  teardown.push(...fns);
}

/** A temp folder removed after the test. */
export function tempDir(prefix = 'helios-sources-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** LiveSources started into a collecting sink, stopped after the test. */
export async function startSources(options: LiveSourcesOptions): Promise<{ sources: LiveSources; sink: CollectingSink }> {
  const sources = await LiveSources.create({ log: () => {}, ...options });
  const sink = new CollectingSink();
  await sources.start(sink);
  onCleanup(() => sources.stop());
  return { sources, sink };
}

/** What HELIOS pushes to the ingest endpoint: a channel name and the payload (the recorder tests' own). */
export const NOWCAST_MESSAGE = { ch: 'nowcast_1m', ...(nowcast(0) as Extract<SourceMessage, { kind: 'nowcast' }>).payload };
export const FEATURES_MESSAGE = { ch: 'features_1m', ...(features(0) as Extract<SourceMessage, { kind: 'features' }>).payload };

/**
 * What a CLI test records from: today's KLGA market on a fake venue, one METAR on a fake
 * aviationweather.gov, and a sources config file in `dir` pointing at both (torn down after the test).
 */
export async function fakeUpstreamsConfigFile(dir: string, ingest: SourcesConfigInput['ingest'] = null) {
  const venue = await FakeVenue.start();
  onCleanup(() => venue.stop());
  const listed = venue.listEvent(stationDate(Date.now(), 'KLGA'));
  const raw = `KLGA ${new Date().toISOString().slice(8, 10)}0051Z 31012KT 10SM FEW250 02/M11 A3012 RMK AO2 T00221111`;
  const awc = await ScriptedHttp.start([{ status: 200, body: JSON.stringify([awcElement(raw, Math.floor(Date.now() / 1000) - 600, 'METAR')]) }]);
  onCleanup(() => awc.stop());
  const file = join(dir, 'sources.json');
  writeFileSync(
    file,
    JSON.stringify({
      station: 'KLGA',
      polymarket: { gamma_url: venue.httpUrl, clob_url: venue.httpUrl, ws_url: venue.wsUrl, days_ahead: 1 },
      metar: { url: awc.url('/api/data/metar'), poll_s: 60 },
      pws: null,
      ingest,
    }),
  );
  return { venue, listed, file };
}
