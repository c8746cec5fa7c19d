/**
 * `helios serve`'s network side: HTTP for the day list and the Parquet files (`http-data.ts`) and
 * two WebSocket endpoints speaking `src/shared/protocol.ts`:
 *
 *   WS /live                         hello, backfill (the current state), events as recorded
 *   WS /replay?station=S&date=D      hello + clock; subscribe, play, pause, speed, seek, step
 *
 * Access rules in `access.ts`. Every client has a bounded send queue (`client-socket.ts`); a bad
 * client message gets an `error` naming the field and the connection stays up; a malformed frame
 * closes that client only.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DuckDBInstance } from '@duckdb/node-api';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { decodeClientMessage, encodeMessage, PROTOCOL_VERSION, type ClientMessage } from '../../shared/protocol';
import { describeZodError } from '../../shared/registry';
import { STATION_ID_PATTERN } from '../../shared/stations';
import { DATE_PATTERN } from '../../shared/time';
import type { DataRoot } from '../data-root';
import { createLiveBatcher } from '../live-batcher';
import type { LiveFeed } from '../live-feed';
import { accessPolicy } from './access';
import { ClientSocket } from './client-socket';
import { sendJson } from '../http';
import { handleDataRequest } from './http-data';
import { EventJson } from './message-text';
import { ReplayCopies } from '../replay/replay-copies';
import { ReplaySession } from './replay-session';

export const DEFAULT_PORT = 7600;
/** Largest client message: client messages are a few hundred bytes. */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

export interface HeliosServerOptions {
  dataRoot: DataRoot;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Required unless `host` is a loopback address. */
  token: string | null;
  /** The live recording, when this server records. */
  live: { station_id: string; feed: LiveFeed } | null;
  /** DuckDB for the replays (one instance, one connection per open file). */
  instance: DuckDBInstance;
  /** Unsent bytes at which a client is dropped (default 32 MiB). */
  maxQueuedBytes?: number;
  /** Replay closed days from their replay copies, built on first replay (default true). */
  replayCopies?: boolean;
  log?: (message: string) => void;
}

export interface HeliosServer {
  url: string;
  port: number;
  /** Connected WebSocket clients (for tests and the bench). */
  clients(): number;
  close(): Promise<void>;
}

