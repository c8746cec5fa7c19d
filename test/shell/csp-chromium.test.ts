/**
 * The app:// handler's headers in a real Chromium: the built renderer, a module worker, a blob
 * worker and streaming WebAssembly must work under the CSP, while eval, inline script and any remote
 * request must be blocked. Chromium cannot load Electron's app:// scheme, so a loopback HTTP server
 * forwards each request to the same handler and copies its status, headers and body unchanged
 * (CSP 'self' means the same thing on either origin).
 */
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, createAppProtocolHandler } from '../../src/main/app-scheme';

// (module (func (export "answer") (result i32) i32.const 42))
const WASM = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07,
  0x0a, 0x01, 0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b,
]);

const FAKE_HELIOS = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.helios = {
    getInfo: async () => ({ version: '0', shell: 'electron', data_root: '/data', live_available: false, live_station_id: null }),
    listDays: async () => [],
    readManifest: async () => { throw new Error('no day'); },
    readParquet: async () => { throw new Error('no day'); },
    saveSnapshot: async () => ({ saved: false, path: null }),
    openSnapshot: async () => null,
    chooseDataRoot: async () => null,
    getSources: async () => ({ choice: { kind: 'simulator' }, secrets_stored: [], secret_storage: 'nowhere', can_store_secrets: false, live: null }),
    setSources: async () => { throw new Error('not here'); },
    subscribeLive: (_groups, listener) => { listener({ type: 'error', message: 'not recording' }); return () => {}; },
    onMenuCommand: () => () => {},
  };`;

let dir: string;
let server: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helios-csp-'));
  await cp(join(import.meta.dirname, '../../out/renderer'), dir, { recursive: true });
  await writeFile(join(dir, 'probe.wasm'), WASM);
  await writeFile(join(dir, 'probe-worker.mjs'), `import { x } from './probe-dep.mjs'; self.onmessage = () => self.postMessage(x);`);
  await writeFile(join(dir, 'probe-dep.mjs'), `export const x = 'module worker ok';`);
  const handler = createAppProtocolHandler(dir);
  server = createServer(async (req, res) => {
    const response = await handler(new Request(`${APP_ORIGIN}${req.url}`, { method: req.method, headers: req.headers as Record<string, string> }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('renderer under the app:// CSP in Chromium', () => {
  it('renders the built UI with no CSP violation and no page error', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(FAKE_HELIOS);
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => (document.getElementById('root')?.childElementCount ?? 0) > 0);
    await page.waitForTimeout(300); // let effects run (their requests would show up as violations)
    const violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
    // zod 4 probes once whether it may JIT-compile parsers (`new Function("")` in a try/catch) and
    // falls back when refused: the only violation tolerated; eval itself stays blocked (test below).
    expect(violations.filter((v) => v !== 'script-src eval')).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('allows what DuckDB-WASM needs: module workers, blob workers, streaming wasm', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/index.html`);
    const result = await page.evaluate(async () => {
      const moduleWorker = await new Promise<string>((resolve, reject) => {
        const w = new Worker('/probe-worker.mjs', { type: 'module' });
        w.onmessage = (e) => resolve(String(e.data));
        w.onerror = () => reject(new Error('module worker failed'));
        w.postMessage(null);
      });
      const blobWorker = await new Promise<string>((resolve, reject) => {
        const url = URL.createObjectURL(new Blob(['self.onmessage = () => self.postMessage("blob worker ok")'], { type: 'text/javascript' }));
        const w = new Worker(url);
        w.onmessage = (e) => resolve(String(e.data));
        w.onerror = () => reject(new Error('blob worker failed'));
        w.postMessage(null);
      });
      const { instance } = await WebAssembly.instantiateStreaming(fetch('/probe.wasm'));
      return { moduleWorker, blobWorker, wasm: (instance.exports.answer as () => number)() };
    });
    expect(result).toEqual({ moduleWorker: 'module worker ok', blobWorker: 'blob worker ok', wasm: 42 });
    await page.close();
  });

  it("boots the renderer's own DuckDB-WASM worker and wasm, and compiles parquet-wasm, with no violation", async () => {
    const assets = await readdir(join(dir, 'assets'));
    const find = (re: RegExp) => {
      const name = assets.find((a) => re.test(a));
      if (!name) throw new Error(`no ${re} in out/renderer/assets (has the replay engine moved?)`);
      return `/assets/${name}`;
    };
    const worker = find(/^duckdb-browser-eh\.worker.*\.js$/);
    const wasm = find(/^duckdb-eh.*\.wasm$/);
    const parquet = find(/^parquet_wasm_bg.*\.wasm$/);
    const page = await browser.newPage();
    await page.addInitScript(FAKE_HELIOS);
    await page.goto(`${origin}/index.html`);
    const result = await page.evaluate(
      async ({ worker, wasm, parquet }) => {
        // DuckDB-WASM's worker protocol, as AsyncDuckDB speaks it: INSTANTIATE, then GET_VERSION
        const w = new Worker(worker);
        let next = 1;
        const call = (type: string, data: unknown) =>
          new Promise<{ type: string; data: unknown }>((resolve, reject) => {
            const messageId = next++;
            const onMessage = (e: MessageEvent) => {
              if (e.data?.requestId !== messageId || e.data.type === 'INSTANTIATE_PROGRESS') return;
              w.removeEventListener('message', onMessage);
              resolve(e.data);
            };
            w.addEventListener('message', onMessage);
            w.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
            w.postMessage({ messageId, type, data });
          });
        const instantiated = await call('INSTANTIATE', [new URL(wasm, location.href).href, null]);
        const version = await call('GET_VERSION', null);
        w.terminate();
        const module = await WebAssembly.compileStreaming(fetch(parquet));
        return { instantiated: instantiated.type, version: version.data, parquetExports: WebAssembly.Module.exports(module).length > 0 };
      },
      { worker, wasm, parquet },
    );
    expect(result).toEqual({ instantiated: 'OK', version: expect.stringMatching(/^v\d+\.\d+/), parquetExports: true });
    const violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
    expect(violations.filter((v) => v !== 'script-src eval')).toEqual([]);
    await page.close();
  });

  it('blocks eval, inline script, remote fetches and remote scripts', async () => {
    const page = await browser.newPage();
    await page.addInitScript(FAKE_HELIOS);
    await page.goto(`${origin}/index.html`);
    const result = await page.evaluate(async () => {
      const attempt = async (f: () => unknown) => {
        try {
          await f();
          return 'allowed';
        } catch {
          return 'blocked';
        }
      };
      const inline = await new Promise<string>((resolve) => {
        (window as unknown as { __inline?: boolean }).__inline = false;
        const s = document.createElement('script');
        s.textContent = 'window.__inline = true';
        document.body.appendChild(s);
        setTimeout(() => resolve((window as unknown as { __inline: boolean }).__inline ? 'allowed' : 'blocked'), 50);
      });
      const remoteScript = await new Promise<string>((resolve) => {
        const s = document.createElement('script');
        s.src = 'https://cdn.jsdelivr.net/npm/@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js';
        s.onload = () => resolve('allowed');
        s.onerror = () => resolve('blocked');
        document.body.appendChild(s);
      });
      return {
        eval: await attempt(() => eval('1 + 1')),
        newFunction: await attempt(() => new Function('return 1')()),
        remoteFetch: await attempt(() => fetch('https://example.com/')),
        loopbackFetch: await attempt(() => fetch('http://127.0.0.1:9/')),
        inline,
        remoteScript,
      };
    });
    expect(result).toEqual({
      eval: 'blocked',
      newFunction: 'blocked',
      remoteFetch: 'blocked',
      loopbackFetch: 'blocked',
      inline: 'blocked',
      remoteScript: 'blocked',
    });
    const violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
    expect(violations.some((v) => v.startsWith('script-src'))).toBe(true);
    expect(violations.some((v) => v.startsWith('connect-src'))).toBe(true);
    await page.close();
  });
});
