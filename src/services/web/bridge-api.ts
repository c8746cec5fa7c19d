/**
 * HeliosApi's node side for the browser bridge: the shared data operations (src/services/api-data.ts,
 * the same code Electron main uses) plus what a browser shell answers differently — `getInfo`
 * (shell 'web') and `saveSnapshot` (no save dialog: the file goes to `<data>/exports/`).
 * `openSnapshot` and `chooseDataRoot` are answered in the page (a file input; the root is fixed on
 * the command line), `subscribeLive` over the WebSocket.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppInfo } from '../../shared/api';
import type { SourcesView } from '../../shared/sources-config';
import { ApiArgsError, createDataApi, parseApiArgs, type ApiArgs } from '../api-data';
import type { DataRoot } from '../data-root';
import { exists } from '../files';
import { createSweepApi } from '../sweep/sweep-jobs';

export const BRIDGE_OPERATIONS = ['getInfo', 'listDays', 'readManifest', 'readParquet', 'saveSnapshot', 'startSweep', 'sweepStatus', 'getSources', 'setSources'] as const;
export type BridgeOperation = (typeof BRIDGE_OPERATIONS)[number];

export function isBridgeOperation(op: string): op is BridgeOperation {
  return (BRIDGE_OPERATIONS as readonly string[]).includes(op);
}

export { ApiArgsError };

export interface BridgeApiOptions {
  dataRoot: DataRoot;
  info: () => Omit<AppInfo, 'shell' | 'data_root'>;
  /** The Sources dialog's operations (run-web's store and live session); absent: nothing to configure. */
  sources?: {
    view(): SourcesView;
    set(choice: ApiArgs<'setSources'>[0]): Promise<SourcesView>;
  };
}

export interface BridgeApi {
  /** `args` is the raw, untrusted argument tuple; ApiArgsError when it does not validate. */
  call(op: BridgeOperation, args: unknown): Promise<unknown>;
  readonly exportsDir: string;
}

export function createBridgeApi({ dataRoot, info, sources }: BridgeApiOptions): BridgeApi {
  const data = createDataApi(() => dataRoot);
  const sweeps = createSweepApi(() => dataRoot);
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
        case 'startSweep':
          return sweeps.startSweep(...list);
        case 'sweepStatus':
          return sweeps.sweepStatus(...list);
        case 'getSources':
          parseApiArgs('getSources', list);
          return sourcesOrFail(sources).view();
        case 'setSources':
          return sourcesOrFail(sources).set(parseApiArgs('setSources', list)[0]);
      }
    },
  };
}

function sourcesOrFail(sources: BridgeApiOptions['sources']): NonNullable<BridgeApiOptions['sources']> {
  if (!sources) throw new Error('this bridge records no live sources');
  return sources;
}

/**
 * Write an export without overwriting another: `name.json`, else `name-1.json`, … Written under a
 * temporary name and renamed, so nobody sees half a file. The name was validated as a plain file
 * name (API_ARGS), so it cannot leave `dir`.
 */
async function writeExport(dir: string, name: string, contents: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stem = name.replace(/\.json$/, '');
  for (let i = 0; i < 1000; i++) {
    const path = join(dir, i === 0 ? name : `${stem}-${i}.json`);
    if (await exists(path)) continue;
    const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(tmp, contents, 'utf8');
    await rename(tmp, path);
    return path;
  }
  throw new Error(`too many exports named ${name} in ${dir}`);
}
