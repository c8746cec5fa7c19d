/** What the app's HTTP servers (helios serve, the browser bridge, Electron's app:// handler) share. */
import type { ServerResponse } from 'node:http';

export interface ByteRange {
  /** First byte. */
  start: number;
  /** Last byte (inclusive). */
  end: number;
}

/**
 * `Range: bytes=a-b | a- | -n` (one range) against a file of `size` bytes: the bytes to send; null
 * without a header; 'malformed' for one of another form (several ranges, other units), which a
 * server may answer with the whole file (RFC 9110); 'unsatisfiable' when it asks for nothing
 * inside the file.
 */
export function parseByteRange(header: string | null | undefined, size: number): ByteRange | null | 'malformed' | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'malformed';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}
