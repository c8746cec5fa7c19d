/**
 * What a worker thread runs, for a worker module that sits next to the code starting it: the
 * TypeScript source in a checkout, or in a build the entry electron.vite.config.ts builds to
 * out/main/<name>.js (next to an entry bundle that contains the caller, or one folder up from a
 * shared chunk in out/main/chunks).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The worker module `name` beside `base` (the caller's import.meta.url), or null when neither exists. */
export function workerModule(base: string, name: string): URL | null {
  const candidates = [`./${name}.ts`, `./${name}.js`, `../${name}.js`].map((p) => new URL(p, base));
  return candidates.find((url) => url.protocol === 'file:' && existsSync(fileURLToPath(url))) ?? null;
}

const sourceBundles = new Map<string, string>();

/**
 * The code to start the worker with (`new Worker(code, { eval: true })`). A build points at the
 * built JS. A source checkout (tests, bench, the CLI under tsx) bundles the TypeScript worker with
 * esbuild once per process: each worker then starts from one script instead of loading and
 * transpiling every module through a TypeScript loader, which cost ~0.4 s and a core per worker.
 */
export function workerCode(url: URL): string {
  if (!url.pathname.endsWith('.ts')) return `import(${JSON.stringify(url.href)});`;
  let bundle = sourceBundles.get(url.href);
  if (bundle === undefined) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    // packages stay external (required from node_modules at run time): DuckDB's native binding cannot be bundled
    const built = esbuild.buildSync({ entryPoints: [fileURLToPath(url)], bundle: true, packages: 'external', platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
    bundle = built.outputFiles[0]!.text;
    sourceBundles.set(url.href, bundle);
  }
  return bundle;
}
