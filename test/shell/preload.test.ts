import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { API_ARGS } from '../../src/shared/api';
import { createPreloadApi, type PreloadIpc } from '../../src/preload/api';
import { INVOKE_OPERATIONS, invokeChannel, LIVE_BATCH, LIVE_SUBSCRIBE, LIVE_UNSUBSCRIBE, MENU_COMMAND } from '../../src/shared/ipc-contract';
import type { ServerMessage } from '../../src/shared/protocol';
import { sampleEvents } from '../fixtures/events';

function fakeIpc(answer: (channel: string, args: unknown[]) => unknown = () => ({ ok: true, value: null })) {
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const sent: unknown[][] = [];
  const ipc: PreloadIpc = {
    invoke: vi.fn(async (channel: string, ...args: unknown[]) => answer(channel, args)),
    send: (channel, ...args) => void sent.push([channel, ...args]),
    on: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener)),
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const emit = (channel: string, ...args: unknown[]) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: 'ipc-event-must-not-leak' }, ...args);
  };
  return { ipc, sent, emit, listeners };
}

const EXPOSED = [...INVOKE_OPERATIONS, 'subscribeLive', 'onMenuCommand'].sort();

describe('preload API', () => {
  it('exposes one function per HeliosApi operation and nothing else', () => {
    const api = createPreloadApi(fakeIpc().ipc);
    expect(Object.keys(api).sort()).toEqual(EXPOSED);
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    expect([...INVOKE_OPERATIONS].sort()).toEqual(Object.keys(API_ARGS).sort());
  });

  it('sends each call on its fixed channel and unwraps the result', async () => {
    const { ipc } = fakeIpc((channel, args) => ({ ok: true, value: { channel, args } }));
    const api = createPreloadApi(ipc);
    const day = { station_id: 'KLGA', date: '2026-01-29' };
    expect(await api.readManifest(day)).toEqual({ channel: invokeChannel('readManifest'), args: [day] });
    expect(await api.listDays()).toEqual({ channel: 'helios:api:listDays', args: [] });
  });

  it('turns a refused call into an Error with main\'s message', async () => {
    const { ipc } = fakeIpc(() => ({ ok: false, error: 'readManifest: invalid arguments: date: bad' }));
    await expect(createPreloadApi(ipc).readManifest({ station_id: 'KLGA', date: 'x' })).rejects.toThrow(
      'readManifest: invalid arguments: date: bad',
    );
  });

  it('multiplexes live subscriptions by id and passes only the messages to the page', () => {
    const { ipc, sent, emit, listeners } = fakeIpc();
    const api = createPreloadApi(ipc);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = api.subscribeLive(['l2'], (m) => a.push(m));
    api.subscribeLive(['world'], (m) => b.push(m));
    expect(sent).toEqual([
      [LIVE_SUBSCRIBE, 1, ['l2']],
      [LIVE_SUBSCRIBE, 2, ['world']],
    ]);
    expect(listeners.get(LIVE_BATCH)?.size).toBe(1);
    const hello = { type: 'hello', protocol: 1, mode: 'live', station_id: 'KLGA', date: null, groups: ['l2'] };
    emit(LIVE_BATCH, 1, [hello, { type: 'events', events: [] }]);
    emit(LIVE_BATCH, 2, [{ type: 'error', message: 'x' }]);
    emit(LIVE_BATCH, 3, [{ type: 'error', message: 'not mine' }]);
    expect(a).toEqual([hello, { type: 'events', events: [] }]);
    expect(b).toEqual([{ type: 'error', message: 'x' }]);
    offA();
    offA(); // idempotent
    expect(sent.filter(([c]) => c === LIVE_UNSUBSCRIBE)).toEqual([[LIVE_UNSUBSCRIBE, 1]]);
    emit(LIVE_BATCH, 1, [hello]);
    expect(a).toHaveLength(2);
  });

  it('keeps delivering when one listener throws', () => {
    const { ipc, emit } = fakeIpc();
    const api = createPreloadApi(ipc);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const got: unknown[] = [];
    api.subscribeLive(['l2'], () => {
      throw new Error('boom');
    });
    api.onMenuCommand!((c) => got.push(c));
    emit(LIVE_BATCH, 1, [{ type: 'events', events: [] }]);
    emit(MENU_COMMAND, 'open-day');
    expect(got).toEqual(['open-day']);
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
  });
});

describe('preload validation of what main sends (same function as the browser client)', () => {
  const hello = { type: 'hello', protocol: 1, mode: 'live', station_id: 'KLGA', date: null, groups: ['l2'] };
  const good = sampleEvents().l2_snap_1s;
  const other = sampleEvents().tape_trades;

  it('delivers valid live messages as validated values, drops invalid events with an error first', () => {
    const { ipc, emit } = fakeIpc();
    const got: ServerMessage[] = [];
    createPreloadApi(ipc).subscribeLive(['l2'], (m) => got.push(m));
    const broken = { ...other, p: 'high' };
    emit(LIVE_BATCH, 1, [hello, { type: 'events', events: [good, broken] }]);
    expect(got[0]).toEqual(hello);
    expect(got[1]).toMatchObject({ type: 'error', message: expect.stringMatching(/^1 invalid live event\(s\) dropped: tape_trades v\d+: p/) });
    expect(got[2]).toEqual({ type: 'events', events: [good] });
    expect(got).toHaveLength(3);
  });

  it('turns a message that is not a protocol message into an error, never passes it on', () => {
    const { ipc, emit } = fakeIpc();
    const got: ServerMessage[] = [];
    createPreloadApi(ipc).subscribeLive(['l2'], (m) => got.push(m));
    emit(LIVE_BATCH, 1, [{ type: 'hello', protocol: 99 }, { type: 'eval', code: 'alert(1)' }, 'text', null]);
    emit(LIVE_BATCH, 1, 'not a list');
    expect(got.map((m) => m.type)).toEqual(['error', 'error', 'error', 'error', 'error']);
    expect(got.every((m) => m.type === 'error' && /^invalid live (message|batch) dropped/.test(m.message))).toBe(true);
  });

  it('drops menu commands that are not in MENU_COMMANDS', () => {
    const { ipc, emit } = fakeIpc();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const got: unknown[] = [];
    createPreloadApi(ipc).onMenuCommand!((c) => got.push(c));
    emit(MENU_COMMAND, 'toggle-panel:depth');
    emit(MENU_COMMAND, 'rm -rf');
    emit(MENU_COMMAND, { command: 'open-day' });
    expect(got).toEqual(['toggle-panel:depth']);
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });
});

describe('built preload bundle (out/preload/index.cjs)', () => {
  const file = join(import.meta.dirname, '../../out/preload/index.cjs');

  it('exists as the CommonJS file the window points at (run `npx electron-vite build` first)', () => {
    expect(existsSync(file)).toBe(true);
  });

  it('runs in a sandbox-like context with only require("electron") and exposes window.helios', () => {
    const code = readFileSync(file, 'utf8');
    const required: string[] = [];
    const exposed = new Map<string, Record<string, unknown>>();
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api) },
      ipcRenderer: fakeIpc().ipc,
    };
    const module = { exports: {} };
    runInNewContext(code, {
      require: (id: string) => {
        required.push(id);
        if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
        return electron;
      },
      module,
      exports: module.exports,
      console,
    });
    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['helios']);
    expect(Object.keys(exposed.get('helios')!).sort()).toEqual(EXPOSED);
    for (const value of Object.values(exposed.get('helios')!)) expect(value).not.toBe(electron.ipcRenderer);
    expect(code).not.toContain('process.env');
  });
});
