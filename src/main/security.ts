/**
 * The Electron security checklist (electronjs.org/docs/latest/tutorial/security) as plain
 * functions over the real configuration objects, so every item is tested without launching
 * Electron: window options, per-webContents guards, session guards and the IPC sender check.
 */
import type { BrowserWindowConstructorOptions, Session, WebContents, WebPreferences } from 'electron';
import { APP_NAME } from '../services/app-folders';
import { APP_ORIGIN } from './app-scheme';

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export function secureWebPreferences(preloadPath: string, devTools: boolean): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true, // #3
    sandbox: true, // #4
    nodeIntegration: false, // #2
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true, // #6
    allowRunningInsecureContent: false, // #8
    experimentalFeatures: false, // #9
    enableBlinkFeatures: undefined, // #10 — never set
    webviewTag: false, // #11/#12
    navigateOnDragDrop: false, // #13 — dropping a file must not navigate away
    safeDialogs: true,
    spellcheck: false,
    devTools,
  };
}

export function mainWindowOptions(opts: {
  preloadPath: string;
  bounds: WindowBounds;
  devTools: boolean;
  icon?: string;
}): BrowserWindowConstructorOptions {
  return {
    ...opts.bounds,
    minWidth: 960,
    minHeight: 600,
    title: APP_NAME,
    backgroundColor: '#0f1419',
    show: false, // shown on ready-to-show, no white flash
    ...(opts.icon ? { icon: opts.icon } : {}),
    webPreferences: secureWebPreferences(opts.preloadPath, opts.devTools),
  };
}

/** True for a URL of our own renderer (the only content the app ever loads). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** The parts of an IPC event the sender check reads (IpcMainEvent / IpcMainInvokeEvent). */
export interface IpcSenderInfo {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/**
 * #17: an IPC message is trusted only from the top frame of one of our windows showing our own
 * origin — not from a subframe, not after the page somehow left app://helios.
 */
export function isTrustedSender(event: IpcSenderInfo, trustedContentsIds: ReadonlySet<number>): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return trustedContentsIds.has(event.sender.id) && isAppUrl(frame.url);
}

/**
 * #13, #14, #11/#12 for every webContents the app ever creates (wired on 'web-contents-created'):
 * no navigation away from the page, no new windows, no <webview>.
 */
export function hardenWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Schemes a page of ours may request; everything else (http, https, ws, file, ftp…) is cancelled. */
const ALLOWED_REQUEST_SCHEMES = new Set(['app:', 'blob:', 'data:', 'devtools:', 'chrome-extension:']);

export function isAllowedRequest(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'app:') return isAppUrl(url);
    return ALLOWED_REQUEST_SCHEMES.has(u.protocol);
  } catch {
    return false;
  }
}

type SessionGuards = Pick<
  Session,
  | 'setPermissionRequestHandler'
  | 'setPermissionCheckHandler'
  | 'setDevicePermissionHandler'
  | 'setDisplayMediaRequestHandler'
  | 'webRequest'
  | 'on'
>;

/**
 * #5 and #1: every permission (camera, notifications, geolocation, clipboard-read, HID, serial,
 * USB, screen capture…) is refused, nothing is downloaded, and no request leaves the app scheme.
 */
export function hardenSession(session: SessionGuards): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback(null));
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url) }));
  session.on('will-download', (event) => event.preventDefault());
}
