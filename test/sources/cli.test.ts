/** `helios record --config FILE` and `--source capture:DIR` as a user runs them: real processes, fake upstreams. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureFiles } from '../../src/services/sources/capture/raw-capture';
import { readJournal } from '../recorder/journal-files';
import { cleanupAfterEach, fakeUpstreamsConfigFile, tempDir } from './helpers';

const repo = resolve(__dirname, '../..');
cleanupAfterEach();

function helios(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

describe('helios record --config', () => {
  it('records the configured sources for --for of wall time, exits 0 with a summary naming each source’s state, and its capture plays back', async () => {
    const dir = tempDir();
    const { file: config } = await fakeUpstreamsConfigFile(dir, { port: 0, token_env: 'HELIOS_TEST_TOKEN' });
    const data = join(dir, 'data');
    const r = await helios(['record', '--config', config, '--data', data, '--for', '2.5s'], { HELIOS_TEST_TOKEN: 'x' });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^recorded \d(\.\d)?s of KLGA \(sources .*sources\.json\): \d+ events \(/);
    for (const state of ['gamma=connected', 'clob=connected', 'metar=connected', 'pws=not_configured', 'ingest=connected']) expect(lines[0]).toMatch(new RegExp(`; sources [^;]*\\b${state}\\b`));
    expect(r.stderr).toMatch(/sources: model ingest on ws:\/\/127\.0\.0\.1:\d+\//);
    const events = readJournal(data).flatMap((f) => f.lines.map((l) => JSON.parse(l) as { ch: string; book_ok?: boolean }));
    expect(events.some((e) => e.ch === 'l2_snap_1s' && e.book_ok)).toBe(true);
    expect(events.filter((e) => e.ch === 'metar_obs')).toHaveLength(1);
    expect((await captureFiles(join(data, 'raw'))).length).toBeGreaterThanOrEqual(4);

    const replayed = join(dir, 'replayed');
    const p = await helios(['record', '--source', `capture:${join(data, 'raw')}`, '--data', replayed]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim()).toMatch(/^recorded \d(\.\d)?s of KLGA \(capture .*, \d+ file\(s\)\): \d+ events/);
    const again = readJournal(replayed).flatMap((f) => f.lines.map((l) => JSON.parse(l) as { ch: string }));
    expect(again.filter((e) => e.ch !== 'health').length).toBe(events.filter((e) => e.ch !== 'health').length);
  });

  it('a bad config is one clear line and exit 2', async () => {
    const dir = tempDir();
    const config = join(dir, 'sources.json');
    writeFileSync(config, JSON.stringify({ station: 'KLGA', polymarket: { days_ahead: 9 }, metar: null, pws: null, ingest: null }));
    const r = await helios(['record', '--config', config, '--data', join(dir, 'data')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^helios: .*sources\.json: polymarket\.days_ahead: Too big: expected number to be <=7$/)]);
    const missing = await helios(['record', '--config', join(dir, 'sources.json'), '--source', 'sim', '--data', dir]);
    expect(missing).toMatchObject({ code: 2, stderr: 'helios: --config records the sources it configures: leave out --source\n' });
    const secret = join(dir, 'secret.json');
    writeFileSync(secret, JSON.stringify({ station: 'KLGA', polymarket: null, metar: null, pws: null, ingest: { token_env: 'HELIOS_UNSET_TOKEN' } }));
    const unset = await helios(['record', '--config', secret, '--data', dir]);
    expect(unset).toMatchObject({ code: 2, stderr: expect.stringMatching(/^helios: .*secret\.json: ingest\.token_env: environment variable HELIOS_UNSET_TOKEN is not set\n$/) });
  });
});
