/**
 * The IPC channel names between the preload and main, and the result envelope of every call.
 * (The sandboxed preload is one bundle: what it imports is bundled into it, nothing is required at
 * run time but electron.)
 */
import type { ApiOperation, HeliosApi } from './api';

/** HeliosApi's request/response operations (everything but the live and menu subscriptions). */
export type InvokeOperation = Exclude<keyof HeliosApi, 'subscribeLive' | 'onMenuCommand'>;

/** Kept in step with API_ARGS by a test. */
export const INVOKE_OPERATIONS = [
  'getInfo',
  'listDays',
  'readManifest',
  'readParquet',
  'saveSnapshot',
  'openSnapshot',
  'chooseDataRoot',
  'connectServer',
  'getSources',
  'setSources',
  'startSweep',
  'sweepStatus',
  'saveExport',
  'recompactDay',
] as const satisfies readonly (InvokeOperation & ApiOperation)[];

export function invokeChannel(op: InvokeOperation): string {
  return `helios:api:${op}`;
}

export const LIVE_SUBSCRIBE = 'helios:live:subscribe';
export const LIVE_UNSUBSCRIBE = 'helios:live:unsubscribe';
/** main → renderer: (subscription id, ServerMessage[]) */
export const LIVE_BATCH = 'helios:live:batch';
/** main → renderer: (MenuCommand) */
export const MENU_COMMAND = 'helios:menu';

/** Errors cross IPC as plain messages (Electron would otherwise wrap them in its own text). */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: string };