export async function startHeliosServer(options: HeliosServerOptions): Promise<HeliosServer> {
  const log = options.log ?? (() => {});
  let port = options.port;
  const access = accessPolicy(options.host, () => port, options.token);
  const maxQueuedBytes = options.maxQueuedBytes ?? 32 * 1024 * 1024;
  const eventJson = new EventJson();
  const sessions = new Set<ReplaySession>();
  const copies = options.replayCopies === false ? null : new ReplayCopies(options.dataRoot, options.instance, log);
  const info = () => ({ protocol: PROTOCOL_VERSION, live_station_id: options.live?.station_id ?? null });

  const server: Server = createServer((req, res) => {
    const refused = access.refuse(req);
    if (refused) return sendJson(res, refused.status, { error: refused.reason });
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });
    const url = requestUrl(req);
    const path = url?.pathname ?? '';
    void handleDataRequest(options.dataRoot, info, req, res, url ?? new URL('http://server/'))
      .then((handled) => {
        if (!handled) sendJson(res, 404, { error: `no such resource: ${path}` });
      })
      .catch((e: unknown) => {
        log(`GET ${path}: ${(e as Error).message}`);
        if (res.headersSent) res.destroy();
        else sendJson(res, e instanceof URIError ? 400 : 500, { error: (e as Error).message });
      });
  });
  server.on('clientError', (_e, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  wss.on('error', (e) => log(`websocket server: ${e.message}`));
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', (e) => log(`upgrade socket: ${e.message}`));
    const refused = access.refuse(req);
    const url = new URL(req.url ?? '/', 'http://server');
    const route = url.pathname === '/live' || url.pathname === '/replay' ? url.pathname : null;
    if (refused || !route) {
      const status = refused ? `${refused.status} ${refused.status === 401 ? 'Unauthorized' : 'Forbidden'}` : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client = new ClientSocket(ws, { maxQueuedBytes, log });
      if (route === '/live') serveLive(client, options.live?.feed ?? null, eventJson);
      else void serveReplay(client, url.searchParams, options, copies, sessions, log);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => log(`server: ${e.message}`));
  port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${shownHost}:${port}`,
    port,
    clients: () => wss.clients.size,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await Promise.all([...sessions].map((s) => s.close()));
      await copies?.close();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://server');
  } catch {
    return null;
  }
}

/** A client message, or the `error` text naming what is wrong with it. */
function parseClientMessage(data: unknown): ClientMessage | string {
  try {
    return decodeClientMessage(String(data));
  } catch (e) {
    if (e instanceof z.ZodError) return `bad client message: ${describeZodError(e)}`;
    return `bad client message: not JSON (${(e as Error).message})`;
  }
}

function sendError(client: ClientSocket, message: string): void {
  client.send(encodeMessage({ type: 'error', message }));
}

/** A live subscriber: waits for its `subscribe`, then forwards the feed, batched to the frame budget. */
function serveLive(client: ClientSocket, feed: LiveFeed | null, eventJson: EventJson): void {
  let unsubscribe: (() => void) | null = null;
  const batcher = createLiveBatcher({
    send: (messages) => {
      for (const m of messages) if (!client.send(eventJson.message(m))) return;
    },
  });
  client.ws.on('message', (data) => {
    const message = parseClientMessage(data);
    if (typeof message === 'string') return sendError(client, message);
    if (message.type !== 'subscribe') return sendError(client, `live mode has no playback control (got ${message.type})`);
    if (!feed) return sendError(client, 'this server is not recording: there is no live stream (replay its days on /replay)');
    unsubscribe?.();
    unsubscribe = feed.subscribe(message.groups, (m) => batcher.push(m));
  });
  client.ws.on('close', () => {
    unsubscribe?.();
    batcher.close();
  });
}

/** A replay client: the day named in the query, then its commands. */
async function serveReplay(
  client: ClientSocket,
  query: URLSearchParams,
  options: HeliosServerOptions,
  copies: ReplayCopies | null,
  sessions: Set<ReplaySession>,
  log: (message: string) => void,
): Promise<void> {
  const station_id = query.get('station') ?? '';
  const date = query.get('date') ?? '';
  const refuse = (message: string) => {
    sendError(client, message);
    client.ws.close(1008, 'bad replay request');
  };
  if (!STATION_ID_PATTERN.test(station_id)) return refuse(`station: expected a station id like KLGA, got ${JSON.stringify(station_id)}`);
  if (!DATE_PATTERN.test(date)) return refuse(`date: expected YYYY-MM-DD, got ${JSON.stringify(date)}`);
  // Commands that arrive while the day opens are applied in order once it is open.
  const early: ClientMessage[] = [];
  let session: ReplaySession | null = null;
  let gone = false;
  client.ws.on('message', (data) => {
    const message = parseClientMessage(data);
    if (typeof message === 'string') return sendError(client, message);
    if (session) session.handle(message);
    else early.push(message);
  });
  client.ws.on('close', () => {
    gone = true;
    if (session) {
      sessions.delete(session);
      void session.close();
    }
  });
  try {
    const opened = await ReplaySession.open({
      dataRoot: options.dataRoot,
      day: { station_id, date },
      instance: options.instance,
      copies: copies ?? undefined,
      send: (message) => client.send(message),
      writable: () => client.writable,
    });
    if (gone) return void (await opened.close());
    log(`replay ${station_id} ${date}: ${opened.fromCopy ? 'from its replay copy' : 'merging its Parquet files'}`);
    session = opened;
    sessions.add(session);
    for (const message of early.splice(0)) session.handle(message);
  } catch (e) {
    log(`replay ${station_id} ${date}: ${(e as Error).message}`);
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    refuse(missing ? `no compacted day ${station_id} ${date} on this server` : `cannot replay ${station_id} ${date}: ${(e as Error).message}`);
  }
}
