#!/usr/bin/env node
// `npm start`: make sure Electron's binary is there (the electron package downloads it on first use),
// then build and launch the desktop app with `electron-vite preview`. When the binary is missing and
// cannot be fetched (offline, blocked mirror), say so in one line and point to the browser version.
//
// Environment: HELIOS_ELECTRON_DIR (the electron package folder; tests point it at fakes),
// HELIOS_ELECTRON_INSTALL_TIMEOUT_MS (bound on the download attempt, default 180000).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = process.env.HELIOS_ELECTRON_DIR || join(root, 'node_modules', 'electron');
const installTimeoutMs = Number(process.env.HELIOS_ELECTRON_INSTALL_TIMEOUT_MS || 180_000);

/** The executable the electron package would run, or null when it isn't on disk. */
function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const file = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
    return existsSync(file) ? file : null;
  }
  if (!relative) return null;
  const file = join(electronDir, 'dist', relative);
  return existsSync(file) ? file : null;
}

/** Runs the electron package's installer (the download), bounded in time; resolves to a failure reason or null. */
function installElectron() {
  const installer = join(electronDir, 'install.js');
  if (!existsSync(installer)) return Promise.resolve('the electron package is not installed (run npm ci)');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [installer], { cwd: electronDir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(`the download did not finish within ${Math.round(installTimeoutMs / 1000)} s`);
    }, installTimeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(`the installer could not run: ${e.message}`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(null);
      const firstLine = stderr.split('\n').map((l) => l.trim()).find(Boolean);
      resolve(`download failed: ${firstLine || (signal ? `killed by ${signal}` : `exit code ${code}`)}`);
    });
  });
}

async function main() {
  if (!electronBinary()) {
    const reason = await installElectron();
    if (!electronBinary()) {
      console.error(
        `HELIOS Tape: Electron's binary is not installed and could not be fetched (${reason ?? 'installer finished without it'}); run the browser version instead: npm run web`,
      );
      process.exit(1);
    }
  }
  const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const child = spawn(process.execPath, [cli, 'preview', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((e) => {
  console.error(`HELIOS Tape: could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
