/**
 * HeliosApi's node side for the browser bridge: the shared data operations (src/services/api-data.ts,
 * the same code Electron main uses) plus what a browser shell answers differently — `getInfo`
 * (shell 'web') and `saveSnapshot` (no save dialog: the file goes to `<data>/exports/`; its
 * contents arrive as a stream, the raw request body, so a large export is never held in memory) —
 * and `connectServer`, which switches every page of this bridge to a `helios serve` server.
 * `openSnapshot` and `chooseDataRoot` are answered in the page (a file input; the root is fixed on
 * the command line), `subscribeLive` over the WebSocket.
 */
import { join } from 'node:path';
import { snapshotFileNameSchema, streamedExport, type AppInfo } from '../../shared/api';
import { describeZodError } from '../../shared/registry';
import type { SourcesView } from '../../shared/sources-config';
import { ApiArgsError, createDataApi, parseApiArgs, type ApiArgs } from '../api-data';
import { DataSwitch, localDataAccess } from '../data-access';
import type { DataRoot } from '../data-root';
import { writeNewFile, writeNewFolder } from '../export-file';
import { recompactDay } from '../recompact';
import { switchDataSource } from '../server/remote-data';
import { createSweepApi } from '../sweep/sweep-jobs';
import { splitStream } from './request-body';

export const BRIDGE_OPERATIONS = [
  'getInfo',
  'listDays',
  'readManifest',
  'readParquet',
  'saveSnapshot',
  'saveExport',
  'recompactDay',
  'startSweep',
  'sweepStatus',
  'connectServer',
  'getSources',
  'setSources',
] as const;
export type BridgeOperation = (typeof BRIDGE_OPERATIONS)[number];

export function isBridgeOperation(op: string): op is BridgeOperation {
  return (BRIDGE_OPERATIONS as readonly string[]).includes(op);
}

export { ApiArgsError };

export interface BridgeApiOptions {
  /** The bridge's data root (also where exports go). */
  dataRoot: DataRoot;
  /**
   * Where days and live come from: the data root (and the bridge's live session) or a connected
   * server. Default: the data root, without live.
   */
  data?: DataSwitch;
  version: string;
  /** The Sources dialog's operations (run-web's store and live session); absent: nothing to configure. */
  sources?: {
    view(): SourcesView;
    set(choice: ApiArgs<'setSources'>[0]): Promise<SourcesView>;
  };
}

export interface BridgeApi {
  /** `args` is the raw, untrusted argument tuple; ApiArgsError when it does not validate. */
  call(op: Exclude<BridgeOperation, 'saveSnapshot' | 'saveExport'>, args: unknown): Promise<unknown>;
  /** Save exported files (`query`: untrusted `{name, files: [{name, size}]}`), their bytes one after the other in `body`. */
  saveExport(query: unknown, body: AsyncIterable<Uint8Array>): Promise<{ saved: boolean; path: string }>;
  /** Save an export as `name` (untrusted) under `<data>/exports/`, never replacing a file. */
  saveSnapshot(name: unknown, contents: AsyncIterable<Uint8Array>): Promise<{ saved: boolean; path: string }>;
}

export function createBridgeApi({ dataRoot, data: source = new DataSwitch(() => localDataAccess(dataRoot)), version, sources }: BridgeApiOptions): BridgeApi {
  const data = createDataApi(() => source.current());
  const info = (): AppInfo => {
    const current = source.current();
    return {
      version,
      shell: 'web',
      data_root: dataRoot.root,
      server: current.location.kind === 'server' ? current.location.label : null,
      live_available: current.live !== null,
      live_station_id: current.liveStationId,
    };
  };
  const sweeps = createSweepApi(() => source.requireLocal(dataRoot, 'The window sweep'));
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
          return info();
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
        case 'recompactDay':
          return recompactDay(source.requireLocal(dataRoot, 'Re-compacting a day'), parseApiArgs('recompactDay', list)[0]);
        case 'connectServer':
          await switchDataSource(source, parseApiArgs('connectServer', list)[0]);
          return info();
        case 'getSources':
          parseApiArgs('getSources', list);
          return sourcesOrFail(sources).view();
        case 'setSources':
          return sourcesOrFail(sources).set(parseApiArgs('setSources', list)[0]);
      }
    },
    async saveExport(query, body) {
      const parsed = streamedExport.safeParse(query);
      if (!parsed.success) throw new ApiArgsError(`saveExport: ${describeZodError(parsed.error)}`);
      const { name, files } = parsed.data;
      const pieces = splitStream(body, files.map((f) => f.size));
      const within = { within: dataRoot.root };
      const path =
        files.length === 1
          ? await writeNewFile(exportsDir, files[0]!.name, pieces[0]!, within)
          : await writeNewFolder(exportsDir, name, files.map((f, i) => ({ name: f.name, contents: pieces[i]! })), within);
      return { saved: true, path };
    },
    async saveSnapshot(name, contents) {
      const parsed = snapshotFileNameSchema.safeParse(name);
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
