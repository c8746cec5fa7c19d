/**
 * HeliosApi's node side for the browser bridge: the shared data operations (src/services/api-data.ts,
 * the same code Electron main uses) plus what a browser shell answers differently — `getInfo`
 * (shell 'web') and `saveSnapshot` (no save dialog: the file goes to `<data>/exports/`).
 * `openSnapshot` and `chooseDataRoot` are answered in the page (a file input; the root is fixed on
 * the command line), `subscribeLive` over the WebSocket.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { AppInfo } from '../../shared/api';
import { ApiArgsError, createDataApi, parseApiArgs } from '../api-data';
import type { DataRoot } from '../data-root';
import { exists } from '../files';
import { recompactDay } from '../recompact';

export const BRIDGE_OPERATIONS = ['getInfo', 'listDays', 'readManifest', 'readParquet', 'saveSnapshot', 'saveExport', 'recompactDay'] as const;
export type BridgeOperation = (typeof BRIDGE_OPERATIONS)[number];

export function isBridgeOperation(op: string): op is BridgeOperation {
  return (BRIDGE_OPERATIONS as readonly string[]).includes(op);
}

export { ApiArgsError };

export interface BridgeApiOptions {
  dataRoot: DataRoot;
  info: () => Omit<AppInfo, 'shell' | 'data_root'>;
}

export interface BridgeApi {
  /** `args` is the raw, untrusted argument tuple; ApiArgsError when it does not validate. */
  call(op: BridgeOperation, args: unknown): Promise<unknown>;
  readonly exportsDir: string;
}

export function createBridgeApi({ dataRoot, info }: BridgeApiOptions): BridgeApi {
  const data = createDataApi(() => dataRoot);
  const exportsDir = join(dataRoot.root, 'exports');
  const asList = (args: unknown): unknown[] => {
    if (!Array.isArray(args)) throw new ApiArgsError('arguments must be a JSON array');
    return args;
  };
  return {
    exportsDir,
    async call(op, args) {
      const list = asList(args);
      switch (op) {
        case 'getInfo':
          parseApiArgs('getInfo', list);
          return { ...info(), shell: 'web', data_root: dataRoot.root } satisfies AppInfo;
        case 'listDays':
          return data.listDays();
        case 'readManifest':
          return data.readManifest(...list);
        case 'readParquet':
          return data.readParquet(...list);
        case 'saveSnapshot': {
          const [{ suggested_name, contents }] = parseApiArgs('saveSnapshot', list);
          return { saved: true, path: await writeExport(exportsDir, suggested_name, contents) };
        }
        case 'saveExport': {
          const [{ name, files }] = parseApiArgs('saveExport', list.map(decodeExportBytes));
          return { saved: true, path: files.length === 1 ? await writeExport(exportsDir, files[0]!.name, files[0]!.bytes) : await writeExportFolder(exportsDir, name, files) };
        }
        case 'recompactDay':
          return recompactDay(dataRoot, parseApiArgs('recompactDay', list)[0]);
      }
    },
  };
}

/**
 * Over JSON, saveExport's file bytes travel as base64 (`bytes_base64`); the bridge client encodes
 * them and this turns them back into bytes before validation.
 */
function decodeExportBytes(arg: unknown): unknown {
  const files = (arg as { files?: unknown } | null)?.files;
  if (!Array.isArray(files)) return arg;
  return {
    ...(arg as object),
    files: files.map((f: unknown) => {
      const b64 = (f as { bytes_base64?: unknown } | null)?.bytes_base64;
      if (typeof b64 !== 'string') return f;
      const { bytes_base64: _encoded, ...rest } = f as Record<string, unknown>;
      return { ...rest, bytes: new Uint8Array(Buffer.from(b64, 'base64')) };
    }),
  };
}

/**
 * Write an export without overwriting another: `name.ext`, else `name-1.ext`, … Written under a
 * temporary name and renamed, so nobody sees half a file. The name was validated as a plain file
 * name (API_ARGS), so it cannot leave `dir`.
 */
async function writeExport(dir: string, name: string, contents: string | Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; i < 1000; i++) {
    const path = join(dir, i === 0 ? name : `${stem}-${i}${ext}`);
    if (await exists(path)) continue;
    const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(tmp, contents);
    await rename(tmp, path);
    return path;
  }
  throw new Error(`too many exports named ${name} in ${dir}`);
}

/** Several files in a new folder `name` (else `name-1`, …) under `dir`, made whole before it appears. */
async function writeExportFolder(dir: string, name: string, files: ReadonlyArray<{ name: string; bytes: Uint8Array }>): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  await mkdir(tmp);
  for (const f of files) await writeFile(join(tmp, f.name), f.bytes);
  for (let i = 0; i < 1000; i++) {
    const path = join(dir, i === 0 ? name : `${name}-${i}`);
    if (await exists(path)) continue;
    await rename(tmp, path);
    return path;
  }
  throw new Error(`too many exports named ${name} in ${dir}`);
}
