/**
 * Fake upstreams on 127.0.0.1 speaking the documented shapes (sources.md): a Polymarket venue
 * (Gamma events, `POST /books`, the CLOB market WebSocket with its dump, `price_change` batches with
 * best bid/ask, PING/PONG, dynamic subscribe/unsubscribe) that keeps the true books, and a scripted
 * HTTP server for the weather services. Both can misbehave on demand: socket cuts without a close
 * frame, 1008 closes, silence, malformed frames, HTTP errors.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventSlug } from '../../src/services/sources/polymarket/gamma';
import { gammaEvent } from './fixtures/captured';

type Side = 'BUY' | 'SELL';

interface Book {
  market: string;
  bids: Map<string, string>;
  asks: Map<string, string>;
}

interface Client {
  ws: WebSocket;
  socket: Socket;
  assets: Set<string>;
}

export const NYC_SLUG = 'highest-temperature-in-nyc-on-{month}-{day}-{year}';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => resolve(body));
  });
}

function bestOf(levels: Map<string, string>, pick: 'max' | 'min'): string {
  const prices = [...levels.keys()].map(Number);
  if (prices.length === 0) return '';
  return String(pick === 'max' ? Math.max(...prices) : Math.min(...prices));
}

export class FakeVenue {
  readonly books = new Map<string, Book>();
  readonly events = new Map<string, Record<string, unknown>>();
  readonly received: string[] = [];
  readonly booksRequests: string[][] = [];
  readonly userAgents = new Set<string>();
  private readonly clients = new Set<Client>();
  private server!: Server;
  private wss!: WebSocketServer;
  port = 0;
  connections = 0;
  /** When set, the socket neither answers PING nor sends anything (a stale feed). */
  silent = false;
  /** Assets the dump leaves out (so that only REST can resync them). */
  readonly notInDump = new Set<string>();
  /** Gamma answers this many requests with 503 first. */
  gammaFailures = 0;
  private n = 0;

  static async start(): Promise<FakeVenue> {
    const v = new FakeVenue();
    v.server = createServer((req, res) => void v.http(req, res));
    v.wss = new WebSocketServer({ noServer: true });
    v.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/ws/market')) return socket.destroy();
      v.wss.handleUpgrade(req, socket, head, (ws) => v.serve(ws, socket as Socket, req));
    });
    v.port = await listen(v.server);
    return v;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws/market`;
  }

  get openSockets(): number {
    return this.clients.size;
  }

  /** The station-local date's event with `buckets` markets, each YES token with a two-sided book. */
  listEvent(date: string, options: { buckets?: number; seed?: number; version?: 'v1' | 'v2'; rules?: string } = {}) {
    const slug = eventSlug(NYC_SLUG, date);
    const seed = options.seed ?? Number(date.replaceAll('-', '')) % 997;
    const e = gammaEvent({ id: String(40000 + seed), slug, date, lowest: 30, buckets: options.buckets ?? 4, version: options.version, seed, rules: options.rules });
    this.events.set(slug, e.body);
    for (const [i, y] of e.yes.entries()) {
      const mid = 0.1 + 0.15 * i;
      const bids = new Map<string, string>();
      const asks = new Map<string, string>();
      for (let k = 0; k < 12; k++) {
        bids.set(String(Math.round((mid - 0.01 * (k + 1)) * 100) / 100), String(100 + 10 * k));
        asks.set(String(Math.round((mid + 0.01 * (k + 1)) * 100) / 100), String(120 + 10 * k));
      }
      for (const [p] of [...bids]) if (Number(p) <= 0) bids.delete(p);
      this.books.set(y.token, { market: y.market, bids, asks });
      // the NO token's book mirrors the YES book (1 − p)
      const mirror = (m: Map<string, string>) => new Map([...m].map(([p, sz]) => [String(Math.round((1 - Number(p)) * 100) / 100), sz]));
      this.books.set(y.no, { market: y.market, bids: mirror(asks), asks: mirror(bids) });
    }
    return e.yes;
  }

  /** The other outcome token of `asset`'s market. */
  noOf(asset: string): string | null {
    const market = this.books.get(asset)?.market;
    return [...this.books].find(([a, b]) => a !== asset && b.market === market)?.[0] ?? null;
  }

  /** The book as `book` / REST send it: bids ascending, asks descending (best last). */
  bookFields(asset: string) {
    const b = this.books.get(asset)!;
    const sorted = (m: Map<string, string>, asc: boolean) =>
      [...m].sort((x, y) => (asc ? Number(x[0]) - Number(y[0]) : Number(y[0]) - Number(x[0]))).map(([price, size]) => ({ price, size }));
    return {
      market: b.market,
      asset_id: asset,
      timestamp: String(Date.now()),
      hash: (++this.n).toString(16).padStart(40, '0'),
      bids: sorted(b.bids, true),
      asks: sorted(b.asks, false),
      tick_size: '0.01',
      last_trade_price: '',
    };
  }

  /** Top `n` levels per side, best first, as numbers: what a correct mirror's snapshot shows. */
  top(asset: string, n = 10) {
    const b = this.books.get(asset)!;
    const levels = (m: Map<string, string>, desc: boolean) =>
      [...m]
        .map(([p, s]) => ({ p: Number(p), s: Number(s) }))
        .sort((x, y) => (desc ? y.p - x.p : x.p - y.p))
        .slice(0, n);
    return { bids: levels(b.bids, true), asks: levels(b.asks, false) };
  }

  /** Change levels (size 0 removes) and send one `price_change` to the subscribers unless `lost`. */
  change(changes: [asset: string, side: Side, price: string, size: string][], options: { lost?: boolean } = {}): void {
    const byMarket = new Map<string, object[]>();
    for (const [asset, side, price, size] of changes) {
      const b = this.books.get(asset)!;
      const levels = side === 'BUY' ? b.bids : b.asks;
      if (Number(size) === 0) levels.delete(price);
      else levels.set(price, size);
      const list = byMarket.get(b.market) ?? [];
      list.push({ asset_id: asset, price, size, side, hash: (++this.n).toString(16).padStart(40, '0'), best_bid: bestOf(b.bids, 'max'), best_ask: bestOf(b.asks, 'min') });
      byMarket.set(b.market, list);
    }
    if (options.lost) return;
    for (const [market, price_changes] of byMarket) {
      const assets = new Set(price_changes.map((c) => (c as { asset_id: string }).asset_id));
      this.send((c) => [...assets].some((a) => c.assets.has(a)), JSON.stringify({ market, price_changes, timestamp: String(Date.now()), event_type: 'price_change' }));
    }
  }

  /** A frame to every subscriber of `asset` (or every client). */
  broadcast(text: string, asset?: string): void {
    this.send((c) => asset === undefined || c.assets.has(asset), text);
  }

  /** Drop every connection without a close frame (the TCP socket just goes away). */
  cut(): void {
    for (const c of this.clients) c.socket.destroy();
    this.clients.clear();
  }

  /** What the venue does to a client that stopped sending PING. */
  close1008(): void {
    for (const c of this.clients) c.ws.close(1008, 'no ping received');
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.socket.destroy();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(to: (c: Client) => boolean, text: string): void {
    if (this.silent) return;
    for (const c of this.clients) if (to(c) && c.ws.readyState === c.ws.OPEN) c.ws.send(text);
  }

  private dump(c: Client, assets: string[]): void {
    const known = assets.filter((a) => this.books.has(a) && !this.notInDump.has(a));
    if (known.length > 0) c.ws.send(JSON.stringify(known.map((a) => ({ ...this.bookFields(a), event_type: 'book' }))));
    if (known.length < assets.length) c.ws.send('[]');
  }

  private serve(ws: WebSocket, socket: Socket, req: IncomingMessage): void {
    this.connections++;
    this.userAgents.add(req.headers['user-agent'] ?? '');
    const client: Client = { ws, socket, assets: new Set() };
    this.clients.add(client);
    ws.on('error', () => undefined);
    ws.on('close', () => this.clients.delete(client));
    ws.on('message', (data) => {
      const text = data.toString();
      this.received.push(text);
      if (this.silent) return;
      if (text === 'PING') return ws.send('PONG');
      let m: { assets_ids?: string[]; type?: string; operation?: string };
      try {
        m = JSON.parse(text);
      } catch {
        return;
      }
      const assets = m.assets_ids ?? [];
      if (m.type === 'market' || m.operation === 'subscribe') {
        for (const a of assets) client.assets.add(a);
        this.dump(client, assets);
      } else if (m.operation === 'unsubscribe') {
        for (const a of assets) client.assets.delete(a);
      }
    });
  }

  private async http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.userAgents.add(req.headers['user-agent'] ?? '');
    const url = new URL(req.url ?? '/', this.httpUrl);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname.startsWith('/events/slug/')) {
      if (this.gammaFailures > 0) {
        this.gammaFailures--;
        return json(503, { error: 'unavailable' });
      }
      const event = this.events.get(decodeURIComponent(url.pathname.slice('/events/slug/'.length)));
      return event ? json(200, event) : json(404, { type: 'not found', error: 'id not found' });
    }
    if (req.method === 'POST' && url.pathname === '/books') {
      const asked = (JSON.parse(await readBody(req)) as { token_id: string }[]).map((x) => x.token_id);
      this.booksRequests.push(asked);
      return json(
        200,
        asked.filter((a) => this.books.has(a)).map((a) => ({ ...this.bookFields(a), min_order_size: '5', neg_risk: true })),
      );
    }
    json(404, { error: 'not found' });
  }
}

export interface ScriptedResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer after this long (a timeout test). */
  delayMs?: number;
}

/** An HTTP server answering each request from a script (the last answer repeats), recording what was asked. */
export class ScriptedHttp {
  readonly requests: { url: string; userAgent: string; at: number }[] = [];
  private server!: Server;
  port = 0;

  private constructor(private readonly script: (req: { url: URL; index: number }) => ScriptedResponse) {}

  static async start(script: ScriptedResponse[] | ((req: { url: URL; index: number }) => ScriptedResponse)): Promise<ScriptedHttp> {
    const list = script;
    const s = new ScriptedHttp(typeof list === 'function' ? list : ({ index }) => list[Math.min(index, list.length - 1)]!);
    s.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${s.port}`);
      const index = s.requests.length;
      s.requests.push({ url: url.toString(), userAgent: req.headers['user-agent'] ?? '', at: Date.now() });
      const r = s.script({ url, index });
      const answer = () => {
        res.writeHead(r.status, { 'Content-Type': 'application/json', ...r.headers });
        res.end(r.body ?? '');
      };
      if (r.delayMs) setTimeout(answer, r.delayMs);
      else answer();
    });
    s.port = await listen(s.server);
    return s;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
