/**
 * The Electron security checklist (electronjs.org/docs/latest/tutorial/security), one test per item,
 * each inspecting the real configuration object the app builds: window options, session handlers,
 * the protocol handler, the preload bundle and the packaging fuses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cspDirectives } from '../../src/main/csp';
import { APP_ENTRY_URL, createAppProtocolHandler, privilegedSchemes } from '../../src/main/app-scheme';
import { hardenSession, hardenWebContents, isAllowedRequest, isTrustedSender, mainWindowOptions } from '../../src/main/security';
import { FakeSession, FakeWebContents } from './fake-electron';

const root = join(import.meta.dirname, '../..');
const options = mainWindowOptions({ preloadPath: '/app/out/preload/index.cjs', bounds: { width: 1400, height: 900 }, devTools: false });
const prefs = options.webPreferences!;

function hardenedSession() {
  const s = new FakeSession();
  hardenSession(s as never);
  return s;
}

function hardenedContents() {
  const c = new FakeWebContents();
  hardenWebContents(c as never);
  return c;
}

/** Emit an Electron-style cancellable event; returns whether the app prevented it. */
function prevented(contents: FakeWebContents, name: string, ...args: unknown[]): boolean {
  const event = { preventDefault: vi.fn() };
  contents.emit(name, event, ...args);
  return event.preventDefault.mock.calls.length > 0;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(root, dir, f), 'utf8'));
}

