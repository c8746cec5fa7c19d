/**
 * Builds the renderer for the browser bridge when its output is missing or older than its sources:
 * a vite build of the `renderer` section of electron.vite.config.ts (the same config the desktop
 * build uses), without building main and preload.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const RENDERER_OUT = join(REPO_ROOT, 'out', 'renderer');
/** What the renderer bundle is built from. */
const SOURCES = ['src/renderer', 'src/shared', 'electron.vite.config.ts', 'package.json'];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/** Why the renderer must be (re)built, or null when out/renderer is current. */
export async function rendererBuildReason(outDir = RENDERER_OUT): Promise<string | null> {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return `${index} is missing`;
  const built = (await stat(index)).mtimeMs;
  let sources = 0;
  for (const s of SOURCES) sources = Math.max(sources, await newestMtime(join(REPO_ROOT, s)));
  return sources > built ? 'sources changed since the last build' : null;
}

export async function buildRenderer(outDir = RENDERER_OUT): Promise<void> {
  const { loadConfigFromFile } = await import('electron-vite');
  const vite = await import('vite');
  const { config } = await loadConfigFromFile({ command: 'build', mode: 'production' }, join(REPO_ROOT, 'electron.vite.config.ts'));
  const renderer = config.renderer;
  if (!renderer || typeof renderer === 'function') throw new Error('electron.vite.config.ts has no static `renderer` section to build');
  // Under vitest NODE_ENV is `test`, and vite would bundle React's development build: a bench run
  // after the tests would then measure that build (it reuses an up-to-date out/renderer).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await vite.build({
      ...(renderer as import('vite').UserConfig),
      configFile: false,
      mode: 'production',
      logLevel: 'warn',
      build: { ...(renderer as import('vite').UserConfig).build, outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/** Build when needed; returns what was done, for the console. */
export async function ensureRendererBuilt(options: { force?: boolean; outDir?: string } = {}): Promise<string> {
  const outDir = options.outDir ?? RENDERER_OUT;
  const reason = options.force ? 'rebuild requested' : await rendererBuildReason(outDir);
  if (!reason) return `renderer: ${outDir} is up to date`;
  const t0 = performance.now();
  await buildRenderer(outDir);
  return `renderer: built ${outDir} (${reason}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
}
