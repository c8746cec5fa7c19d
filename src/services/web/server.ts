/**
 * The browser bridge: serves the built renderer and implements HeliosApi over HTTP + WebSocket on
 * 127.0.0.1, so the real renderer runs in any browser (`npm run web`, the end-to-end tests).
 *
 *   GET  /…             the built renderer (out/renderer), with a strict CSP
 *   POST /api/<op>      a HeliosApi data operation; body = the JSON argument tuple
 *   POST /api/saveSnapshot?name=N   body = the snapshot file's text, streamed to <data>/exports/
 *   WS   /live          the live protocol (src/shared/protocol.ts) from a LiveFeed
 *
 * Loopback only, and requests must name this server in Host (and Origin when a browser sends one),
 * so another web page cannot reach the bridge through DNS rebinding or cross-site requests.
 *
 * Faults stay with the client that caused them. The process may be recording live (`npm run web`),
 * so every socket and stream has an error path: a malformed WebSocket frame closes that client
 * with the close code `ws` chose (1002, 1007, 1009) and nothing else, and request bodies are capped
 * before they are read and held under one memory budget (request-body.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_EXPORT_BYTES, MAX_SNAPSHOT_BYTES } from '../../shared/api';
import { decodeClientMessage, encodeMessage, type ServerMessage } from '../../shared/protocol';
import { ApiArgsError } from '../api-data';
import type { LiveFeed } from '../live-feed';
import { createLiveBatcher } from '../live-batcher';
import { sendJson } from '../http';
import { isBridgeOperation, type BridgeApi } from './bridge-api';
import { sameOriginCheck } from './same-origin';
import { BodyIncompleteError, BodyNotTextError, BodyTooLargeError, ByteBudget, declaredLength, limitedBytes, limitedText, readBody } from './request-body';
import { serveStatic } from './static-files';

export const BRIDGE_HOST = '127.0.0.1';
/** Largest JSON argument body of a data operation (they are a few hundred bytes). */
export const MAX_ARGS_BYTES = 1024 * 1024;
/**
 * Argument bodies held in memory at once, across all requests; others wait unread. Snapshot
 * exports (up to MAX_SNAPSHOT_BYTES) are not held: they stream to their file.
 */
