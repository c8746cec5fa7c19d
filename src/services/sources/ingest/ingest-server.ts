/**
 * The local endpoint HELIOS pushes its model outputs to: a WebSocket server on 127.0.0.1 only.
 * A client must present `Authorization: Bearer <token>` (compared in constant time); without it the
 * upgrade is refused with 401. Every text message is answered with an ack or an error naming the
 * field (protocol.ts); rejected ones are quarantined. A client that sends a frame the server cannot
 * take (oversized, binary garbage, a protocol error) loses its own connection, nobody else's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { IngestConfig } from '../config';
import type { Upstream, UpstreamContext } from '../upstream';

export const INGEST_HOST = '127.0.0.1';
const MAX_MESSAGE_BYTES = 1024 * 1024;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time comparison (equal-length digests, whatever the lengths of the inputs). */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected)) && expected.length > 0;
}

function bearer(header: string | undefined): string {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m ? m[1]!.trim() : '';
}

export class IngestServer implements Upstream {
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private clients = new Set<WebSocket>();
  private boundPort: number | null = null;

  constructor(
    private readonly ctx: UpstreamContext,
    private readonly config: IngestConfig,
    private readonly token: string,
  ) {}

  /** The port it listens on, once listening. */
  get port(): number | null {
    return this.boundPort;
  }

  /** Listen; resolves once bound (a taken port rejects with the reason). */
  async listen(): Promise<void> {
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' });
      res.end('HELIOS Tape ingest: connect with a WebSocket');
    });
    wss.on('error', (e) => this.ctx.log('warn', `ingest: ${e.message}`));
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      if (!tokenMatches(bearer(req.headers.authorization), this.token)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws));
    });
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, INGEST_HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.ctx.log('error', `ingest: ${e.message}`));
    this.server = server;
    this.wss = wss;
    this.boundPort = (server.address() as AddressInfo).port;
    this.report();
  }

  /** Already listening since `listen` (LiveSources.create binds the port before recording starts). */
  start(): void {}

  async stop(): Promise<void> {
    for (const ws of this.clients) ws.close(1001, 'recorder stopping');
    const closing = [...this.clients].map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))));
    const forced = setTimeout(() => this.clients.forEach((ws) => ws.terminate()), 1000);
    await Promise.all(closing);
    clearTimeout(forced);
    this.wss?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.ctx.status('ingest', 'stopped', null);
  }

  private serve(ws: WebSocket): void {
    this.clients.add(ws);
    this.report();
    ws.on('error', (e) => {
      this.ctx.log('warn', `ingest client: ${e.message}`);
      ws.terminate();
    });
    ws.on('close', () => {
      this.clients.delete(ws);
      this.report();
    });
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
      const decoded = this.ctx.deliver({ src: 'ingest', type: 'message', text });
      if (decoded.reply && ws.readyState === ws.OPEN) ws.send(JSON.stringify(decoded.reply));
    });
  }

  private report(): void {
    this.ctx.status('ingest', 'connected', `listening on ${INGEST_HOST}:${this.boundPort}, ${this.clients.size} client(s)`);
  }
}
