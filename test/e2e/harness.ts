/**
 * End-to-end plumbing: a generated day in a temp data root, `npm run web` (scripts/web.ts) started
 * on a free port against it, and Debian's Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { REPO_ROOT } from '../../src/services/web/renderer-build';

export { chromiumMissing, launchChromium } from '../../scripts/chromium';

export interface WebProcess {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

/** Start `scripts/web.ts` (what `npm run web` runs) and wait for the line with its URL. */
export async function startWeb(dataRoot: string, flags: string[] = []): Promise<WebProcess> {
  // node --import tsx (not the tsx CLI): one process, so SIGTERM reaches web.ts's clean stop.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/web.ts', '--port', '0', '--data', dataRoot, '--no-demo', ...flags], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web server did not start in 90 s:\n${output.join('')}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const m = /HELIOS Tape is at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web server exited (${code}) before starting:\n${output.join('')}`));
    });
  });
  return {
    url,
    output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Native DuckDB over the day's Parquet: the ground truth the UI is checked against. */
export async function openParquet(): Promise<{ conn: DuckDBConnection; rows: (sql: string) => Promise<Record<string, unknown>[]>; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  return {
    conn,
    rows: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[],
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Errors the page logged (console.error / uncaught), for a clear failure instead of a timeout. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.stack ?? e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/**
 * Content-Security-Policy violations the page reports (the `securitypolicyviolation` event, and
 * console messages about the policy), including ones whose exception was caught. Call before the
 * first `goto`.
 */
export async function collectCspViolations(page: Page): Promise<() => Promise<string[]>> {
  const fromConsole: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|unsafe-eval/i.test(m.text())) fromConsole.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline/eval)'} at ${e.sourceFile}:${e.lineNumber}`));
  });
  return async () => [...fromConsole, ...(await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []))];
}

export async function attr(page: Page, testId: string, name: string): Promise<string | null> {
  return page.getByTestId(testId).first().getAttribute(name);
}

export type AttrCondition = { eq: string } | { ne: string | null } | { gt: number } | { lt: number };

/**
 * Wait until `testId`'s attribute meets `condition` (checked in the page every frame; no eval, the
 * page's CSP forbids it).
 */
export async function waitForAttr(page: Page, testId: string, name: string, condition: AttrCondition, timeout = 15_000): Promise<string> {
  try {
    const handle = await page.waitForFunction(
      ({ id, n, c }) => {
        const v = document.querySelector(`[data-testid="${id}"]`)?.getAttribute(n) ?? null;
        if (v === null) return null;
        const ok = 'eq' in c ? v === c.eq : 'ne' in c ? v !== c.ne : 'gt' in c ? Number(v) > c.gt : Number(v) < c.lt;
        return ok ? v : null;
      },
      { id: testId, n: name, c: condition },
      { timeout, polling: 'raf' },
    );
    return (await handle.jsonValue()) as string;
  } catch (e) {
    const now = await attr(page, testId, name).catch(() => null);
    throw new Error(`${testId}[${name}] never met ${JSON.stringify(condition)} (last value ${JSON.stringify(now)}): ${(e as Error).message.split('\n')[0]}`);
  }
}
