/**
 * `npm run -s helios` runs the CLI from a bundle (scripts/helios.mjs → out/cli/): a user's commands
 * work end to end from it (record, compact with its validator thread, serve), and a bundle older
 * than the sources is built again before it runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '../..');
const bundle = join(repo, 'out', 'cli', 'main.js');
const helios = (...args: string[]) => spawnSync(process.execPath, ['scripts/helios.mjs', ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'helios-launcher-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the CLI launcher', () => {
  it('builds the bundle again when it is older than the sources, then runs the command', () => {
    helios('help');
    utimesSync(bundle, new Date(0), new Date(0));
    const run = helios('help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/commands:[\s\S]*serve/);
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it('records, compacts and serves a day from the bundle', async () => {
    const recorded = helios('record', '--source', 'sim', '--data', root, '--speed', '60', '--for', '3s');
    expect(recorded.status, recorded.stderr).toBe(0);
    const compacted = helios('compact', '--data', root, '--threads', '1');
    expect(compacted.status, compacted.stderr).toBe(0);
    expect(compacted.stdout).toMatch(/lines → \d+ rows/);

    const serve = spawn(process.execPath, ['scripts/helios.mjs', 'serve', '--data', root, '--port', '0'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let output = '';
        const onData = (d: Buffer) => {
          output += String(d);
          const m = /listening on (http:\/\/\S+)/.exec(output);
          if (m) resolveUrl(m[1]!);
        };
        serve.stdout.on('data', onData);
        serve.stderr.on('data', onData);
        serve.once('exit', (code) => reject(new Error(`serve exited (${code}): ${output}`)));
      });
      const days = (await (await fetch(`${url}/days`)).json()) as { station_id: string; date: string }[];
      expect(days.map((d) => d.station_id)).toEqual(['KLGA']);
    } finally {
      serve.kill('SIGTERM');
    }
  }, 120_000);
});
