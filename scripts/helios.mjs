#!/usr/bin/env node
// `npm run -s helios -- <command>`: the CLI run from a JavaScript bundle of src/cli (out/cli/),
// built with esbuild whenever a source under src/ is newer than it. Started through a TypeScript
// loader instead, every process holds the loader and each module's transpiled text: `helios serve`,
// which runs for days, was ~50 MB larger idle (184 vs 134 MB RSS). Packages stay in node_modules
// (DuckDB's native binding cannot be bundled); the compactor's validator thread, the window
// sweep's thread and the compaction process get their own entries, which the services find beside
// the bundle (worker-script.ts, child-compaction.ts), as in the desktop build.
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'out', 'cli');
const entries = {
  main: 'src/cli/main.ts',
  'validate-worker': 'src/services/compactor/validate-worker.ts',
  'compact-process': 'src/services/compactor/compact-process.ts',
  'sweep-worker': 'src/services/sweep/sweep-worker.ts',
};

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(join(outDir, 'main.js')).mtimeMs;
  } catch {
    return -1;
  }
}

async function build() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked', // stack traces name the sources with NODE_OPTIONS=--enable-source-maps
    write: false,
    logLevel: 'error',
  });
  mkdirSync(outDir, { recursive: true });
  // each file written aside and renamed: a CLI started meanwhile reads whole files, old or new;
  // main.js last, since its time says when the bundle was built
  const isMain = (file) => file.path === join(outDir, 'main.js');
  for (const file of [...result.outputFiles.filter((f) => !isMain(f)), ...result.outputFiles.filter(isMain)]) {
    const aside = `${file.path}.${process.pid}.tmp`;
    writeFileSync(aside, file.contents);
    renameSync(aside, file.path);
  }
}

if (builtAt() < newestSource(join(root, 'src'))) await build();
await import(pathToFileURL(join(outDir, 'main.js')).href);
