/**
 * The desktop app's wiring: everything Electron-specific in one place, each piece built from the
 * tested plain functions next to it. Order matters: the scheme, sandbox and single-instance lock are
 * set up synchronously before `ready`; protocol, session guards, IPC, the recorder process and the
 * window after it.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  utilityProcess,
  type WebContents,
} from 'electron';
import type { MenuCommand } from '../shared/api';
import { DEFAULT_STATION } from '../shared/stations';
import { createDataApi } from '../services/api-data';
import { APP_NAME, dataRootIn } from '../services/app-folders';
import { DataSwitch, localDataAccess } from '../services/data-access';
import { switchDataSource } from '../services/server/remote-data';
import { createSweepApi } from '../services/sweep/sweep-jobs';
import { DataRoot } from '../services/data-root';
import { SourcesStore } from '../services/sources/sources-store';
import { MENU_COMMAND } from '../shared/ipc-contract';
import { registerIpc, type IpcEventLike, type ShellServices } from './ipc';
import { isEmptyDataRoot, recompactInChild, synthesizeDemoDay, type DemoChild, type DemoRun } from './demo-host';
import { LiveHost, type LiveChild } from './live-host';
import { SourceLiveRouter } from './live-router';
import { buildMenuTemplate } from './menu';
import { APP_ENTRY_URL, APP_SCHEME, createAppProtocolHandler, privilegedSchemes } from './protocol';
import { hardenSession, hardenWebContents, mainWindowOptions } from './security';
import { createSettingsStore, loadSettings, restoreBounds, settingsFile, type SettingsStore } from './settings';
import { safeStorageCodec } from './secret-codec';
import { openSnapshotFile, saveExportFiles, saveSnapshotFile, type SnapshotDialogs } from './snapshot-files';
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
  // --- before ready (synchronous) ---
  protocol.registerSchemesAsPrivileged(privilegedSchemes());
  app.enableSandbox();
  app.setName(APP_NAME);
  app.setPath('userData', join(app.getPath('appData'), APP_NAME));
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  const paths = builtPaths(mainDir);
  const trustedContents = new Set<number>();
  const windows = new Set<BrowserWindow>();
  let settings: SettingsStore;
  let dataRoot: DataRoot;
  let defaultRoot: string;
  let quitting = false;
  let ready = false; // settings loaded, protocol and IPC registered
  let demo: DemoRun | null = null;
  let sourcesStore: SourcesStore;

  const recorder = new LiveHost({
    fork: () =>
      utilityProcess.fork(paths.liveProcess, [], {
        serviceName: `${APP_NAME} recorder`,
        stdio: 'inherit',
        execArgv: [...UTILITY_PROCESS_EXEC_ARGV],
      }) as unknown as LiveChild,
  });
  // Days and live come from the local root or, once connected, from a `helios serve` server.
  const data = new DataSwitch(() => localDataAccess(dataRoot));
  const live = new SourceLiveRouter(recorder, () => {
    const source = data.current();
    return source.location.kind === 'server' ? { feed: source.live, label: source.location.label } : null;
  });

  const forkOneShot = () =>
    utilityProcess.fork(paths.demoProcess, [], {
      serviceName: `${APP_NAME} demo day`,
      stdio: 'inherit',
      execArgv: [...UTILITY_PROCESS_EXEC_ARGV],
    }) as unknown as DemoChild;

  const startDemo = (root: string) => {
    demo = synthesizeDemoDay({
      fork: forkOneShot,
      dataRoot: root,
      log: (level, message) => console[level](`HELIOS: ${message}`),
    });
    void demo.done.then((result) => {
      demo = null;
      // the UI re-lists the days (and offers the day picker) on this command
      if (result?.created && dataRoot.root === root) broadcast('data-root-changed');
    });
  };

  const focusedWindow = (sender?: WebContents | IpcEventLike['sender']) =>
    (sender && BrowserWindow.fromWebContents(sender as WebContents)) || BrowserWindow.getFocusedWindow() || [...windows][0] || null;

  const dialogsFor = (win: BrowserWindow | null): SnapshotDialogs => ({
    showSave: (options) => (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options)),
    showOpen: (options) => (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options)),
  });

  const broadcast = (command: MenuCommand) => {
    for (const win of windows) if (!win.isDestroyed()) win.webContents.send(MENU_COMMAND, command);
  };

  const liveOptions = () => {
    const { retention } = settings.get();
    return {
      data_root: dataRoot.root,
      station: DEFAULT_STATION,
      sources: sourcesStore.liveChoice(),
      version: app.getVersion(),
      ...(retention.daily ? { retention: retention.policy } : {}),
    };
  };

  const switchDataRoot = async (root: string) => {
    dataRoot = new DataRoot(root);
    settings.update({ data_root: resolve(root) === resolve(defaultRoot) ? null : dataRoot.root });
    await recorder.start(liveOptions());
    broadcast('data-root-changed');
  };

  const chooseDataRoot = async (win: BrowserWindow | null): Promise<string | null> => {
    const options = {
      title: 'Open Data Folder',
      defaultPath: dataRoot.root,
      properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'>,
    };
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    const picked = result.filePaths[0];
    if (result.canceled || !picked) return null;
    await switchDataRoot(picked);
    return dataRoot.root;
  };

  const services: ShellServices = {
    info: () => {
      const source = data.current();
      const remote = source.location.kind === 'server';
      const status = recorder.status();
      return {
        version: app.getVersion(),
        shell: 'electron',
        data_root: dataRoot.root,
        server: remote ? source.location.label : null,
        live_available: remote ? source.live !== null : status.available,
        live_station_id: remote ? source.liveStationId : status.station_id,
      };
    },
    data: createDataApi(() => data.current()),
    sweeps: createSweepApi(() => data.requireLocal(dataRoot, 'The window sweep')),
    saveSnapshot: (args, sender) => saveSnapshotFile(dialogsFor(focusedWindow(sender)), app.getPath('documents'), args),
    saveExport: (args, sender) => saveExportFiles(dialogsFor(focusedWindow(sender)), app.getPath('documents'), args),
    recompactDay: (day) => recompactInChild({ fork: forkOneShot, dataRoot: data.requireLocal(dataRoot, 'Re-compacting a day').root, day }),
    openSnapshot: (sender) => openSnapshotFile(dialogsFor(focusedWindow(sender))),
    chooseDataRoot: (sender) => chooseDataRoot(focusedWindow(sender)),
    connectServer: async (args) => {
      await switchDataSource(data, args);
      return services.info();
    },
    getSources: async () => sourcesStore.view(recorder.sourcesState()),
    setSources: async (choice) => {
      await sourcesStore.save(choice);
      recorder.setSources(sourcesStore.liveChoice());
      return sourcesStore.view(recorder.sourcesState());
    },
    live,
  };

  const createWindow = () => {
    const displays = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea);
    const saved = settings.get().window;
    const icon = join(app.getAppPath(), 'resources', 'icon.png');
    const win = new BrowserWindow(
      mainWindowOptions({
        preloadPath: paths.preload,
        bounds: restoreBounds(saved, displays),
        devTools: !app.isPackaged,
        icon: process.platform === 'linux' && existsSync(icon) ? icon : undefined,
      }),
    );
    const contents = win.webContents;
    const contentsId = contents.id;
    windows.add(win);
    trustedContents.add(contentsId);
    if (saved?.maximized) win.maximize();

    const rememberLayout = () => {
      if (win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
      const b = win.getNormalBounds();
      settings.update({ window: { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() } });
    };
    win.on('resize', rememberLayout);
    win.on('move', rememberLayout);
    win.on('maximize', rememberLayout);
    win.on('unmaximize', rememberLayout);
    win.once('ready-to-show', () => win.show());
    // A reload or a crashed renderer leaves subscriptions nobody will unsubscribe.
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) live.dropContents(contentsId);
    });
    contents.on('render-process-gone', () => live.dropContents(contentsId));
    win.on('closed', () => {
      windows.delete(win);
      trustedContents.delete(contentsId);
      live.dropContents(contentsId);
    });
    void win.loadURL(APP_ENTRY_URL);
    return win;
  };

  app.on('second-instance', () => {
    const win = [...windows][0];
    if (!win) {
      if (ready) createWindow();
      return;
    }
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (ready && windows.size === 0) createWindow();
  });

  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    demo?.cancel();
    void Promise.allSettled([recorder.stop(), data.use(null), settings?.flush()]).finally(() => app.quit());
  });

  app
    .whenReady()
    .then(async () => {
      const userData = app.getPath('userData');
      const loaded = await loadSettings(settingsFile(userData));
      if (loaded.warning) console.warn(`HELIOS: ${loaded.warning}`);
      settings = createSettingsStore(settingsFile(userData), loaded.settings);
      defaultRoot = dataRootIn(userData);
      await mkdir(defaultRoot, { recursive: true });
      const remembered = loaded.settings.data_root;
      const rootPath = remembered && isDirectory(remembered) ? remembered : defaultRoot;
      if (remembered && rootPath !== remembered) console.warn(`HELIOS: data folder ${remembered} is gone; using ${defaultRoot}`);
      dataRoot = new DataRoot(rootPath);
      sourcesStore = new SourcesStore(userData, safeStorageCodec(safeStorage));
      await sourcesStore.load().catch((e: unknown) => console.warn(`HELIOS: sources: ${(e as Error).message}; recording the simulator`));

      protocol.handle(APP_SCHEME, createAppProtocolHandler(paths.renderer));
      hardenSession(session.defaultSession);
      registerIpc(ipcMain, services, trustedContents);
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          buildMenuTemplate({
            isMac: process.platform === 'darwin',
            devTools: !app.isPackaged,
            retentionDaily: loaded.settings.retention.daily,
            actions: {
              openDataFolder: () => void chooseDataRoot(focusedWindow()).catch(reportError),
              revealDataFolder: () => void shell.openPath(dataRoot.root).then((error) => error && reportError(new Error(error))),
              setRetentionDaily: (daily) => {
                settings.update({ retention: { ...settings.get().retention, daily } });
                void recorder.start(liveOptions()).catch(reportError); // the recorder process runs it
              },
              send: broadcast,
            },
          }),
        ),
      );
      // First start (the default folder, nothing in it): a demo past day, in its own process.
      // Decided before live recording starts writing today's journal into the folder.
      if (dataRoot.root === resolve(defaultRoot) && (await isEmptyDataRoot(dataRoot))) startDemo(dataRoot.root);
      // the recorder before the window, so the page's first live subscription finds it starting
      await recorder.start(liveOptions());
      ready = true;
      createWindow();
    })
    .catch((e: unknown) => {
      reportError(e);
      app.exit(1);
    });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function reportError(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  console.error(`HELIOS: ${e instanceof Error ? e.stack : message}`);
  dialog.showErrorBox(APP_NAME, message);
}
