/**
 * One compaction pass in a child process (compact-process.ts), for callers whose own process must
 * stay responsive — the live recorder above all: the child runs at the lowest priority, with
 * bounded validator threads, DuckDB threads and memory, and the caller's event loop only sends one
 * message and receives one.
 *
 * The child's code: in a build the `compact-process` entry (electron.vite.config.ts builds it to
 * out/main/compact-process.js, next to an entry bundle or one folder up from a shared chunk); from
 * a source checkout (tests, bench, the CLI under tsx) the TypeScript entry bundled once per
 * process with esbuild into a temporary file (a child then starts in a fraction of a second instead
 * of loading every module through a TypeScript loader).
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompactDayResult } from './compact-day';
import type { ChildCompactOptions, FromCompactProcess, ToCompactProcess } from './compact-process';
import { CompactionError, DayBusyError, NoJournalError } from './errors';

export type { ChildCompactOptions } from './compact-process';

export interface ChildLimits {
  /** V8 heap limit of the child, in MB (default 1024). */
  maxHeapMb?: number;
  onWarning?: (message: string) => void;
}

/** Bounds for a compaction beside a live recorder: one validator thread, two DuckDB threads, 1 GB for DuckDB. */
export const CHILD_DEFAULTS = { threads: 1, engine: { threads: 2, memoryLimit: '1GB' } } as const;

interface Entry {
  file: string;
  env: NodeJS.ProcessEnv;
}

let sourceEntry: Entry | undefined;

function entry(): Entry {
  const here = import.meta.url;
  const built = ['./compact-process.js', '../compact-process.js'].map((p) => new URL(p, here)).find((u) => u.protocol === 'file:' && existsSync(fileURLToPath(u)));
  if (built) return { file: fileURLToPath(built), env: {} };
  const source = new URL('./compact-process.ts', here);
  if (source.protocol !== 'file:' || !existsSync(fileURLToPath(source))) throw new CompactionError('the compaction process entry (compact-process) is missing from this build');
  if (!sourceEntry) {
    const require = createRequire(here);
    const esbuild = require('esbuild') as typeof import('esbuild');
    const dir = mkdtempSync(join(tmpdir(), 'helios-compact-process-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'compact-process.cjs');
    esbuild.buildSync({
      entryPoints: [fileURLToPath(source)],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
      // Native and build-time packages are loaded from the project's node_modules (NODE_PATH).
      external: ['@duckdb/node-api', 'esbuild'],
      // The compactor finds its validator worker relative to its own source folder.
      define: { 'import.meta.url': JSON.stringify(source.href) },
    });
    const duckdb = require.resolve('@duckdb/node-api');
    const nodeModules = duckdb.slice(0, duckdb.lastIndexOf(`${sep}node_modules${sep}`) + `${sep}node_modules`.length);
    sourceEntry = { file, env: { NODE_PATH: [nodeModules, process.env.NODE_PATH].filter(Boolean).join(process.platform === 'win32' ? ';' : ':') } };
  }
  return sourceEntry;
}

/** Runs one `compactDay` pass in a child process; rejects with the same error kinds compactDay throws. */
export function compactInChildProcess(options: ChildCompactOptions, limits: ChildLimits = {}): Promise<CompactDayResult> {
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof fork>;
    try {
      const { file, env } = entry();
      child = fork(file, [], {
        cwd: dirname(file),
        // Under Electron, process.execPath is the app: run it as plain Node.
        env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' },
        execArgv: [`--max-old-space-size=${limits.maxHeapMb ?? 1024}`],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
    } catch (e) {
      reject(e instanceof CompactionError ? e : new CompactionError(`${options.station} ${options.date}: cannot start the compaction process: ${(e as Error).message}`));
      return;
    }
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    child.on('message', (m: FromCompactProcess) => {
      if (m.type === 'warning') limits.onWarning?.(m.message);
      else if (m.type === 'done') settle(() => resolve(m.result));
      else {
        const Kind = m.kind === 'busy' ? DayBusyError : m.kind === 'no-journal' ? NoJournalError : CompactionError;
        settle(() => reject(new Kind(m.message)));
      }
    });
    child.on('error', (e) => settle(() => reject(new CompactionError(`${options.station} ${options.date}: the compaction process failed: ${e.message}`))));
    child.on('exit', (code, signal) =>
      settle(() => reject(new CompactionError(`${options.station} ${options.date}: the compaction process ended (${signal ?? `exit code ${code}`}) before finishing`))),
    );
    child.send({ type: 'compact', options } satisfies ToCompactProcess);
  });
}
