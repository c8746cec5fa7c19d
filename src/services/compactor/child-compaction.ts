/**
 * Compaction passes in a child process (compact-process.ts), for callers whose own process must
 * stay responsive — the live recorder above all: the child runs at the lowest priority, with
 * bounded validator threads, DuckDB threads and memory, and the caller's event loop only sends one
 * message per pass and receives one.
 *
 * The child's code: in a build the `compact-process` entry (electron.vite.config.ts builds it to
 * out/main/compact-process.js, next to an entry bundle or one folder up from a shared chunk); from
 * a source checkout (tests, bench, the CLI under tsx) the TypeScript entry bundled once per
 * process with esbuild into a temporary file (a child then starts in a fraction of a second instead
 * of loading every module through a TypeScript loader).
 */
import { fork, type ChildProcess } from 'node:child_process';
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

/**
 * A compaction process: passes sent to it run there, one at a time. It starts on the first pass
 * and stays up until closed; if it dies, the passes under way fail and the next one starts a new
 * process.
 */
export class CompactionProcess {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<
    number,
    { options: ChildCompactOptions; onWarning?: (message: string) => void; resolve: (r: CompactDayResult) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;

  constructor(private readonly limits: ChildLimits = {}) {}

  /** Runs one `compactDay` pass in the process; rejects with the same error kinds compactDay throws. */
  compact(options: ChildCompactOptions, onWarning?: (message: string) => void): Promise<CompactDayResult> {
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = this.child ?? this.start();
      } catch (e) {
        reject(e instanceof CompactionError ? e : new CompactionError(`${options.station} ${options.date}: cannot start the compaction process: ${(e as Error).message}`));
        return;
      }
      const id = this.nextId++;
      this.pending.set(id, { options, onWarning, resolve, reject });
      child.send({ type: 'compact', id, options } satisfies ToCompactProcess);
    });
  }

  /** Lets the process finish what it runs and end; resolves when it has. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.disconnect();
    await exited;
  }

  private start(): ChildProcess {
    const { file, env } = entry();
    const child = fork(file, [], {
      cwd: dirname(file),
      // Under Electron, process.execPath is the app: run it as plain Node.
      env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [`--max-old-space-size=${this.limits.maxHeapMb ?? 1024}`],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    child.on('message', (m: FromCompactProcess) => {
      const pass = this.pending.get(m.id);
      if (!pass) return;
      if (m.type === 'warning') return pass.onWarning?.(m.message);
      this.pending.delete(m.id);
      if (m.type === 'done') pass.resolve(m.result);
      else pass.reject(new (m.kind === 'busy' ? DayBusyError : m.kind === 'no-journal' ? NoJournalError : CompactionError)(m.message));
    });
    const fail = (why: string) => {
      if (this.child === child) this.child = null;
      for (const [id, pass] of this.pending) {
        this.pending.delete(id);
        pass.reject(new CompactionError(`${pass.options.station} ${pass.options.date}: the compaction process ${why} before finishing`));
      }
    };
    child.on('error', (e) => fail(`failed (${e.message})`));
    child.on('exit', (code, signal) => fail(`ended (${signal ?? `exit code ${code}`})`));
    return child;
  }
}

/** One pass in a compaction process of its own, which ends with it. */
export async function compactInChildProcess(options: ChildCompactOptions, onWarning?: (message: string) => void): Promise<CompactDayResult> {
  const child = new CompactionProcess();
  try {
    return await child.compact(options, onWarning);
  } finally {
    await child.close();
  }
}
