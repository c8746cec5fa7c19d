/**
 * A Web Worker that decodes Parquet row groups to Arrow IPC with parquet-wasm, so decoding never
 * blocks the UI thread and two row groups can decode at once. It has no access to the data root:
 * the byte ranges it needs are asked of the page (which reads them through HeliosApi).
 */
import { decodeRowGroups, loadParquetWasm, openParquet, type OpenedParquet } from './parquet';
import type { WorkerReply, WorkerRequest } from './decode-protocol';

const scope = self as unknown as {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
};

// Compile parquet-wasm as soon as the worker starts (the page is still reading the manifest), not
// when the first footer arrives.
void loadParquetWasm().catch(() => {}); // a failure is reported by the first open

const files = new Map<string, Promise<OpenedParquet>>();
const reads = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
let nextRead = 1;
/** Decodes running on each open file, and the files forgotten (their day closed) but still in use. */
const users = new Map<OpenedParquet, number>();
const forgotten = new Set<OpenedParquet>();

function readRange(file: string) {
  return (offset: number, length: number) =>
    new Promise<Uint8Array>((resolve, reject) => {
      const id = nextRead++;
      reads.set(id, { resolve, reject });
      scope.postMessage({ type: 'read', id, file, offset, length });
    });
}

function open(file: string, size: number): Promise<OpenedParquet> {
  let f = files.get(file);
  if (!f) {
    f = openParquet(size, readRange(file));
    f.catch(() => files.delete(file));
    files.set(file, f);
  }
  return f;
}

scope.onmessage = async (e) => {
  const m = e.data;
  if (m.type === 'bytes') {
    const pending = reads.get(m.id);
    reads.delete(m.id);
    if (m.error !== undefined) pending?.reject(new Error(m.error));
    else pending?.resolve(m.bytes!);
    return;
  }
  if (m.type === 'forget') {
    for (const [key, f] of files) {
      if (!key.startsWith(m.file)) continue;
      files.delete(key);
      void f.then(release.bind(null, true)).catch(() => {});
    }
    return;
  }
  let parquet: OpenedParquet | null = null;
  try {
    parquet = await open(m.file, m.size);
    if (m.type === 'open') {
      scope.postMessage({ type: 'done', id: m.id, rowGroups: parquet.rowGroups });
      return;
    }
    users.set(parquet, (users.get(parquet) ?? 0) + 1);
    const t0 = performance.now();
    const ipc = await decodeRowGroups(parquet, m.rowGroups, m.options);
    scope.postMessage({ type: 'done', id: m.id, ipc, ms: performance.now() - t0 }, [ipc.buffer]);
  } catch (err) {
    scope.postMessage({ type: 'failed', id: m.id, error: (err as Error).message ?? String(err) });
  } finally {
    if (parquet && m.type === 'decode') {
      users.set(parquet, users.get(parquet)! - 1);
      release(false, parquet);
    }
  }
};

/**
 * Free a forgotten file's wasm memory once no decode is reading it: freeing it under a running
 * `read` is a use-after-free that traps the whole wasm instance (every later decode would hang).
 */
function release(forget: boolean, parquet: OpenedParquet): void {
  if (forget) forgotten.add(parquet);
  if (!forgotten.has(parquet) || (users.get(parquet) ?? 0) > 0) return;
  forgotten.delete(parquet);
  users.delete(parquet);
  parquet.file.free();
}
