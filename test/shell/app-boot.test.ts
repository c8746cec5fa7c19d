/**
 * Boots the real main-process wiring (src/main/app.ts) against a fake `electron` module and checks
 * what it configured: the order of the before-ready steps, the window, session, protocol, IPC, the
 * recorder process, single-instance behaviour, data-root switching and settings on quit.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { INVOKE_OPERATIONS, invokeChannel, MENU_COMMAND } from '../../src/shared/ipc-contract';
import { privilegedSchemes } from '../../src/main/app-scheme';
import { createFakeElectron, FakeBrowserWindow, FakeWebContents, type FakeElectron } from './fake-electron';

const fake = vi.hoisted(() => ({ current: null as FakeElectron | null }));
// Each boot gets a fresh fake; the module's exports read through to the current one.
vi.mock('electron', async () => {
  const { FakeBrowserWindow } = await import('./fake-electron');
  const keys = ['app', 'protocol', 'session', 'ipcMain', 'Menu', 'screen', 'dialog', 'shell', 'safeStorage', 'utilityProcess'];
  const proxies = keys.map((k) => [k, new Proxy({}, { get: (_t, p) => Reflect.get(fake.current!.electron[k as 'app'], p) })]);
  return { ...Object.fromEntries(proxies), BrowserWindow: FakeBrowserWindow };
});

const root = join(import.meta.dirname, '../..');
const mainDir = join(root, 'out/main');

async function boot(prepare?: (f: FakeElectron) => Promise<void> | void) {
  FakeBrowserWindow.instances = [];
  const f = createFakeElectron();
  fake.current = f;
  const { startApp } = await import('../../src/main/app');
  await prepare?.(f);
  startApp(mainDir);
  return f;
}

const recorders = (f: FakeElectron) => f.forked.filter((p) => p.path.endsWith('live-process.js'));
const demos = (f: FakeElectron) => f.forked.filter((p) => p.path.endsWith('demo-process.js'));

async function ready(f: FakeElectron) {
  f.ready();
  await vi.waitFor(() => {
    expect(recorders(f).length).toBeGreaterThan(0);
    expect(FakeBrowserWindow.instances.length).toBeGreaterThan(0);
  });
  return FakeBrowserWindow.instances[0]!;
}

function trustedEvent(win: FakeBrowserWindow) {
  return { sender: win.webContents, senderFrame: { url: 'app://helios/index.html', parent: null } };
}

function invoke(f: FakeElectron, op: (typeof INVOKE_OPERATIONS)[number], event: unknown, ...args: unknown[]) {
  const call = f.electron.ipcMain.handle.mock.calls.find(([channel]) => channel === invokeChannel(op));
  return (call![1] as (...a: unknown[]) => Promise<unknown>)(event, ...args);
}

beforeEach(() => {
  vi.spyOn(console, 'info').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});

describe('main process boot', () => {
  it('registers the app:// scheme, enables the sandbox and takes the single-instance lock before ready', async () => {
    const f = await boot();
    expect(f.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith(privilegedSchemes());
    const order = f.calls;
    expect(order.indexOf('protocol.registerSchemesAsPrivileged')).toBeLessThan(order.indexOf('app.whenReady'));
    expect(order.indexOf('app.enableSandbox')).toBeLessThan(order.indexOf('app.whenReady'));
    expect(order.indexOf('app.requestSingleInstanceLock')).toBeLessThan(order.indexOf('app.whenReady'));
    expect(f.electron.protocol.handle).not.toHaveBeenCalled(); // only once ready
  });

  it('hardens every webContents the app ever creates', async () => {
    const f = await boot();
    const contents = new FakeWebContents();
    f.electron.app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpenHandler!({ url: 'https://x' })).toEqual({ action: 'deny' });
    const nav = { preventDefault: vi.fn() };
    contents.emit('will-navigate', nav, 'https://x');
    expect(nav.preventDefault).toHaveBeenCalled();
  });

  it('quits at once when another instance holds the lock', async () => {
    const f = await boot((f) => void (f.state.lock = false));
    expect(f.electron.app.quit).toHaveBeenCalled();
    expect(f.calls).not.toContain('app.whenReady');
  });

  it('once ready: serves the built renderer over app://, guards the session, registers IPC, opens one secure window', async () => {
    const f = await boot();
    const win = await ready(f);
    const [scheme, handler] = f.electron.protocol.handle.mock.calls[0] as unknown as [string, (r: Request) => Promise<Response>];
    expect(scheme).toBe('app');
    const index = await handler(new Request('app://helios/index.html'));
    expect(index.status).toBe(200); // the real out/renderer (npx electron-vite build)
    expect(index.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(f.defaultSession.permissionRequest).toBeTypeOf('function');
    expect(f.defaultSession.beforeRequest).toBeTypeOf('function');
    const handled = f.electron.ipcMain.handle.mock.calls.map(([c]) => c);
    expect(handled.sort()).toEqual(INVOKE_OPERATIONS.map(invokeChannel).sort());

    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(prefs.preload).toBe(join(root, 'out/preload/index.cjs'));
    expect(existsSync(prefs.preload as string)).toBe(true);
    expect(win.loadedUrl).toBe('app://helios/index.html');
  });

  it('starts the recorder in a utility process against <userData>/data', async () => {
    const f = await boot();
    await ready(f);
    const { path, options, child } = recorders(f)[0]!;
    expect(path).toBe(join(root, 'out/main/live-process.js'));
    expect(existsSync(path)).toBe(true);
    // a larger young generation for the live loop (GC pauses drive its event-loop delay p99)
    expect(options).toMatchObject({ serviceName: 'HELIOS Tape recorder', execArgv: ['--max-semi-space-size=64'] });
    await vi.waitFor(() => expect(child.received[0]?.type).toBe('start'));
    const userData = join(f.state.paths.appData!, 'HELIOS Tape');
    expect(child.received[0]).toEqual({ type: 'start', options: { data_root: join(userData, 'data'), station: 'KLGA', sources: { kind: 'simulator' }, version: '0.1.0' } });
  });

  it('on first start synthesizes a demo day in its own process, then tells the UI', async () => {
    const f = await boot();
    const win = await ready(f);
    expect(demos(f)).toHaveLength(1);
    const { path, child, options } = demos(f)[0]!;
    expect(existsSync(path)).toBe(true);
    expect(options).toMatchObject({ serviceName: 'HELIOS Tape demo day', execArgv: ['--max-semi-space-size=64'] });
    const dataDir = join(f.state.paths.appData!, 'HELIOS Tape', 'data');
    await vi.waitFor(() => expect(child.received).toEqual([{ type: 'synthesize', data_root: dataDir }]));
    expect(win.webContents.sent).toEqual([]);
    child.emit('message', { type: 'done', result: { created: true, station_id: 'KLGA', date: '2026-01-28', elapsed_ms: 1, events_written: 1 } });
    child.emit('exit', 0);
    await vi.waitFor(() => expect(win.webContents.sent).toEqual([[MENU_COMMAND, 'data-root-changed']]));
  });

  it('does not synthesize a demo day into a folder that already has data', async () => {
    const f = await boot(async (f) => {
      const journal = join(f.state.paths.appData!, 'HELIOS Tape', 'data', 'journal', 'station=KLGA', 'date=2026-01-29');
      await mkdir(journal, { recursive: true });
    });
    await ready(f);
    expect(demos(f)).toEqual([]);
  });

  it('answers getInfo for its window and refuses another frame', async () => {
    const f = await boot();
    const win = await ready(f);
    const info = await invoke(f, 'getInfo', trustedEvent(win));
    // live is offered as soon as the recorder process runs (the subscription waits for its hello)
    expect(info).toMatchObject({ ok: true, value: { shell: 'electron', version: '0.1.0', live_available: true, live_station_id: 'KLGA' } });
    const refused = await invoke(f, 'getInfo', { sender: win.webContents, senderFrame: { url: 'https://evil/', parent: null } });
    expect(refused).toMatchObject({ ok: false });
  });

  it('focuses the existing window when a second instance starts', async () => {
    const f = await boot();
    await ready(f);
    f.electron.app.emit('second-instance');
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });

  it('runs retention daily in the recorder process when the setting is on, and the menu toggles it', async () => {
    const f = await boot(async (f) => {
      const userData = join(f.state.paths.appData!, 'HELIOS Tape');
      await mkdir(userData, { recursive: true });
      await writeFile(join(userData, 'settings.json'), JSON.stringify({ version: 1, retention: { daily: true, policy: { journal_days: 7 } } }));
    });
    await ready(f);
    const policy = { journal_days: 7, raw_days: 14, parquet_months: 24, windows_months: 60 };
    await vi.waitFor(() => expect(recorders(f)[0]!.child.received[0]).toMatchObject({ type: 'start', options: { station: 'KLGA', retention: policy } }));
    const menu = f.electron.Menu.setApplicationMenu.mock.calls[0]![0] as { submenu?: { label?: string; checked?: boolean; click?: (item: { checked: boolean }) => void }[] }[];
    const item = menu.flatMap((m) => m.submenu ?? []).find((i) => i.label === 'Delete Expired Data Daily')!;
    expect(item.checked).toBe(true);
    item.click!({ checked: false });
    await vi.waitFor(() => expect(recorders(f)).toHaveLength(2));
    await vi.waitFor(() => expect(recorders(f)[1]!.child.received[0]).toMatchObject({ type: 'start' }));
    expect(recorders(f)[1]!.child.received[0]).not.toHaveProperty('options.retention');
  });

  it('reopens the remembered data folder, and switches folders from the menu: recorder restarted, UI told', async () => {
    let other = '';
    const f = await boot(async (f) => {
      const userData = join(f.state.paths.appData!, 'HELIOS Tape');
      other = join(f.state.paths.appData!, 'elsewhere');
      await mkdir(other, { recursive: true });
      await mkdir(userData, { recursive: true });
      await writeFile(join(userData, 'settings.json'), JSON.stringify({ version: 1, data_root: other, window: null }));
    });
    const win = await ready(f);
    await vi.waitFor(() => expect(recorders(f)[0]!.child.received[0]).toEqual({ type: 'start', options: { data_root: other, station: 'KLGA', sources: { kind: 'simulator' }, version: '0.1.0' } }));
    expect(demos(f)).toEqual([]); // a folder the user opened never gets a demo day

    const picked = join(f.state.paths.appData!, 'picked');
    f.electron.dialog.showOpenDialog.mockResolvedValue({ canceled: false, filePaths: [picked] });
    const result = await invoke(f, 'chooseDataRoot', trustedEvent(win));
    expect(result).toEqual({ ok: true, value: picked });
    expect(recorders(f)).toHaveLength(2);
    await vi.waitFor(() => expect(recorders(f)[1]!.child.received[0]).toEqual({ type: 'start', options: { data_root: picked, station: 'KLGA', sources: { kind: 'simulator' }, version: '0.1.0' } }));
    expect(win.webContents.sent).toContainEqual([MENU_COMMAND, 'data-root-changed']);
  });

  it('on quit: stops the recorder and writes the data root and window layout', async () => {
    const f = await boot();
    const win = await ready(f);
    win.emit('resize');
    const quit = { preventDefault: vi.fn() };
    f.electron.app.emit('before-quit', quit);
    expect(quit.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(f.electron.app.quit).toHaveBeenCalled());
    expect(recorders(f)[0]!.child.received.at(-1)).toEqual({ type: 'stop' });
    const settings = JSON.parse(await readFile(join(f.state.paths.appData!, 'HELIOS Tape', 'settings.json'), 'utf8'));
    expect(settings).toEqual({
      version: 1,
      data_root: null,
      window: { x: 10, y: 20, width: 1300, height: 800, maximized: false },
      retention: { daily: false, policy: { journal_days: 14, raw_days: 14, parquet_months: 24, windows_months: 60 } },
    });
  });
});
