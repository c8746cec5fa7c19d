/** Test plumbing for the connectors: configs pointing at the fakes (with fast timings), a sink that keeps everything. */
import { resolveSourcesConfig, type SourcesConfig } from '../../src/services/sources/config';
import type { SourcesConfigInput } from '../../src/shared/sources-config';
import type { SourceMessage, SourceRejection, SourceSink, SourceStatus } from '../../src/services/sources/source';
import type { FakeVenue } from './fake-upstreams';

/** Wait until `condition` holds (polling), or fail saying what was awaited. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

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
