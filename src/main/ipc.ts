/**
 * Main's side of HeliosApi. Every message is checked twice before anything runs: the sender must be
 * the top frame of one of our windows on app://helios (#17 of the security checklist), and the
 * arguments must pass API_ARGS (zod). Data access goes through the shared DataApi (no path leaves
 * the data root); dialogs and the live feed are main's own services.
 */
import { z } from 'zod';
import type { AppInfo } from '../shared/api';
import type { SourcesView } from '../shared/sources-config';
import { GROUPS, type ChannelGroup } from '../shared/channels';
import type { ServerMessage } from '../shared/protocol';
import { ApiArgsError, parseApiArgs, type ApiArgs, type DataApi } from '../services/api-data';
import type { SweepApi } from '../services/sweep/sweep-jobs';
import {
  INVOKE_OPERATIONS,
  invokeChannel,
  LIVE_BATCH,
  LIVE_SUBSCRIBE,
  LIVE_UNSUBSCRIBE,
  type InvokeOperation,
  type IpcResult,
} from '../preload/ipc-contract';
import { isTrustedSender, type IpcSenderInfo } from './security';

/** What the handlers need from an IPC event: the sender check's fields and a way to answer. */
export interface IpcEventLike extends IpcSenderInfo {
  sender: { id: number; send(channel: string, ...args: unknown[]): void };
}

export interface LiveRouter {
  subscribe(key: string, groups: ChannelGroup[], deliver: (messages: ServerMessage[]) => void): void;
  unsubscribe(key: string): void;
}

export interface ShellServices {
  info(): AppInfo;
  data: DataApi;
  sweeps: SweepApi;
  /** Dialog-backed operations; `sender` is the asking page, whose window parents the dialog. */
  saveSnapshot(args: ApiArgs<'saveSnapshot'>[0], sender: IpcEventLike['sender']): Promise<{ saved: boolean; path: string | null }>;
  openSnapshot(sender: IpcEventLike['sender']): Promise<{ name: string; contents: string } | null>;
  chooseDataRoot(sender: IpcEventLike['sender']): Promise<string | null>;
  saveExport(args: ApiArgs<'saveExport'>[0], sender: IpcEventLike['sender']): Promise<{ saved: boolean; path: string | null }>;
  recompactDay(day: ApiArgs<'recompactDay'>[0]): Promise<{ summary: string }>;
  /** Take the data from a `helios serve` server (or the local root again); answers the new AppInfo. */
  connectServer(args: ApiArgs<'connectServer'>[0]): Promise<AppInfo>;
  getSources(): Promise<SourcesView>;
  setSources(choice: ApiArgs<'setSources'>[0]): Promise<SourcesView>;
  live: LiveRouter;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): void;
}

type InvokeHandler = (event: IpcEventLike, args: unknown[]) => Promise<IpcResult<unknown>>;

export const UNTRUSTED_SENDER = 'refused: the request did not come from the HELIOS Tape window';

