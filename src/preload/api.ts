/**
 * HeliosApi over IPC, as the preload exposes it: one function per operation, each a fixed channel;
 * the page never sees ipcRenderer, events objects or anything of Node. What main sends is checked
 * like anything from outside: live messages with the protocol's zod schemas (the same function the
 * browser bridge client uses), menu commands against MENU_COMMANDS. Kept free of Electron imports
 * so it can be tested with a fake IPC.
 */
import { menuCommand, type HeliosApi, type MenuCommand } from '../shared/api';
import { receiveServerMessage, type ServerMessage } from '../shared/protocol';
import {
  INVOKE_OPERATIONS,
  invokeChannel,
  LIVE_BATCH,
  LIVE_SUBSCRIBE,
  LIVE_UNSUBSCRIBE,
  MENU_COMMAND,
  type InvokeOperation,
  type IpcResult,
} from '../shared/ipc-contract';

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
    if (!listener) return;
    if (!Array.isArray(messages)) return deliver(listener, { type: 'error', message: 'invalid live batch dropped: not a list of messages' });
    for (const message of messages) for (const checked of receiveServerMessage(message)) deliver(listener, checked);
  };

  const menuListeners = new Set<(command: MenuCommand) => void>();
  const onMenu = (_event: unknown, raw: unknown) => {
    const command = menuCommand.safeParse(raw);
    if (!command.success) return console.warn(`HELIOS: unknown menu command dropped: ${JSON.stringify(raw)?.slice(0, 100)}`);
    for (const listener of menuListeners) deliver(listener, command.data);
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
