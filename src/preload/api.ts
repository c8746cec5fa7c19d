/**
 * HeliosApi over IPC, as the preload exposes it: one function per operation, each a fixed channel;
 * the page never sees ipcRenderer, events objects or anything of Node. Kept free of Electron imports
 * so it can be tested with a fake IPC.
 */
import type { HeliosApi, MenuCommand } from '../shared/api';
import type { ServerMessage } from '../shared/protocol';
import {
  INVOKE_OPERATIONS,
  invokeChannel,
  LIVE_BATCH,
  LIVE_SUBSCRIBE,
  LIVE_UNSUBSCRIBE,
  MENU_COMMAND,
  type InvokeOperation,
  type IpcResult,
} from './ipc-contract';

/** The slice of Electron's ipcRenderer the preload uses. */
export interface PreloadIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createPreloadApi(ipc: PreloadIpc): HeliosApi {
  const call = async (op: InvokeOperation, args: unknown[]): Promise<unknown> => {
    const result = (await ipc.invoke(invokeChannel(op), ...args)) as IpcResult<unknown>;
    if (!result.ok) throw new Error(result.error);
    return result.value;
  };
  const invoke = Object.fromEntries(
    INVOKE_OPERATIONS.map((op) => [op, (...args: unknown[]) => call(op, args)]),
  ) as Pick<HeliosApi, InvokeOperation>;

  const liveListeners = new Map<number, (message: ServerMessage) => void>();
  let nextSubscription = 1;
  const onBatch = (_event: unknown, id: unknown, messages: unknown) => {
    const listener = liveListeners.get(id as number);
    if (!listener || !Array.isArray(messages)) return;
    for (const message of messages) deliver(listener, message as ServerMessage);
  };

  const menuListeners = new Set<(command: MenuCommand) => void>();
  const onMenu = (_event: unknown, command: unknown) => {
    for (const listener of menuListeners) deliver(listener, command as MenuCommand);
  };

  return {
    ...invoke,
    subscribeLive(groups, listener) {
      if (liveListeners.size === 0) ipc.on(LIVE_BATCH, onBatch);
      const id = nextSubscription++;
      liveListeners.set(id, listener);
      ipc.send(LIVE_SUBSCRIBE, id, groups);
      return () => {
        if (!liveListeners.delete(id)) return;
        ipc.send(LIVE_UNSUBSCRIBE, id);
        if (liveListeners.size === 0) ipc.removeListener(LIVE_BATCH, onBatch);
      };
    },
    onMenuCommand(listener) {
      if (menuListeners.size === 0) ipc.on(MENU_COMMAND, onMenu);
      menuListeners.add(listener);
      return () => {
        if (!menuListeners.delete(listener)) return;
        if (menuListeners.size === 0) ipc.removeListener(MENU_COMMAND, onMenu);
      };
    },
  };
}

function deliver<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (e) {
    console.error('HELIOS: a live/menu listener failed', e);
  }
}
