/**
 * The browser bridge: serves the built renderer and implements HeliosApi over HTTP + WebSocket on
 * 127.0.0.1, so the real renderer runs in any browser (`npm run web`, the end-to-end tests).
 *
 *   GET  /…             the built renderer (out/renderer), with a strict CSP
 *   POST /api/<op>      a HeliosApi data operation; body = the JSON argument tuple
 *   WS   /live          the live protocol (src/shared/protocol.ts) from a LiveFeed
 *
 * Loopback only, and requests must name this server in Host (and Origin when a browser sends one),
 * so another web page cannot reach the bridge through DNS rebinding or cross-site requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeClientMessage, encodeMessage, type ServerMessage } from '../../shared/protocol';
import { ApiArgsError } from '../api-data';
import type { LiveFeed } from '../live-feed';
import { createLiveBatcher } from '../live-batcher';
import { isBridgeOperation, type BridgeApi } from './bridge-api';
import { sameOriginCheck } from './same-origin';
import { serveStatic } from './static-files';

export const BRIDGE_HOST = '127.0.0.1';
/** Largest accepted request body (a snapshot export is the only big one). */
const MAX_BODY_BYTES = 256 * 1024 * 1024;
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
  const sameOrigin = sameOriginCheck([BRIDGE_HOST, 'localhost'], () => port);

  const server: Server = createServer((req, res) => {
    if (!sameOrigin(req)) return sendText(res, 403, 'forbidden: this bridge only answers its own page on 127.0.0.1');
    const url = new URL(req.url ?? '/', `http://${BRIDGE_HOST}:${port}`);
    if (url.pathname.startsWith('/api/')) {
      void handleApi(options.api, url.pathname.slice('/api/'.length), req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
    void serveStatic(options.staticDir, url.pathname, req, res, { 'Content-Security-Policy': contentSecurityPolicy(port) });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', `http://${BRIDGE_HOST}`).pathname;
    if (path !== '/live' || !sameOrigin(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveLive(ws, options.liveFeed));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, BRIDGE_HOST, () => resolve());
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

async function handleApi(api: BridgeApi, op: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' });
    if (!isBridgeOperation(op)) return sendJson(res, 404, { error: `unknown operation ${JSON.stringify(op)}` });
    const body = await readBody(req);
    let args: unknown;
    try {
      args = body.length === 0 ? [] : JSON.parse(body);
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
    if (e instanceof BodyTooLargeError) return sendJson(res, 413, { error: e.message });
    // Missing days/files and refused paths arrive here too, with a message meant for the user.
    sendJson(res, 500, { error: `${op}: ${(e as Error).message}` });
  }
}

/** One live subscriber: waits for its `subscribe`, then forwards the feed until either side leaves. */
function serveLive(ws: WebSocket, liveFeed: () => LiveFeed | null): void {
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
  ws.on('message', (data) => {
    let message;
    try {
      message = decodeClientMessage(String(data));
    } catch (e) {
      send({ type: 'error', message: `bad client message: ${(e as Error).message}` });
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
    unsubscribe?.();
    unsubscribe = feed.subscribe(message.groups, (m) => batcher.push(m));
  });
  ws.on('close', () => {
    unsubscribe?.();
    batcher.close();
  });
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
