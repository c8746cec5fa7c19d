/** `helios serve --config FILE` as a user runs it: a real process recording fake upstreams, a client on /live. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GROUPS } from '../../src/shared/channels';
import { cleanupAfterEach, fakeUpstreamsConfigFile, onCleanup, tempDir, until } from './helpers';

const repo = resolve(__dirname, '../..');
cleanupAfterEach();

function startServe(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (out.stdout += c));
  child.stderr.on('data', (c: Buffer) => (out.stderr += c));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  onCleanup(() => child.exitCode === null && child.kill('SIGKILL'));
  return { child, out, exited };
}

describe('helios serve --config', () => {
  it('records the real sources of the config and streams them on /live', async () => {
    const dir = tempDir();
    const { listed, file: config } = await fakeUpstreamsConfigFile(dir);
    const serve = startServe(['--config', config, '--data', join(dir, 'data'), '--port', '0']);
    await until(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(serve.out.stdout), `serve to listen (stderr: ${serve.out.stderr})`, 30_000);
    const url = /listening on (http:\/\/\S+)/.exec(serve.out.stdout)![1]!;

    const ws = new WebSocket(`${url.replace('http', 'ws')}/live`);
    onCleanup(() => ws.terminate());
    const received: { ch: string; token_id?: string }[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; events?: { ch: string; token_id?: string }[] };
      if (m.type === 'events' || m.type === 'backfill') received.push(...m.events!);
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'subscribe', groups: GROUPS }));
    const venueTokens = new Set(listed.map((y) => y.token));
    await until(() => received.some((e) => e.ch === 'l2_snap_1s' && venueTokens.has(e.token_id!)) && received.some((e) => e.ch === 'metar_obs'), 'the venue’s books and the METAR on /live', 20_000);
    expect(received.filter((e) => e.ch === 'metar_obs')).toHaveLength(1);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('a bad config is one clear line and exit 2', async () => {
    const dir = tempDir();
    const config = join(dir, 'sources.json');
    writeFileSync(config, JSON.stringify({ station: 'KLGA', polymarket: { days_ahead: 9 }, metar: null, pws: null, ingest: null }));
    const serve = startServe(['--config', config, '--data', join(dir, 'data')]);
    expect(await serve.exited).toBe(2);
    expect(serve.out.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^helios: serve: .*sources\.json: polymarket\.days_ahead: Too big/)]);
  });
});
