/**
 * The renderer is served from `app://helios/…`, a privileged standard scheme, never from file://:
 * it gets a real origin (so CSP 'self', module workers, fetch and WebAssembly streaming work) and
 * reads nothing outside the built renderer folder. Pure functions over Fetch API Request/Response,
 * so they are tested under Node without Electron.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { CustomScheme } from 'electron';
import { parseByteRange } from '../services/http';
import { mimeType } from '../services/web/static-files';
import { CONTENT_SECURITY_POLICY } from './csp';

export const APP_SCHEME = 'app';
export const APP_HOST = 'helios';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Must be registered before `ready`. */
export function privilegedSchemes(): CustomScheme[] {
  return [
    {
      scheme: APP_SCHEME,
      privileges: {
        standard: true, // real origin, relative URLs, CSP 'self'
        secure: true, // secure context: module workers, crypto.subtle, wasm streaming
        supportFetchAPI: true, // fetch() of wasm and worker assets
        stream: true, // streamed responses (large wasm)
        codeCache: true,
        // never: bypassCSP, corsEnabled for others, allowServiceWorkers
      },
    },
  ];
}

/** Headers on every response of the app scheme. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}

/**
 * The file under `rootDir` a request URL names, or null when it names nothing we serve: another
 * scheme or host, a NUL byte, an undecodable escape, or a path that would leave the folder.
 */
export function resolveAppPath(rootDir: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const root = resolve(rootDir);
  const file = resolve(root, '.' + pathname);
  return file.startsWith(root + sep) ? file : null;
}

export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const headers = securityHeaders();
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('method not allowed', { status: 405, headers: { ...headers, Allow: 'GET, HEAD' } });
    }
    const file = resolveAppPath(rendererDir, request.url);
    if (!file) return new Response('not found', { status: 404, headers });
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) return new Response('not found', { status: 404, headers });
      size = info.size;
    } catch {
      return new Response('not found', { status: 404, headers });
    }
    const base = { ...headers, 'Content-Type': mimeType(file), 'Accept-Ranges': 'bytes' };
    const range = parseByteRange(request.headers.get('Range'), size);
    if (range === 'malformed' || range === 'unsatisfiable') {
      return new Response(null, { status: 416, headers: { ...base, 'Content-Range': `bytes */${size}` } });
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const length = size === 0 ? 0 : end - start + 1;
    const responseHeaders: Record<string, string> = { ...base, 'Content-Length': String(length) };
    if (range) responseHeaders['Content-Range'] = `bytes ${start}-${end}/${size}`;
    const body =
      request.method === 'HEAD' || length === 0
        ? null
        : (Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream<Uint8Array>);
    return new Response(body, { status: range ? 206 : 200, headers: responseHeaders });
  };
}
