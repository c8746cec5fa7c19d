/**
 * The desktop app's start: the Electron-specific wiring (here and in app-*.ts, shell-services.ts,
 * data-root-choice.ts), each piece built from the tested plain functions next to it. Order matters: the scheme, sandbox and single-instance lock are
 * set up synchronously before `ready`; protocol, session guards, IPC, the recorder process and the
 * window after it.
 */
import { join } from 'node:path';
import { app, ipcMain, protocol, session, utilityProcess } from 'electron';
import { APP_NAME } from '../services/app-folders';
import { DataSwitch, localDataAccess } from '../services/data-access';
import { installAppMenu } from './app-menu';
import { isFirstStart, loadAppState, type AppState, type DesktopApp } from './app-state';
import { AppWindows } from './app-windows';
import { restartRecorder } from './data-root-choice';
import { synthesizeDemoDay, type DemoChild, type DemoRun } from './demo-host';
import { registerIpc } from './ipc';
import { LiveHost, type LiveChild } from './live-host';
import { SourceLiveRouter } from './live-router';
import { APP_SCHEME, createAppProtocolHandler, privilegedSchemes } from './app-scheme';
import { reportError } from './report-error';
import { hardenSession, hardenWebContents } from './security';
import { createShellServices } from './shell-services';
import { UTILITY_PROCESS_EXEC_ARGV } from './utility-process-flags';

export const APP_USER_MODEL_ID = 'org.helios.tape';

/** Built files sit next to each other: out/main, out/preload, out/renderer. */
export function builtPaths(mainDir: string) {
  return {
    preload: join(mainDir, '../preload/index.cjs'),
    renderer: join(mainDir, '../renderer'),
    liveProcess: join(mainDir, 'live-process.js'),
    demoProcess: join(mainDir, 'demo-process.js'),
  };
}

export function startApp(mainDir: string): void {
  if (!prepareBeforeReady()) return;
  const paths = builtPaths(mainDir);
  let state: AppState | undefined; // once ready
  let ready = false; // state loaded, protocol and IPC registered, the recorder starting
  let demo: DemoRun | null = null;

  const recorder = new LiveHost({ fork: () => forkUtility(paths.liveProcess, 'recorder') as unknown as LiveChild });
  // Days and live come from the local root or, once connected, from a `helios serve` server.
  const data = new DataSwitch(() => localDataAccess(state!.dataRoot));
  const live = new SourceLiveRouter(recorder, () => {
    const source = data.current();
    return source.location.kind === 'server' ? { feed: source.live, label: source.location.label } : null;
  });
  const windows = new AppWindows({ preloadPath: paths.preload, settings: () => state!.settings, dropContents: (id) => live.dropContents(id) });
  const forkOneShot = () => forkUtility(paths.demoProcess, 'demo day') as unknown as DemoChild;

  followLifecycle(windows, () => ready, () => {
    demo?.cancel();
    return Promise.allSettled([recorder.stop(), data.use(null), state?.settings.flush()]);
  });

  app
    .whenReady()
    .then(async () => {
      state = await loadAppState(app.getPath('userData'));
      const desktop: DesktopApp = { state, recorder, data, live, windows, forkOneShot };
      protocol.handle(APP_SCHEME, createAppProtocolHandler(paths.renderer));
      hardenSession(session.defaultSession);
      registerIpc(ipcMain, createShellServices(desktop), windows.trustedContents);
      installAppMenu(desktop);
      // Decided before live recording starts writing today's journal into the folder.
      if (await isFirstStart(state)) {
        demo = startDemoDay(desktop);
        void demo.done.then(() => (demo = null));
      }
      // the recorder before the window, so the page's first live subscription finds it starting
      await restartRecorder(desktop);
      ready = true;
      windows.create();
    })
    .catch((e: unknown) => {
      reportError(e);
      app.exit(1);
    });
}

/**
 * Synchronous, before `ready`: the app:// scheme, the sandbox, the app's name and folder, the
 * single-instance lock. False when another instance runs (this one quits).
 */
function prepareBeforeReady(): boolean {
  protocol.registerSchemesAsPrivileged(privilegedSchemes());
  app.enableSandbox();
  app.setName(APP_NAME);
  app.setPath('userData', join(app.getPath('appData'), APP_NAME));
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  return true;
}

function forkUtility(modulePath: string, job: string) {
  return utilityProcess.fork(modulePath, [], {
    serviceName: `${APP_NAME} ${job}`,
    stdio: 'inherit',
    execArgv: [...UTILITY_PROCESS_EXEC_ARGV],
  });
}

/**
 * A second launch focuses the window; closing the last window quits (but on macOS); quitting
 * stops the recorder and saves the settings first.
 */
function followLifecycle(windows: AppWindows, isReady: () => boolean, shutDown: () => Promise<unknown>): void {
  app.on('second-instance', () => {
    const win = windows.first();
    if (!win) {
      if (isReady()) windows.create();
      return;
    }
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (isReady() && windows.count === 0) windows.create();
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    void shutDown().finally(() => app.quit());
  });
}

/** First start (the default folder, nothing in it): a demo past day, in its own process. */
function startDemoDay(desktop: DesktopApp): DemoRun {
  const root = desktop.state.dataRoot.root;
  const demo = synthesizeDemoDay({
    fork: desktop.forkOneShot,
    dataRoot: root,
    log: (level, message) => console[level](`HELIOS: ${message}`),
  });
  // the UI re-lists the days (and offers the day picker) on this command
  void demo.done.then((result) => {
    if (result?.created && desktop.state.dataRoot.root === root) desktop.windows.broadcast('data-root-changed');
  });
  return demo;
}