export function createInvokeHandlers(
  services: ShellServices,
  trustedContents: ReadonlySet<number>,
  log: (message: string) => void = console.warn,
): Record<InvokeOperation, InvokeHandler> {
  const operations: Record<InvokeOperation, (event: IpcEventLike, args: unknown[]) => Promise<unknown>> = {
    getInfo: async (_e, args) => (parseApiArgs('getInfo', args), services.info()),
    listDays: async (_e, args) => services.data.listDays(...args),
    readManifest: async (_e, args) => services.data.readManifest(...args),
    readParquet: async (_e, args) => services.data.readParquet(...args),
    saveSnapshot: async (e, args) => services.saveSnapshot(parseApiArgs('saveSnapshot', args)[0], e.sender),
    openSnapshot: async (e, args) => (parseApiArgs('openSnapshot', args), services.openSnapshot(e.sender)),
    chooseDataRoot: async (e, args) => (parseApiArgs('chooseDataRoot', args), services.chooseDataRoot(e.sender)),
    connectServer: async (_e, args) => services.connectServer(parseApiArgs('connectServer', args)[0]),
    getSources: async (_e, args) => (parseApiArgs('getSources', args), services.getSources()),
    setSources: async (_e, args) => services.setSources(parseApiArgs('setSources', args)[0]),
    startSweep: async (_e, args) => services.sweeps.startSweep(...args),
    sweepStatus: async (_e, args) => services.sweeps.sweepStatus(...args),
    saveExport: async (e, args) => services.saveExport(parseApiArgs('saveExport', args)[0], e.sender),
    recompactDay: async (_e, args) => services.recompactDay(parseApiArgs('recompactDay', args)[0]),
  };
  return Object.fromEntries(
    INVOKE_OPERATIONS.map((op): [InvokeOperation, InvokeHandler] => [
      op,
      async (event, args) => {
        if (!isTrustedSender(event, trustedContents)) {
          log(`HELIOS: refused ${op} from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
          return { ok: false, error: UNTRUSTED_SENDER };
        }
        try {
          return { ok: true, value: await operations[op](event, args) };
        } catch (e) {
          if (!(e instanceof ApiArgsError)) log(`HELIOS: ${op} failed: ${(e as Error).stack ?? String(e)}`);
          return { ok: false, error: (e as Error).message };
        }
      },
    ]),
  ) as Record<InvokeOperation, InvokeHandler>;
}

const subscriptionId = z.number().int().positive().max(2 ** 31);
const liveGroups = z
  .array(z.enum(GROUPS as [ChannelGroup, ...ChannelGroup[]]))
  .min(1)
  .max(GROUPS.length)
  .refine((groups) => new Set(groups).size === groups.length, 'groups must not repeat');

/** Subscriptions are keyed by webContents and the preload's id, so windows can't touch each other's. */
export function liveKey(contentsId: number, id: number): string {
  return `${contentsId}:${id}`;
}

export function createLiveHandlers(
  live: LiveRouter,
  trustedContents: ReadonlySet<number>,
  log: (message: string) => void = console.warn,
) {
  return {
    subscribe(event: IpcEventLike, rawId: unknown, rawGroups: unknown): void {
      if (!isTrustedSender(event, trustedContents)) return log(`HELIOS: refused live subscription from ${event.senderFrame?.url}`);
      const id = subscriptionId.safeParse(rawId);
      if (!id.success) return log(`HELIOS: refused live subscription with id ${JSON.stringify(rawId)}`);
      const groups = liveGroups.safeParse(rawGroups);
      if (!groups.success) {
        const error: ServerMessage = { type: 'error', message: `subscribeLive: invalid groups: ${groups.error.issues[0]?.message}` };
        return event.sender.send(LIVE_BATCH, id.data, [error]);
      }
      const sender = event.sender;
      live.subscribe(liveKey(sender.id, id.data), groups.data, (messages) => sender.send(LIVE_BATCH, id.data, messages));
    },
    unsubscribe(event: IpcEventLike, rawId: unknown): void {
      if (!isTrustedSender(event, trustedContents)) return;
      const id = subscriptionId.safeParse(rawId);
      if (id.success) live.unsubscribe(liveKey(event.sender.id, id.data));
    },
  };
}

export function registerIpc(
  ipcMain: IpcMainLike,
  services: ShellServices,
  trustedContents: ReadonlySet<number>,
  log?: (message: string) => void,
): void {
  const handlers = createInvokeHandlers(services, trustedContents, log);
  for (const op of INVOKE_OPERATIONS) ipcMain.handle(invokeChannel(op), (event, ...args) => handlers[op](event, args));
  const live = createLiveHandlers(services.live, trustedContents, log);
  ipcMain.on(LIVE_SUBSCRIBE, (event, id, groups) => live.subscribe(event, id, groups));
  ipcMain.on(LIVE_UNSUBSCRIBE, (event, id) => live.unsubscribe(event, id));
}
