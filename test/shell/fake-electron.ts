/**
 * A stand-in for the `electron` module (its binary cannot run here): records what the app asks of
 * Electron so tests can inspect the real configuration objects the app builds.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  id = FakeWebContents.nextId++;
  sent: unknown[][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  send(...args: unknown[]) {
    this.sent.push(args);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  webContents = new FakeWebContents();
  loadedUrl: string | null = null;
  constructor(public options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  static fromWebContents(contents: FakeWebContents) {
    return FakeBrowserWindow.instances.find((w) => w.webContents === contents) ?? null;
  }
  static getFocusedWindow() {
    return FakeBrowserWindow.instances[0] ?? null;
  }
  loadURL(url: string) {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  maximize() {}
  restore() {}
  focus = vi.fn();
  show() {}
  isDestroyed() {
    return false;
  }
  isMinimized() {
    return false;
  }
  isFullScreen() {
    return false;
  }
  isMaximized() {
    return false;
  }
  getNormalBounds() {
    return { x: 10, y: 20, width: 1300, height: 800 };
  }
}

export class FakeSession extends EventEmitter {
  permissionRequest: ((...args: unknown[]) => void) | null = null;
  permissionCheck: ((...args: unknown[]) => boolean) | null = null;
  devicePermission: ((...args: unknown[]) => boolean) | null = null;
  displayMedia: ((...args: unknown[]) => void) | null = null;
  beforeRequest: ((details: { url: string }, cb: (r: { cancel?: boolean }) => void) => void) | null = null;
  webRequest = { onBeforeRequest: (l: FakeSession['beforeRequest']) => void (this.beforeRequest = l) };
  setPermissionRequestHandler(h: FakeSession['permissionRequest']) {
    this.permissionRequest = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheck']) {
    this.permissionCheck = h;
  }
  setDevicePermissionHandler(h: FakeSession['devicePermission']) {
    this.devicePermission = h;
  }
  setDisplayMediaRequestHandler(h: FakeSession['displayMedia']) {
    this.displayMedia = h;
  }
}

/** The recorder process: records what main sends, exits when asked to stop. */
export class FakeUtilityProcess extends EventEmitter {
  received: Array<{ type: string; [k: string]: unknown }> = [];
  postMessage(message: { type: string }) {
    this.received.push(message);
    if (message.type === 'stop') setImmediate(() => this.emit('exit', 0));
  }
  kill() {
    setImmediate(() => this.emit('exit', 9));
    return true;
  }
}

export function createFakeElectron() {
  const calls: string[] = [];
  const appEvents = new EventEmitter();
  let resolveReady!: () => void;
  const state = {
    lock: true,
    ready: new Promise<void>((r) => (resolveReady = r)),
    paths: { appData: mkdtempSync(join(tmpdir(), 'helios-appdata-')), documents: tmpdir() } as Record<string, string>,
  };
  const record =
    <T>(name: string, result?: T) =>
    (..._args: unknown[]) => {
      calls.push(name);
      return result as T;
    };
  const defaultSession = new FakeSession();
  const forked: Array<{ path: string; options: unknown; child: FakeUtilityProcess }> = [];
  const electron = {
    app: Object.assign(appEvents, {
      enableSandbox: vi.fn(record('app.enableSandbox')),
      setName: vi.fn(),
      setAppUserModelId: vi.fn(),
      setPath: vi.fn((name: string, value: string) => void (state.paths[name] = value)),
      getPath: (name: string) => state.paths[name] ?? tmpdir(),
      requestSingleInstanceLock: vi.fn(() => (calls.push('app.requestSingleInstanceLock'), state.lock)),
      whenReady: () => (calls.push('app.whenReady'), state.ready),
      isReady: () => true,
      quit: vi.fn(record('app.quit')),
      exit: vi.fn(),
      isPackaged: false,
      getVersion: () => '0.1.0',
      getAppPath: () => join(import.meta.dirname, '../..'),
    }),
    protocol: {
      registerSchemesAsPrivileged: vi.fn(record('protocol.registerSchemesAsPrivileged')),
      handle: vi.fn(record('protocol.handle')),
    },
    session: { defaultSession },
    ipcMain: { handle: vi.fn(), on: vi.fn() },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: vi.fn() },
    screen: {
      getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
      getAllDisplays: () => [],
    },
    BrowserWindow: FakeBrowserWindow,
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn(), showErrorBox: vi.fn() },
    shell: { openPath: vi.fn(async () => '') },
    // a reversible stand-in for the OS keychain
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (plain: string) => Buffer.from(plain, 'utf8').reverse(),
      decryptString: (stored: Buffer) => Buffer.from(stored).reverse().toString('utf8'),
    },
    utilityProcess: {
      fork: vi.fn((path: string, _args: string[], options: unknown) => {
        const child = new FakeUtilityProcess();
        forked.push({ path, options, child });
        setImmediate(() => child.emit('spawn'));
        return child;
      }),
    },
  };
  return { electron, calls, state, ready: () => resolveReady(), defaultSession, forked };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
