import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspDirectives } from '../../src/main/csp';
import { APP_ENTRY_URL, createAppProtocolHandler, privilegedSchemes, resolveAppPath } from '../../src/main/app-scheme';
import { parseByteRange } from '../../src/services/http';

let dir: string;
let outside: string;
let handler: (request: Request) => Promise<Response>;
const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'helios-protocol-'));
  dir = join(base, 'renderer');
  outside = join(base, 'secret.txt');
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>HELIOS Tape</title>');
  await writeFile(join(dir, 'assets', 'index-abc.js'), 'export const x = 1;');
  await writeFile(join(dir, 'assets', 'worker.mjs'), 'self.onmessage = () => {};');
  await writeFile(join(dir, 'assets', 'duckdb-eh.wasm'), WASM);
  await writeFile(join(dir, 'assets', 'style.css'), 'body{}');
  await writeFile(join(dir, 'assets', 'data.bin'), 'x');
  await writeFile(outside, 'top secret');
  handler = createAppProtocolHandler(dir);
});

afterAll(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

const get = (url: string, init?: RequestInit) => handler(new Request(url, init));

describe('app:// scheme registration', () => {
  it('is a standard, secure, fetch- and stream-capable scheme that does not bypass CSP', () => {
    const [scheme] = privilegedSchemes();
    expect(scheme?.scheme).toBe('app');
    expect(scheme?.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true, stream: true });
    expect(scheme?.privileges?.bypassCSP).toBeFalsy();
    expect(scheme?.privileges?.allowServiceWorkers).toBeFalsy();
    expect(scheme?.privileges?.corsEnabled).toBeFalsy();
  });
});

describe('app:// protocol handler', () => {
  it('serves index.html at the entry URL and at /', async () => {
    for (const url of [APP_ENTRY_URL, 'app://helios/']) {
      const res = await get(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('HELIOS Tape');
    }
  });

  it.each([
    ['assets/index-abc.js', 'text/javascript; charset=utf-8'],
    ['assets/worker.mjs', 'text/javascript; charset=utf-8'],
    ['assets/duckdb-eh.wasm', 'application/wasm'],
    ['assets/style.css', 'text/css; charset=utf-8'],
    ['assets/data.bin', 'application/octet-stream'],
  ])('serves %s as %s with nosniff', async (path, mime) => {
    const res = await get(`app://helios/${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(mime);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('streams wasm bytes unchanged (WebAssembly.instantiateStreaming needs the exact bytes and MIME)', async () => {
    const res = await get('app://helios/assets/duckdb-eh.wasm');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(WASM);
    expect(res.headers.get('content-length')).toBe(String(WASM.length));
  });

  it('puts the strict CSP on every response, errors included', async () => {
    for (const url of [APP_ENTRY_URL, 'app://helios/nope.js', 'app://helios/..%2f..%2fetc%2fpasswd']) {
      const csp = (await get(url)).headers.get('content-security-policy');
      expect(csp).toBeTruthy();
      const d = cspDirectives(csp!);
      expect(d.get('default-src')).toEqual(["'none'"]);
      expect(d.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
      expect(d.get('object-src')).toEqual(["'none'"]);
      expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    }
  });

  it.each([
    'app://helios/../secret.txt',
    'app://helios/%2e%2e/secret.txt',
    'app://helios/assets/..%2f..%2fsecret.txt',
    'app://helios/..%5csecret.txt',
    'app://helios/assets%2f..%2f..%2fsecret.txt',
    'app://helios/%00index.html',
    'app://helios/%E0%A4%A',
  ])('refuses path traversal and malformed paths: %s', async (url) => {
    const res = await get(url);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('top secret');
  });

  it('never resolves a path outside the folder, whatever the URL', () => {
    for (const url of ['app://helios/../../etc/passwd', 'app://helios/..%2F..%2Fetc%2Fpasswd', 'app://helios/%2e%2e%2f%2e%2e%2fetc']) {
      const file = resolveAppPath(dir, url);
      expect(file === null || file.startsWith(dir + '/')).toBe(true);
    }
  });

  it('answers only its own host and scheme', async () => {
    expect((await get('app://evil/index.html')).status).toBe(404);
    expect(resolveAppPath(dir, 'file:///etc/passwd')).toBeNull();
    expect(resolveAppPath(dir, 'https://helios/index.html')).toBeNull();
  });

  it('404s directories and missing files', async () => {
    expect((await get('app://helios/assets')).status).toBe(404);
    expect((await get('app://helios/assets/missing.js')).status).toBe(404);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await get(APP_ENTRY_URL, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    const head = await get('app://helios/assets/duckdb-eh.wasm', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('8');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves byte ranges (206) and rejects unsatisfiable ones (416)', async () => {
    const part = await get('app://helios/assets/duckdb-eh.wasm', { headers: { Range: 'bytes=2-5' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-5/8');
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(WASM.slice(2, 6));
    const suffix = await get('app://helios/assets/duckdb-eh.wasm', { headers: { Range: 'bytes=-3' } });
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(WASM.slice(5));
    const bad = await get('app://helios/assets/duckdb-eh.wasm', { headers: { Range: 'bytes=9-' } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */8');
  });

  it('parses ranges like a server should', () => {
    expect(parseByteRange(null, 10)).toBeNull();
    expect(parseByteRange('bytes=0-', 10)).toEqual({ start: 0, end: 9 });
    expect(parseByteRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
    expect(parseByteRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseByteRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=4-2', 10)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=0-1,4-5', 10)).toBe('malformed');
    expect(parseByteRange('items=0-1', 10)).toBe('malformed');
  });
});
