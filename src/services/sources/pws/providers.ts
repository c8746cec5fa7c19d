/**
 * Personal weather station providers (sources.md §3), the pure half: the requests of one poll and
 * their responses → readings. Two today:
 *   - Weather Underground / The Weather Company, `v2/pws/observations/current` — one request per
 *     station id, API key (`apiKey`); `{observations:[{stationID, epoch, obsTimeUtc, imperial:{temp}}]}`;
 *     HTTP 204 when the station has not reported for an hour.
 *   - Synoptic Data, `stations/latest` with a radius around the station — one request, token;
 *     `{STATION:[{STID, OBSERVATIONS:{air_temp_value_1:{value, date_time}}}], SUMMARY:{RESPONSE_CODE}}`.
 * A provider only builds URLs and reads bodies; polling, backoff and capture are the poller's.
 */
import { z } from 'zod';
import { describeZodError } from '../../../shared/registry';
import type { PwsConfig, SynopticConfig, WundergroundConfig } from '../config';
import type { HttpFields } from '../raw-records';
import type { PwsReading } from '../source';

type ParsedPoll = { readings: PwsReading[]; rejections: { reason: string; input: unknown }[] };

/** A provider: how to ask (from its config and secret) and how to read the answers (pure, no secret). */
export interface PwsProvider<C extends PwsConfig = PwsConfig> {
  readonly id: C['provider'];
  /** URLs of one poll (secrets included: redact before logging or capturing). */
  requests(config: C, secret: string, station: string): string[];
  /** The poll's responses → readings (°F, obs time ms), plus what could not be read. */
  parse(responses: readonly HttpFields[], station: string): ParsedPoll;
}

const wuBody = z.object({
  observations: z
    .array(
      z.object({
        stationID: z.string().min(1),
        epoch: z.number().int().positive(),
        imperial: z.object({ temp: z.number().nullable() }),
      }),
    )
    .min(1),
});

const synopticBody = z.object({
  SUMMARY: z.object({ RESPONSE_CODE: z.number(), RESPONSE_MESSAGE: z.string().optional() }),
  STATION: z
    .array(
      z.object({
        STID: z.string().min(1),
        OBSERVATIONS: z.object({ air_temp_value_1: z.object({ value: z.number().nullable(), date_time: z.string() }).optional() }),
      }),
    )
    .default([]),
});

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

function json(body: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (e) {
    return { ok: false, reason: `not JSON (${(e as Error).message})` };
  }
}

const wunderground: PwsProvider<WundergroundConfig> = {
  id: 'wunderground',
  requests: (config, apiKey) =>
    config.stations.map((id) => {
      const q = new URLSearchParams({ stationId: id, format: 'json', units: 'e', numericPrecision: 'decimal', apiKey });
      return `${base(config.url)}/v2/pws/observations/current?${q}`;
    }),
  parse(responses) {
    const out: ParsedPoll = { readings: [], rejections: [] };
    for (const r of responses) {
      if (r.status === 204 || r.status < 200 || r.status >= 300) continue; // no current record / failed request (the poller reports it)
      const body = json(r.body);
      const parsed = body.ok ? wuBody.safeParse(body.value) : null;
      if (!parsed?.success) {
        out.rejections.push({ reason: `Weather Underground: ${body.ok ? describeZodError(parsed!.error) : body.reason}`, input: r.body });
        continue;
      }
      for (const o of parsed.data.observations) {
        if (o.imperial.temp === null) continue;
        out.readings.push({ pws_id: o.stationID, temp_f: o.imperial.temp, obs_time_ms: o.epoch * 1000 });
      }
    }
    return out;
  },
};

const synoptic: PwsProvider<SynopticConfig> = {
  id: 'synoptic',
  requests: (config, token, station) => {
    const q = new URLSearchParams({
      token,
      radius: `${station},${config.radius_mi}`,
      limit: String(config.limit),
      vars: 'air_temp',
      units: 'english',
      within: '60',
      obtimezone: 'utc',
    });
    return [`${base(config.url)}/stations/latest?${q}`];
  },
  parse(responses, station) {
    const out: ParsedPoll = { readings: [], rejections: [] };
    for (const r of responses) {
      if (r.status < 200 || r.status >= 300) continue;
      const body = json(r.body);
      const parsed = body.ok ? synopticBody.safeParse(body.value) : null;
      if (!parsed?.success) {
        out.rejections.push({ reason: `Synoptic: ${body.ok ? describeZodError(parsed!.error) : body.reason}`, input: r.body });
        continue;
      }
      const code = parsed.data.SUMMARY.RESPONSE_CODE;
      // 2 = no stations matched; anything else but 1 is an error the body explains.
      if (code !== 1 && code !== 2) {
        out.rejections.push({ reason: `Synoptic: RESPONSE_CODE ${code} ${parsed.data.SUMMARY.RESPONSE_MESSAGE ?? ''}`.trim(), input: r.body });
        continue;
      }
      for (const s of parsed.data.STATION) {
        const obs = s.OBSERVATIONS.air_temp_value_1;
        if (s.STID === station || !obs || obs.value === null) continue; // the station itself is not a PWS
        const at = Date.parse(obs.date_time);
        if (Number.isNaN(at)) {
          out.rejections.push({ reason: `Synoptic: station ${s.STID}: date_time ${JSON.stringify(obs.date_time)} is not a time`, input: s });
          continue;
        }
        out.readings.push({ pws_id: s.STID, temp_f: obs.value, obs_time_ms: at });
      }
    }
    return out;
  },
};

export const PWS_PROVIDERS: { [P in PwsConfig['provider']]: PwsProvider<Extract<PwsConfig, { provider: P }>> } = { wunderground, synoptic };

/** One poll's URLs for a config, its secret read from the resolved config's secrets. */
export function pwsRequests(config: PwsConfig, secrets: Record<string, string>, station: string): string[] {
  return config.provider === 'wunderground'
    ? wunderground.requests(config, secrets[config.key_env] ?? '', station)
    : synoptic.requests(config, secrets[config.token_env] ?? '', station);
}
