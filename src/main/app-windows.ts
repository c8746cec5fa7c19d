/**
 * The app's windows: each built from the tested secure options, its layout remembered in the
 * settings, its live subscriptions dropped when its page goes. Their webContents are the only
 * senders IPC answers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, screen, type WebContents } from 'electron';
import type { MenuCommand } from '../shared/api';
import { MENU_COMMAND } from '../shared/ipc-contract';
import type { IpcEventLike } from './ipc';
import { APP_ENTRY_URL } from './app-scheme';
import { mainWindowOptions } from './security';
import { restoreBounds, type SettingsStore } from './settings';
import type { SnapshotDialogs } from './snapshot-files';

export class AppWindows {
  /** The ids of the windows' webContents, which IPC trusts. */
  readonly trustedContents = new Set<number>();
  private readonly windows = new Set<BrowserWindow>();

  constructor(
    private readonly o: {
      preloadPath: string;
      settings: () => SettingsStore;
      /** A page went (reload, crash, closed window): forget its live subscriptions. */
      dropContents: (contentsId: number) => void;
    },
  ) {}

  get count(): number {
    return this.windows.size;
  }

  first(): BrowserWindow | null {
    return [...this.windows][0] || null;
  }

  /** The window of `sender`, else the focused one, else any. */
  focused(sender?: WebContents | IpcEventLike['sender']): BrowserWindow | null {
    return (sender && BrowserWindow.fromWebContents(sender as WebContents)) || BrowserWindow.getFocusedWindow() || this.first();
  }

  /** A menu command to every window's page. */
  broadcast(command: MenuCommand): void {
    for (const win of this.windows) if (!win.isDestroyed()) win.webContents.send(MENU_COMMAND, command);
  }

  create(): BrowserWindow {
    const settings = this.o.settings();
    const displays = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea);
    const saved = settings.get().window;
    const icon = join(app.getAppPath(), 'resources', 'icon.png');
    const win = new BrowserWindow(
      mainWindowOptions({
        preloadPath: this.o.preloadPath,
        bounds: restoreBounds(saved, displays),
        devTools: !app.isPackaged,
        icon: process.platform === 'linux' && existsSync(icon) ? icon : undefined,
      }),
    );
    const contents = win.webContents;
    const contentsId = contents.id;
    this.windows.add(win);
    this.trustedContents.add(contentsId);
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
      if (details.isMainFrame && !details.isSameDocument) this.o.dropContents(contentsId);
    });
    contents.on('render-process-gone', () => this.o.dropContents(contentsId));
    win.on('closed', () => {
      this.windows.delete(win);
      this.trustedContents.delete(contentsId);
      this.o.dropContents(contentsId);
    });
    void win.loadURL(APP_ENTRY_URL);
    return win;
  }
}

/** Electron's save and open dialogs, attached to `win` when there is one. */
export function dialogsFor(win: BrowserWindow | null): SnapshotDialogs {
  return {
    showSave: (options) => (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options)),
    showOpen: (options) => (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options)),
  };
}
