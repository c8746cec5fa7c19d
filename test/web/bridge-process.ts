/** Start test/web/fixtures/bridge-process.ts as a child process and watch it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BridgeProcess {
  child: ChildProcess;
  port: number;
  dataRoot: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  alive(): boolean;
  /** Bytes in the data root's journal files. */
  journalBytes(): number;
  /** Peak resident memory of the process so far (VmHWM), in bytes. */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

export async function startBridgeProcess({ live }: { live: boolean }): Promise<BridgeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'helios-bridge-proc-'));
  const dataRoot = join(dir, 'data');
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir, { recursive: true });
  mkdirSync(dataRoot); // without live recording the bridge only reads: it creates no data folder
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>bridge under test</title>');
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/bridge-process.ts'), dataRoot, staticDir, ...(live ? [] : ['--no-live'])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`bridge process exited (${code}) before it was ready: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    port,
    dataRoot,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    journalBytes: () => treeBytes(join(dataRoot, 'journal')),
    peakRssBytes: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The bytes of every file under `dir` (0 when it does not exist). */
export function treeBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    total += e.isDirectory() ? treeBytes(path) : statSync(path).size;
  }
  return total;
}
