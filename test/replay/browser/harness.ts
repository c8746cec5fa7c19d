/**
 * Runs the browser replay engine in Debian Chromium: builds the dev test page with vite (the same
 * bundling as the renderer: DuckDB-WASM and parquet-wasm as local assets), serves it with a
 * minimal data API over a data root on 127.0.0.1, and drives it with playwright-core.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium as launchWithArgs } from '../../../scripts/chromium';
import { build } from 'vite';
import { isChannel } from '../../../src/shared/channels';
import { DataRoot } from '../../../src/services/data-root';
import type { ReplayTestPage } from './test-page/main';

const REPO = resolve(import.meta.dirname, '../../..');
export const PAGE_OUT = join(REPO, 'out', 'replay-test-page');


export async function buildTestPage(): Promise<string> {
  await build({
    configFile: false,
    root: join(REPO, 'test/replay/browser/test-page'),
    base: './',
    logLevel: 'warn',
    build: { outDir: PAGE_OUT, emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  });
  return PAGE_OUT;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
};

export interface ServedPage {
  url: string;
  /** Data-API requests and bytes served so far. */
  stats: { requests: number; bytes: number };
  close(): Promise<void>;
}

export async function servePage(dataRoot: string, pageDir = PAGE_OUT): Promise<ServedPage> {
  const root = new DataRoot(dataRoot);
  const stats = { requests: 0, bytes: 0 };
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const day = { station_id: url.searchParams.get('station_id') ?? '', date: url.searchParams.get('date') ?? '' };
      if (url.pathname === '/test-api/manifest') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await root.readManifest(day)));
        return;
      }
      if (url.pathname === '/test-api/parquet') {
        const ch = url.searchParams.get('ch');
        if (!isChannel(ch)) throw new Error(`unknown channel ${ch}`);
        const number = (name: string) => {
          const v = url.searchParams.get(name);
          return v === null ? undefined : Number(v);
        };
        const bytes = await root.readParquet(day, ch, { part: number('part'), generation: number('generation'), offset: number('offset'), length: number('length') });
        stats.requests++;
        stats.bytes += bytes.length;
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
        return;
      }
      const path = normalize(join(pageDir, url.pathname === '/' ? 'index.html' : url.pathname));
      if (!path.startsWith(pageDir)) throw new Error('outside the page');
      const body = await readFile(path);
      // hashed asset names never change: let the browser cache them (and its compiled wasm code)
      const cache = path.includes('/assets/') ? { 'cache-control': 'public, max-age=31536000, immutable' } : {};
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', ...cache }).end(body);
    } catch (e) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end((e as Error).message);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stats,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Chromium with precise `performance.memory` (the bench reports the page's heap). */
export function launchChromium(): Promise<Browser> {
  return launchWithArgs(['--enable-precise-memory-info']);
}

/** Open the test page and wait until the engine is exposed. */
export async function openTestPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  try {
    await page.waitForFunction(() => 'heliosReplayTest' in window, null, { timeout: 30_000 });
  } catch (e) {
    throw new Error(`test page did not start: ${errors.join(' | ') || (e as Error).message}`);
  }
  return page;
}

/** Call a method of the page's engine and return its (JSON) result. */
export function call<K extends keyof ReplayTestPage>(
  page: Page,
  method: K,
  ...args: Parameters<ReplayTestPage[K]>
): Promise<Awaited<ReturnType<ReplayTestPage[K]>>> {
  return page.evaluate(
    ([m, a]) => {
      const t = (window as unknown as { heliosReplayTest: Record<string, (...x: unknown[]) => unknown> }).heliosReplayTest;
      return t[m as string]!(...(a as unknown[]));
    },
    [method, args] as const,
  ) as Promise<Awaited<ReturnType<ReplayTestPage[K]>>>;
}
