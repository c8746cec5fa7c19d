/**
 * A `helios serve` server as the app's data source (File ▸ Connect to Server…): the day list and
 * manifests over HTTP, Parquet byte ranges through `GET /parquet/…` (the renderer's row-group reader
 * works on a remote day exactly as on a local one, fetching only the ranges it needs), and the live
 * stream over `/live`. It runs in Electron main or the browser bridge, so the token stays in Node:
 * the renderer only ever talks to its own shell. Everything received is validated with zod.
 */
import WebSocket from 'ws';
import { z } from 'zod';
import { dayKey, type DayRef, type DaySummary } from '../../shared/api';
import { type ChannelGroup } from '../../shared/channels';
import { manifest as manifestSchema, partFile, type Manifest } from '../../shared/manifest';
import { encodeMessage, receiveServerText, type ServerMessage } from '../../shared/protocol';
import { describeZodError } from '../../shared/registry';
import type { DataAccess, DataSwitch, ParquetRead } from '../data-access';
import type { LiveFeed } from '../live-feed';
import { parquetUrlPath, type ServerInfo } from './http-data';

const serverInfo = z.object({ protocol: z.literal(1), live_station_id: z.string().nullable() });
const daySummary = z.object({
  station_id: z.string(),
  date: z.string(),
  rows: z.record(z.string(), z.number()),
  bytes: z.number(),
  min_ts: z.string().nullable(),
  max_ts: z.string().nullable(),
  damaged: z.string().nullable().default(null),
  journal: z.boolean().optional(),
  manifest: manifestSchema,
});

export interface RemoteOptions {
  /** The server's base URL, e.g. `http://tape.lan:7600`. */
  url: string;
  token: string | null;
  fetch?: typeof fetch;
  /** Reopens a dropped live stream after this many ms (doubling up to 10 s). */
  reconnectMs?: number;
}

export class RemoteError extends Error {
  override name = 'RemoteError';
}

/** Connect to a server: checks that it answers as a HELIOS Tape server and accepts the token. */
export async function connectRemote(options: RemoteOptions): Promise<RemoteDataAccess> {
  const base = baseUrl(options.url);
  const remote = new RemoteDataAccess(base, options);
  const info = serverInfo.safeParse(await remote.getJson('/info'));
  if (!info.success) throw new RemoteError(`${base.origin} is not a HELIOS Tape server (GET /info: ${describeZodError(info.error)})`);
  remote.info = info.data;
  return remote;
}

/** File ▸ Connect to Server…: switch `data` to the server at `url` (null: back to the local root). */
export async function switchDataSource(data: DataSwitch, { url, token }: { url: string | null; token?: string }): Promise<void> {
  await data.use(url === null ? null : await connectRemote({ url, token: token || null }));
}

function baseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RemoteError(`not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RemoteError(`the server URL must be http:// or https://, got ${url.protocol}`);
  if (url.username || url.password) throw new RemoteError('the server URL must not carry a user name or password (use the token)');
  return new URL(url.origin);
}

export class RemoteDataAccess implements DataAccess {
  info: ServerInfo = { protocol: 1, live_station_id: null };
  readonly location: DataAccess['location'];
  private readonly manifests = new Map<string, Manifest>();
  private readonly doFetch: typeof fetch;
  private readonly sockets = new Set<WebSocket>();
  private closed = false;

