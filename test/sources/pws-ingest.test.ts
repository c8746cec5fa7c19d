/** PWS providers against scripted servers, and the HELIOS model ingest endpoint with real WebSocket clients. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { captureFiles } from '../../src/services/sources/capture/raw-capture';
import { ScriptedHttp } from './fake-upstreams';
import { cleanupAfterEach, fakeConfig, FEATURES_MESSAGE, NOWCAST_MESSAGE, onCleanup, startSources as run, tempDir, until } from './helpers';

cleanupAfterEach();

describe('PWS', () => {
  it('not configured: says so and delivers nothing (live never shows simulated readings)', async () => {
    const { sink, sources } = await run({ config: fakeConfig({}) });
    expect(sink.state('pws')).toMatchObject({ state: 'not_configured', detail: 'pws: not configured' });
    expect(sources.statuses().find((s) => s.source === 'pws')!.state).toBe('not_configured');
    expect(sink.of('pws')).toEqual([]);
  });

  it('Weather Underground: each station polled with the key, one batch per poll; the key never reaches the capture', async () => {
    const now = Date.now();
    const wu = await ScriptedHttp.start(({ url }) => {
      const id = url.searchParams.get('stationId')!;
      if (url.searchParams.get('apiKey') !== 'k3y') return { status: 401, body: '{"errors":[]}' };
      if (id === 'KNYOFF1') return { status: 204 };
      return { status: 200, body: JSON.stringify({ observations: [{ stationID: id, epoch: Math.floor(now / 1000) - 60, obsTimeUtc: '', imperial: { temp: id === 'KNYA1' ? 41.2 : 40.5 } }] }) };
    });
    onCleanup(() => wu.stop());
    const root = tempDir();
    const config = fakeConfig(
      { pws: { provider: 'wunderground', url: wu.url(''), key_env: 'WU_KEY', stations: ['KNYA1', 'KNYB2', 'KNYOFF1'] }, raw_capture: true },
      {},
      { WU_KEY: 'k3y' },
    );
    const { sink, sources } = await run({ config, dataRoot: root });
    await until(() => sink.of('pws').length >= 2, 'two polls');
    const batch = sink.of('pws')[0]!;
    expect(batch.readings).toEqual([
      { pws_id: 'KNYA1', temp_f: 41.2, obs_time_ms: (Math.floor(now / 1000) - 60) * 1000 },
      { pws_id: 'KNYB2', temp_f: 40.5, obs_time_ms: (Math.floor(now / 1000) - 60) * 1000 },
    ]);
    expect(sink.state('pws')).toMatchObject({ state: 'connected', detail: 'wunderground: 2 reading(s)' });
    await sources.stop();
    const captured = (await captureFiles(join(root, 'raw'))).map((f) => readFileSync(f, 'utf8')).join('');
    expect(captured).toContain('apiKey=REDACTED');
    expect(captured).not.toContain('k3y');
  });

  it('Synoptic: a radius request; a refused token is failing with the reason', async () => {
    const synoptic = await ScriptedHttp.start(({ url }) =>
      url.searchParams.get('token') === 'good'
        ? {
            status: 200,
            body: JSON.stringify({
              SUMMARY: { RESPONSE_CODE: 1 },
              STATION: [{ STID: 'C1234', OBSERVATIONS: { air_temp_value_1: { value: 39.9, date_time: new Date().toISOString() } } }],
            }),
          }
        : { status: 401, body: '{"SUMMARY":{"RESPONSE_CODE":-1,"RESPONSE_MESSAGE":"Invalid token"}}' },
    );
    onCleanup(() => synoptic.stop());
    const base = { provider: 'synoptic' as const, url: synoptic.url('/v2'), token_env: 'SYN', radius_mi: 8 };
    const good = await run({ config: fakeConfig({ pws: base }, {}, { SYN: 'good' }) });
    await until(() => good.sink.of('pws').length > 0, 'a reading');
    expect(good.sink.of('pws')[0]!.readings[0]).toMatchObject({ pws_id: 'C1234', temp_f: 39.9 });
    expect(new URL(synoptic.requests[0]!.url).searchParams.get('radius')).toBe('KLGA,8');
    const bad = await run({ config: fakeConfig({ pws: base }, {}, { SYN: 'bad' }) });
    await until(() => bad.sink.state('pws')?.state === 'failing', 'failing');
    expect(bad.sink.state('pws')!.detail).toMatch(/^synoptic: HTTP 401; retry in/);
  });
});

describe('model ingest endpoint', () => {
  async function endpoint() {
    const r = await run({ config: fakeConfig({ ingest: { port: 0, token_env: 'INGEST_TOKEN' } }, {}, { INGEST_TOKEN: 's3cret' }) });
    return { ...r, url: `ws://127.0.0.1:${r.sources.ingestPort}/` };
  }

  function client(url: string, token: string | null): Promise<{ ws: WebSocket; replies: unknown[] } | { refused: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, token === null ? {} : { headers: { Authorization: `Bearer ${token}` } });
      const replies: unknown[] = [];
      ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
      ws.on('open', () => resolve({ ws, replies }));
      ws.on('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
      ws.on('error', reject);
      onCleanup(() => ws.terminate());
    });
  }

  it('listens on 127.0.0.1 only and refuses a missing or wrong token', async () => {
    const { url, sources } = await endpoint();
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(sources.statuses().find((s) => s.source === 'ingest')).toMatchObject({ state: 'connected', detail: expect.stringMatching(/^listening on 127\.0\.0\.1:\d+, 0 client\(s\)$/) });
    expect(await client(url, null)).toEqual({ refused: 401 });
    expect(await client(url, 's3cre')).toEqual({ refused: 401 });
    expect(await client(url, 's3cret-and-more')).toEqual({ refused: 401 });
  });

  it('acks each valid message, names the field of an invalid one (quarantined), and a bad frame closes only its client', async () => {
    const { url, sink } = await endpoint();
    const a = (await client(url, 's3cret')) as { ws: WebSocket; replies: unknown[] };
    const b = (await client(url, 's3cret')) as { ws: WebSocket; replies: unknown[] };
    a.ws.send(JSON.stringify({ id: 'n1', ...NOWCAST_MESSAGE }));
    a.ws.send(JSON.stringify({ id: 'n2', ...NOWCAST_MESSAGE, p_bucket: [{ bucket: '36-37°F', p: 0.6 }] }));
    a.ws.send(JSON.stringify({ id: 'f1', ...FEATURES_MESSAGE }));
    await until(() => a.replies.length === 3, 'three replies');
    expect(a.replies).toEqual([
      { type: 'ack', id: 'n1' },
      { type: 'error', id: 'n2', field: 'p_bucket', message: expect.stringMatching(/^p_bucket: probabilities must sum to 1/) },
      { type: 'ack', id: 'f1' },
    ]);
    expect(sink.of('nowcast')).toHaveLength(1);
    expect(sink.of('features')[0]!.payload).toMatchObject({ model_run: 'hrrr-2026012916' });
    expect(sink.rejections).toEqual([expect.objectContaining({ source: 'ingest', reason: expect.stringMatching(/^p_bucket/) })]);

    const closed = new Promise<number>((resolve) => b.ws.on('close', (code) => resolve(code)));
    b.ws.send('x'.repeat(2 * 1024 * 1024)); // over the 1 MiB frame limit
    expect(await closed).toBe(1009);
    a.ws.send(JSON.stringify({ id: 'n3', ...NOWCAST_MESSAGE }));
    await until(() => a.replies.length === 4, 'the other client still served');
    expect(a.replies[3]).toEqual({ type: 'ack', id: 'n3' });
  });
});
