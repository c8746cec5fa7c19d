/**
 * HeliosApi's node side for the browser bridge: the shared data operations (src/services/api-data.ts,
 * the same code Electron main uses) plus what a browser shell answers differently — `getInfo`
 * (shell 'web') and `saveSnapshot` (no save dialog: the file goes to `<data>/exports/`; its
 * contents arrive as a stream, the raw request body, so a large export is never held in memory).
 * `openSnapshot` and `chooseDataRoot` are answered in the page (a file input; the root is fixed on
 * the command line), `subscribeLive` over the WebSocket.
 */
import { join } from 'node:path';
import { snapshotFileName, type AppInfo } from '../../shared/api';
import { describeZodError } from '../../shared/registry';
import type { SourcesView } from '../../shared/sources-config';
import { ApiArgsError, createDataApi, parseApiArgs, type ApiArgs } from '../api-data';
import type { DataRoot } from '../data-root';
import { writeNewFile } from '../export-file';
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
  call(op: Exclude<BridgeOperation, 'saveSnapshot'>, args: unknown): Promise<unknown>;
  /** Save an export as `name` (untrusted) under `<data>/exports/`, never replacing a file. */
  saveSnapshot(name: unknown, contents: AsyncIterable<Uint8Array>): Promise<{ saved: boolean; path: string }>;
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
    async saveSnapshot(name, contents) {
      const parsed = snapshotFileName.safeParse(name);
      if (!parsed.success) throw new ApiArgsError(`saveSnapshot: invalid name: ${describeZodError(parsed.error)}`);
      // Never replaces a file, never writes through a link out of the data root.
      return { saved: true, path: await writeNewFile(exportsDir, parsed.data, contents, { within: dataRoot.root }) };
    },
  };
}

function sourcesOrFail(sources: BridgeApiOptions['sources']): NonNullable<BridgeApiOptions['sources']> {
  if (!sources) throw new Error('this bridge records no live sources');
  return sources;
}
