import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../scripts/start.mjs');
let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'helios-start-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A fake `electron` package whose installer (the download) behaves as given. */
async function fakeElectron(name: string, installer: string | null): Promise<string> {
  const dir = join(base, name);
  await mkdir(dir, { recursive: true });
  if (installer !== null) await writeFile(join(dir, 'install.js'), installer);
  return dir;
}

function runStart(electronDir: string, timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = Date.now();
    const env: NodeJS.ProcessEnv = { ...process.env, HELIOS_ELECTRON_DIR: electronDir, HELIOS_ELECTRON_INSTALL_TIMEOUT_MS: String(timeoutMs) };
    delete env.ELECTRON_OVERRIDE_DIST_PATH;
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

function expectOneClearLine(stderr: string) {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^HELIOS Tape: Electron's binary is not installed and could not be fetched \(.+\); run the browser version instead: npm run web$/);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('npm start without the Electron binary', () => {
  it('says so in one line and exits non-zero when the download fails', async () => {
    const dir = await fakeElectron(
      'fails',
      `console.error(new TypeError('fetch failed').stack); process.exit(1);`,
    );
    const r = await runStart(dir, 10_000);
    expect(r.code).toBe(1);
    expectOneClearLine(r.stderr);
    expect(r.stderr).toContain('download failed: TypeError: fetch failed');
  });

  // Without the bound this would hang past vitest's timeout and fail.
  it('does not hang when the download stalls: the attempt is bounded', async () => {
    const dir = await fakeElectron('hangs', `setInterval(() => {}, 1000);`);
    const r = await runStart(dir, 500);
    expect(r.code).toBe(1);
    expectOneClearLine(r.stderr);
    expect(r.stderr).toContain('did not finish within');
  });

  it('treats an installer that "succeeds" without a binary as missing', async () => {
    const dir = await fakeElectron('lies', `process.exit(0);`);
    const r = await runStart(dir, 10_000);
    expect(r.code).toBe(1);
    expectOneClearLine(r.stderr);
  });

  it('says when the electron package itself is absent', async () => {
    const dir = await fakeElectron('absent', null);
    const r = await runStart(dir, 10_000);
    expect(r.code).toBe(1);
    expectOneClearLine(r.stderr);
    expect(r.stderr).toContain('run npm ci');
  });
});