  constructor(
    readonly base: URL,
    private readonly options: RemoteOptions,
  ) {
    this.location = { kind: 'server', label: base.origin };
    this.doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  get liveStationId(): string | null {
    return this.info.live_station_id;
  }

  get live(): LiveFeed | null {
    return this.info.live_station_id === null ? null : { subscribe: (groups, listener) => this.subscribeLive(groups, listener) };
  }

  async listDays(): Promise<DaySummary[]> {
    const parsed = z.array(daySummary).safeParse(await this.getJson('/days'));
    if (!parsed.success) throw new RemoteError(`GET /days: unexpected answer: ${describeZodError(parsed.error)}`);
    return parsed.data.map(({ manifest, ...summary }) => {
      this.manifests.set(dayKey(summary), manifest);
      return summary;
    });
  }

  async readManifest(day: DayRef): Promise<Manifest> {
    const parsed = manifestSchema.safeParse(await this.getJson(`/days/${encodeURIComponent(day.station_id)}/${encodeURIComponent(day.date)}`));
    if (!parsed.success) throw new RemoteError(`the server's manifest of ${day.station_id} ${day.date} is invalid: ${describeZodError(parsed.error)}`);
    this.manifests.set(dayKey(day), parsed.data);
    return parsed.data;
  }

  async readParquet({ ch, part, generation, offset, length, ...day }: ParquetRead): Promise<Uint8Array> {
    const manifest = this.manifests.get(dayKey(day)) ?? (await this.readManifest(day));
    const listed = manifest.channels[ch]?.parts.some((p) => p.part === (part ?? 0));
    if (!listed && generation === undefined) throw new RemoteError(`no ${ch} data for ${day.station_id} ${day.date} on ${this.base.origin}`);
    const headers: Record<string, string> = {};
    if (offset !== undefined || length !== undefined) {
      const start = offset ?? 0;
      headers.Range = length === undefined ? `bytes=${start}-` : `bytes=${start}-${start + length - 1}`;
    }
    const query = generation === undefined ? '' : `?generation=${generation}`;
    const res = await this.request(parquetUrlPath(day, partFile(ch, part ?? 0)) + query, headers);
    return new Uint8Array(await res.arrayBuffer());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const ws of this.sockets) ws.close(1000, 'disconnected');
    this.sockets.clear();
  }

  async getJson(path: string): Promise<unknown> {
    return (await this.request(path, {})).json();
  }

  private async request(path: string, headers: Record<string, string>): Promise<Response> {
    let res: Response;
    try {
      res = await this.doFetch(new URL(path, this.base), { headers: { ...this.authorization(), ...headers } });
    } catch (e) {
      throw new RemoteError(`cannot reach ${this.base.origin}: ${(e as Error).message}`);
    }
    if (res.ok) return res;
    let detail = `HTTP ${res.status}`;
    try {
      detail = ((await res.json()) as { error?: string }).error ?? detail;
    } catch {
      /* not JSON: keep the status */
    }
    throw new RemoteError(res.status === 401 ? `${this.base.origin} refused the token (${detail})` : `${this.base.origin}${path}: ${detail}`);
  }

  private authorization(): Record<string, string> {
    return this.options.token ? { Authorization: `Bearer ${this.options.token}` } : {};
  }

  /** The server's /live stream, reopened with backoff when it drops, until unsubscribed. */
  private subscribeLive(groups: readonly ChannelGroup[], listener: (message: ServerMessage) => void): () => void {
    const url = new URL('/live', this.base);
    url.protocol = this.base.protocol === 'https:' ? 'wss:' : 'ws:';
    const first = this.options.reconnectMs ?? 500;
    let delay = first;
    let stopped = false;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const connect = () => {
      if (stopped || this.closed) return;
      const ws = new WebSocket(url, { headers: this.authorization(), maxPayload: 256 * 1024 * 1024 });
      socket = ws;
      this.sockets.add(ws);
      ws.on('open', () => {
        delay = first;
        ws.send(encodeMessage({ type: 'subscribe', groups: [...groups] }));
      });
      ws.on('message', (data) => {
        for (const message of receiveServerText(String(data), this.base.origin)) listener(message);
      });
      ws.on('unexpected-response', (_req, res) => {
        listener({ type: 'error', message: `${this.base.origin}/live answered HTTP ${res.statusCode}` });
        ws.terminate();
      });
      ws.on('error', () => {}); // followed by close
      ws.on('close', (code, reason) => {
        this.sockets.delete(ws);
        if (stopped || this.closed) return;
        listener({ type: 'error', message: `live stream from ${this.base.origin} closed (${code}${reason.length ? `: ${reason}` : ''}); reconnecting` });
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10_000);
      });
    };
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      socket?.close(1000, 'unsubscribed');
    };
  }
}