const ARGS_BUDGET_BYTES = 16 * MAX_ARGS_BYTES;
/** Largest WebSocket message a live client may send (it only ever sends `subscribe`). */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;
/** A live client further behind than this is disconnected rather than buffered without bound. */
const MAX_WS_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface WebServerOptions {
  api: BridgeApi;
  /** Folder of the built renderer (index.html + assets). */
  staticDir: string;
  /** 0 picks a free port. */
  port: number;
  /** The live stream of the current data source (none while it records nothing). */
  liveFeed: () => LiveFeed | null;
  /** Where client faults and socket errors go (default: console.warn, once a second per kind). */
  log?: (message: string) => void;
}

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://${BRIDGE_HOST}:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  let port = options.port;
  const log = options.log ?? rateLimitedWarn();
  const bodies = new ByteBudget(ARGS_BUDGET_BYTES);
  const sameOrigin = sameOriginCheck([BRIDGE_HOST, 'localhost'], () => port);

  const server: Server = createServer((req, res) => {
    res.on('error', (e) => log(`response: ${e.message}`));
    if (!sameOrigin(req)) return sendText(res, 403, 'forbidden: this bridge only answers its own page on 127.0.0.1');
    const url = new URL(req.url ?? '/', `http://${BRIDGE_HOST}:${port}`);
    if (url.pathname.startsWith('/api/')) {
      void handleApi(options.api, bodies, url, req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
    serveStatic(options.staticDir, url.pathname, req, res, { 'Content-Security-Policy': contentSecurityPolicy(port) }).catch((e: unknown) => {
      log(`static file: ${(e as Error).message}`);
      if (!res.headersSent) sendText(res, 500, 'could not read the file');
      else res.destroy();
    });
  });
  // Once listening, errors of the listening socket (EMFILE on accept, …) are reported, not thrown.
  server.on('error', (e) => log(`server: ${e.message}`));

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  wss.on('error', (e) => log(`websocket server: ${e.message}`));
  server.on('upgrade', (req, socket, head) => {
    // The HTTP server no longer watches a socket it handed over for an upgrade.
    socket.on('error', (e) => log(`upgrade socket: ${e.message}`));
    const path = new URL(req.url ?? '/', `http://${BRIDGE_HOST}`).pathname;
    if (path !== '/live' || !sameOrigin(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveLive(ws, options.liveFeed, log));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, BRIDGE_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${BRIDGE_HOST}:${port}/`,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handleApi(api: BridgeApi, bodies: ByteBudget, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const op = url.pathname.slice('/api/'.length);
  let release: (() => void) | null = null;
  try {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' });
    if (!isBridgeOperation(op)) return sendJson(res, 404, { error: `unknown operation ${JSON.stringify(op)}` });
    if (op === 'saveSnapshot') {
      return sendJson(res, 200, await api.saveSnapshot(url.searchParams.get('name'), limitedText(req, MAX_SNAPSHOT_BYTES)));
    }
    if (op === 'saveExport') {
      let files: unknown;
      try {
        files = JSON.parse(url.searchParams.get('files') ?? 'null');
      } catch {
        return sendJson(res, 400, { error: 'saveExport: files is not JSON' });
      }
      const query = { name: url.searchParams.get('name'), files };
      return sendJson(res, 200, await api.saveExport(query, limitedBytes(req, MAX_EXPORT_BYTES)));
    }
    const declared = declaredLength(req);
    if (declared !== null && declared > MAX_ARGS_BYTES) throw new BodyTooLargeError(MAX_ARGS_BYTES);
    // Held until the answer is sent: the body and the parsed arguments live that long.
    release = await bodies.reserve(declared ?? MAX_ARGS_BYTES);
    const text = (await readBody(req, MAX_ARGS_BYTES)).toString('utf8');
    let args: unknown;
    try {
      args = text.length === 0 ? [] : JSON.parse(text);
    } catch {
      return sendJson(res, 400, { error: `${op}: body is not JSON` });
    }
    const result = await api.call(op, args);
    if (result instanceof Uint8Array) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': result.byteLength, 'Cache-Control': 'no-store' });
      res.end(result);
      return;
    }
    sendJson(res, 200, result);
  } catch (e) {
    if (e instanceof ApiArgsError) return sendJson(res, 400, { error: e.message });
    if (e instanceof BodyNotTextError) return sendJson(res, 400, { error: `${op}: ${e.message}` });
    if (e instanceof BodyTooLargeError) {
      req.resume(); // the rest of the body is discarded, so the client reads this answer instead of a reset
      return sendJson(res, 413, { error: `${op}: ${e.message}`, limit_bytes: e.limit });
    }
    if (e instanceof BodyIncompleteError) return void res.destroy();
    // Missing days/files and refused paths arrive here too, with a message meant for the user.
    sendJson(res, 500, { error: `${op}: ${(e as Error).message}` });
  } finally {
    if (release) {
      if (res.writableFinished || res.destroyed) release();
      else res.once('close', release);
    }
  }
}

/** One live subscriber: waits for its `subscribe`, then forwards the feed until either side leaves. */
function serveLive(ws: WebSocket, liveFeed: () => LiveFeed | null, log: (message: string) => void): void {
  let unsubscribe: (() => void) | null = null;
  const send = (message: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_WS_BUFFERED_BYTES) {
      ws.close(1013, 'client too slow: live stream dropped');
      return;
    }
    ws.send(encodeMessage(message));
  };
  // Coalesced to the frame budget: consecutive `events` messages travel as one.
  const batcher = createLiveBatcher({ send: (messages) => messages.forEach(send) });
  // A protocol violation (oversized, unmasked, invalid UTF-8, reserved bit or opcode, bad close
  // code, impossible length): ws has sent its close code and closes the socket; 'close' follows.
  ws.on('error', (e) => log(`live client dropped: ${e.message}`));
  ws.on('message', (data, isBinary) => {
    let message;
    try {
      if (isBinary) throw new Error('expected a text message');
      message = decodeClientMessage(String(data));
    } catch (e) {
      send({ type: 'error', message: `bad client message: ${(e as Error).message.slice(0, 500)}` });
      return;
    }
    if (message.type !== 'subscribe') {
      send({ type: 'error', message: `live mode has no playback control (got ${message.type})` });
      return;
    }
    const feed = liveFeed();
    if (!feed) {
      send({ type: 'error', message: 'no live source is recording in this bridge' });
      return;
    }
    try {
      unsubscribe?.();
      unsubscribe = feed.subscribe(message.groups, (m) => batcher.push(m));
    } catch (e) {
      log(`live subscription failed: ${(e as Error).message}`);
      ws.close(1011, 'could not subscribe');
    }
  });
  ws.on('close', () => {
    unsubscribe?.();
    batcher.close();
  });
}

/** console.warn, at most once a second per kind of message, so a misbehaving client cannot flood the log. */
function rateLimitedWarn(): (message: string) => void {
  const last = new Map<string, number>();
  return (message) => {
    const kind = message.replace(/:.*$/s, '');
    const now = Date.now();
    if (now - (last.get(kind) ?? -Infinity) < 1000) return;
    last.set(kind, now);
    console.warn(`helios web: ${message}`);
  };
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
