/**
 * HeliosApi over the browser bridge (src/services/web): data operations as POST /api/<op> with the
 * argument tuple as JSON (a snapshot export as its file's text), live as the protocol over a
 * WebSocket on /live. The server validates every argument again; this side validates every live
 * message with the protocol's zod schemas.
 */
import type { AppInfo, DaySummary, HeliosApi, SweepJobStatus } from '../../../shared/api';
import type { SourcesView } from '../../../shared/sources-config';
import type { ChannelGroup } from '../../../shared/channels';
import type { Manifest } from '../../../shared/manifest';
import { encodeMessage, receiveServerText, type ServerMessage } from '../../../shared/protocol';

/** The WebSocket constructor shape we use (the browser's, or `ws` in Node tests). */
export type WebSocketLike = {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
};
export type WebSocketFactory = new (url: string) => WebSocketLike;

export interface BridgeClientOptions {
  /** e.g. `http://127.0.0.1:5174/` */
  baseUrl: string;
  fetch?: typeof fetch;
  WebSocket?: WebSocketFactory;
  /** Reopens a dropped live stream after this many ms (doubling up to 10 s). */
  reconnectMs?: number;
  /** Lets the user pick a snapshot file; the default uses a file input (browser only). */
  pickFile?: () => Promise<{ name: string; contents: string } | null>;
}

export class BridgeError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function createBridgeClient(options: BridgeClientOptions): HeliosApi {
  const base = new URL(options.baseUrl);
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const Ws = options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketFactory);

  /** POST the argument tuple as JSON, or (saveSnapshot, saveExport) `body` as it is, with `query`. */
  async function post(op: string, args: unknown[], raw?: { query: Record<string, string>; body: string | Blob }): Promise<Response> {
    const url = new URL(`/api/${op}`, base);
    for (const [k, v] of Object.entries(raw?.query ?? {})) url.searchParams.set(k, v);
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': raw?.body instanceof Blob ? 'application/octet-stream' : 'application/json' },
      body: raw ? raw.body : JSON.stringify(args),
    });
    if (!response.ok) {
      let message = `${op}: HTTP ${response.status}`;
      try {
        message = ((await response.json()) as { error?: string }).error ?? message;
      } catch {
        /* not JSON: keep the status line */
      }
      throw new BridgeError(message, response.status);
    }
    return response;
  }
  const json = async <T>(op: string, args: unknown[]): Promise<T> => (await (await post(op, args)).json()) as T;

  return {
    getInfo: () => json<AppInfo>('getInfo', []),
    listDays: () => json<DaySummary[]>('listDays', []),
    readManifest: (day) => json<Manifest>('readManifest', [day]),
    readParquet: async (args) => new Uint8Array(await (await post('readParquet', [args])).arrayBuffer()),
    // The file's text is the body, streamed to disk by the bridge (never parsed or held there).
    saveSnapshot: async ({ suggested_name, contents }) =>
      (await (await post('saveSnapshot', [], { query: { name: suggested_name }, body: contents })).json()) as { saved: boolean; path: string | null },
    openSnapshot: () => (options.pickFile ?? pickFileWithInput)(),
    chooseDataRoot: async () => null, // the bridge's data root is chosen on its command line
    connectServer: (args) => json<AppInfo>('connectServer', [args]),
    getSources: () => json<SourcesView>('getSources', []),
    setSources: (choice) => json<SourcesView>('setSources', [choice]),
    startSweep: (args) => json<{ job: string }>('startSweep', [args]),
    sweepStatus: (args) => json<SweepJobStatus>('sweepStatus', [args]),
    // the files' bytes one after the other as the body, their names and sizes in the query
    saveExport: async ({ name, files }) => {
      const query = { name, files: JSON.stringify(files.map((f) => ({ name: f.name, size: f.bytes.byteLength }))) };
      const body = new Blob(files.map((f) => f.bytes as Uint8Array<ArrayBuffer>));
      return (await (await post('saveExport', [], { query, body })).json()) as { saved: boolean; path: string | null };
    },
    recompactDay: (day) => json<{ summary: string }>('recompactDay', [day]),
    subscribeLive: (groups, listener) => subscribeLive(base, Ws, groups, listener, options.reconnectMs ?? 500),
  };
}


function subscribeLive(
  base: URL,
  Ws: WebSocketFactory,
  groups: ChannelGroup[],
  listener: (message: ServerMessage) => void,
  reconnectMs: number,
): () => void {
  const url = new URL('/live', base);
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  let closed = false;
  let socket: WebSocketLike | null = null;
  let delay = reconnectMs;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const connect = () => {
    const ws = new Ws(url.toString());
    socket = ws;
    ws.onopen = () => {
      delay = reconnectMs;
      ws.send(encodeMessage({ type: 'subscribe', groups }));
    };
    ws.onmessage = (event) => {
      for (const message of receiveServerText(String(event.data))) listener(message);
    };
    ws.onerror = () => {
      /* followed by onclose */
    };
    ws.onclose = (event) => {
      if (closed) return;
      listener({ type: 'error', message: `live stream closed (${event.code}${event.reason ? `: ${event.reason}` : ''}); reconnecting` });
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  connect();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    socket?.close(1000, 'unsubscribed');
  };
}

/** A hidden file input: resolves with the chosen file's text, or null when the user cancels. */
function pickFileWithInput(): Promise<{ name: string; contents: string } | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.json,application/json';
    input.style.display = 'none';
    input.dataset.testid = 'snapshot-file-input';
    const done = (value: { name: string; contents: string } | null) => {
      input.remove();
      resolve(value);
    };
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return done(null);
      file.text().then(
        (contents) => done({ name: file.name, contents }),
        () => done(null),
      );
    });
    input.addEventListener('cancel', () => done(null));
    document.body.append(input);
    input.click();
  });
}
