/**
 * Static files of the built renderer. Only files inside `dir` are served (no `..`, no symlink
 * games through encoded paths); unknown paths fall back to index.html so a reload keeps working.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

/** Content types of what the renderer build and the data API serve; anything else is octet-stream. */
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet',
  '.arrow': 'application/vnd.apache.arrow.stream',
};

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The file a URL path names inside `dir`, or null when the path would leave it. */
export function resolveStaticPath(dir: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const root = resolve(dir);
  const file = resolve(root, '.' + (decoded.endsWith('/') ? decoded + 'index.html' : decoded));
  return file === root || file.startsWith(root + sep) ? file : null;
}

export async function serveStatic(
  dir: string,
  urlPath: string,
  req: IncomingMessage,
  res: ServerResponse,
  pageHeaders: Record<string, string>,
): Promise<void> {
  const file = resolveStaticPath(dir, urlPath);
  if (!file) {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('bad path');
    return;
  }
  let target = file;
  let info = await stat(target).catch(() => null);
  if (!info?.isFile()) {
    // Client-side routes reload into the app; missing assets stay 404s.
    if (extname(file) !== '') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found');
      return;
    }
    target = resolve(dir, 'index.html');
    info = await stat(target).catch(() => null);
    if (!info?.isFile()) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`the renderer is not built (no ${target}); run npm run build`);
      return;
    }
  }
  const isPage = target.endsWith('.html');
  res.writeHead(200, {
    'Content-Type': mimeType(target),
    'Content-Length': info.size,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    // Hashed asset names can be cached; the page must always be fresh.
    'Cache-Control': isPage ? 'no-store' : 'max-age=3600',
    ...(isPage ? pageHeaders : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // A file removed or unreadable after the stat ends the response early instead of throwing.
  pipeline(createReadStream(target), res, (e) => {
    if (e) res.destroy();
  });
}