describe('Electron security checklist', () => {
  it('1. only secure, local content: the window loads app://, every other request is cancelled', () => {
    expect(APP_ENTRY_URL).toBe('app://helios/index.html');
    expect(privilegedSchemes()[0]?.privileges?.secure).toBe(true);
    const s = hardenedSession();
    const decide = (url: string) => {
      let cancel: boolean | undefined;
      s.beforeRequest!({ url }, (r) => (cancel = r.cancel));
      return cancel;
    };
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8080/', 'ws://evil/', 'file:///etc/passwd', 'ftp://x/', 'app://other/x'])
      expect(decide(url), url).toBe(true);
    for (const url of ['app://helios/assets/index.js', 'blob:app://helios/uuid', 'data:image/png;base64,AA'])
      expect(decide(url), url).toBe(false);
    expect(isAllowedRequest('not a url')).toBe(false);
  });

  it('2. no Node.js integration anywhere (page, workers, subframes)', () => {
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });

  it('3. context isolation', () => {
    expect(prefs.contextIsolation).toBe(true);
  });

  it('4. process sandboxing, with a preload that is a sandbox-compatible CommonJS bundle', () => {
    expect(prefs.sandbox).toBe(true);
    expect(prefs.preload).toMatch(/index\.cjs$/);
    // app.enableSandbox() before ready: see app-boot.test.ts
  });

  it('5. every permission request and check is refused', () => {
    const s = hardenedSession();
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'serial', 'usb', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      s.permissionRequest!({}, permission, callback, {});
      expect(callback, permission).toHaveBeenCalledWith(false);
      expect(s.permissionCheck!({}, permission, 'app://helios', {}), permission).toBe(false);
    }
    expect(s.devicePermission!({ deviceType: 'usb', origin: 'app://helios' })).toBe(false);
    const media = vi.fn();
    s.displayMedia!({}, media);
    expect(media).toHaveBeenCalledWith(null);
    const download = { preventDefault: vi.fn() };
    s.emit('will-download', download);
    expect(download.preventDefault).toHaveBeenCalled();
  });

  it('6. webSecurity stays on', () => {
    expect(prefs.webSecurity).toBe(true);
  });

  it("7. a Content-Security-Policy: strict, local only, no 'unsafe-eval'", async () => {
    const res = await createAppProtocolHandler(join(root, 'src/renderer'))(new Request(APP_ENTRY_URL));
    const policy = res.headers.get('content-security-policy')!;
    const d = cspDirectives(policy);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(policy).not.toContain("'unsafe-eval'");
    expect(policy).not.toMatch(/https?:|wss?:|\*/); // no remote origin, no wildcard
    for (const [name, sources] of d) {
      if (name !== 'script-src') expect(sources, name).not.toContain("'wasm-unsafe-eval'");
      if (name !== 'style-src') expect(sources, name).not.toContain("'unsafe-inline'");
    }
    expect(d.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('8. no insecure content', () => {
    expect(prefs.allowRunningInsecureContent).toBe(false);
  });

  it('9. no experimental features', () => {
    expect(prefs.experimentalFeatures).toBe(false);
  });

  it('10. no enableBlinkFeatures', () => {
    expect(prefs.enableBlinkFeatures).toBeUndefined();
  });

  it('11. no <webview> (so no allowpopups)', () => {
    expect(prefs.webviewTag).toBe(false);
  });

  it('12. a <webview> could not be attached anyway', () => {
    expect(prevented(hardenedContents(), 'will-attach-webview', {}, {})).toBe(true);
  });

  it('13. navigation is denied (links, redirects, subframes, drag-and-drop)', () => {
    const c = hardenedContents();
    expect(prevented(c, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(prevented(c, 'will-navigate', 'app://helios/other.html')).toBe(true);
    expect(prevented(c, 'will-frame-navigate')).toBe(true);
    expect(prevented(c, 'will-redirect')).toBe(true);
    expect(prefs.navigateOnDragDrop).toBe(false);
  });

  it('14. new windows are denied', () => {
    const c = hardenedContents();
    for (const url of ['https://evil.example/', 'app://helios/index.html', 'about:blank'])
      expect(c.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
  });

  it('15. shell.openExternal is never used; shell only opens the data folder main chose', () => {
    for (const code of [...sourceFiles('src/main'), ...sourceFiles('src/preload')]) expect(code).not.toContain('openExternal');
    const calls = sourceFiles('src/main').flatMap((code) => code.match(/shell\.\w+\(.*?\)/g) ?? []);
    expect(calls).toEqual(['shell.openPath(state.dataRoot.root)']);
  });

  it('16. a current Electron (a supported major)', () => {
    const require = createRequire(join(root, 'package.json'));
    const version = require('electron/package.json').version as string;
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(45);
  });

  it('17. every IPC sender is checked: top frame of our window, our origin', () => {
    const trusted = new Set([1]);
    const ev = (id: number, url: string, parent: unknown = null) => ({ sender: { id }, senderFrame: { url, parent } });
    expect(isTrustedSender(ev(1, 'app://helios/index.html'), trusted)).toBe(true);
    expect(isTrustedSender(ev(1, 'app://helios/index.html', {}), trusted)).toBe(false);
    expect(isTrustedSender(ev(2, 'app://helios/index.html'), trusted)).toBe(false);
    expect(isTrustedSender(ev(1, 'https://helios/index.html'), trusted)).toBe(false);
    expect(isTrustedSender(ev(1, 'file:///index.html'), trusted)).toBe(false);
    expect(isTrustedSender({ sender: { id: 1 }, senderFrame: null }, trusted)).toBe(false);
  });

  it('18. no file:// — the renderer comes from the app:// handler, and the file fuse is off', async () => {
    const main = sourceFiles('src/main').join('\n');
    expect(main).not.toMatch(/loadFile\(|['"`]file:\/\//); // no loadFile, no file:// URL built
    const { getConfig } = createRequire(join(root, 'package.json'))('app-builder-lib/out/util/config/config');
    const config = await getConfig(root, null, null);
    expect(config.electronFuses.grantFileProtocolExtraPrivileges).toBe(false);
  });

  it('19. fuses flipped at packaging (electron-builder electronFuses)', async () => {
    const { getConfig } = createRequire(join(root, 'package.json'))('app-builder-lib/out/util/config/config');
    const { electronFuses } = await getConfig(root, null, null);
    expect(electronFuses).toEqual({
      runAsNode: false, // the recorder uses utilityProcess, not ELECTRON_RUN_AS_NODE
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('20. no Electron API reaches the page: the preload exposes only HeliosApi functions', () => {
    const preload = readFileSync(join(root, 'src/preload/index.ts'), 'utf8');
    expect(preload.match(/exposeInMainWorld\([^)]*\)/g)).toEqual(["exposeInMainWorld('helios', createPreloadApi(ipcRenderer)"]);
    for (const code of sourceFiles('src/preload')) expect(code).not.toMatch(/process\.env|remote\b/);
    // the exposed object's exact shape is checked on the built bundle in preload.test.ts
  });
});
