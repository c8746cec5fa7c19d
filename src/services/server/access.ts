/**
 * Who may talk to `helios serve`. On a loopback address it is a local server like the browser
 * bridge: requests must name it in Host and come from no page or its own (`sameOriginCheck`), and a
 * token is optional. On any other address a token is required (`Authorization: Bearer <token>`,
 * compared in constant time) and browsers are refused: a request carrying an Origin header comes
 * from a web page, and no page is served here (the app reaches the server from its Node side).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { sameOriginCheck } from '../web/same-origin';

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export interface AccessPolicy {
  /** null: nothing refused (a loopback server without a token); else why the request is refused. */
  refuse(req: IncomingMessage): { status: 401 | 403; reason: string } | null;
}

export function accessPolicy(host: string, port: () => number, token: string | null): AccessPolicy {
  const loopback = isLoopbackHost(host);
  if (!loopback && !token) throw new Error(`a token is required to serve on ${host} (not a loopback address): pass --token-file`);
  const names = host === '::1' ? ['[::1]', 'localhost'] : [...new Set([host === 'localhost' ? '127.0.0.1' : host, 'localhost'])];
  const sameOrigin = sameOriginCheck(names, port);
  const expected = token === null ? null : digest(token);
  return {
    refuse(req) {
      if (loopback && !sameOrigin(req)) return { status: 403, reason: 'forbidden: this server answers requests for its own address only' };
      if (!loopback && req.headers.origin !== undefined) return { status: 403, reason: 'forbidden: browsers connect through the HELIOS Tape app' };
      if (expected !== null && !timingSafeEqual(digest(bearer(req) ?? ''), expected)) {
        return { status: 401, reason: 'unauthorized: a valid token is required (Authorization: Bearer <token>)' };
      }
      return null;
    },
  };
}

function bearer(req: IncomingMessage): string | null {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

/** Equal-length digests, so the comparison's time says nothing about the token. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
