/**
 * The application menu as a plain template. Items that only main can do (choose the data folder,
 * reveal it) call main's actions; items the UI owns (open a day, export the snapshot at the cursor,
 * view toggles) are sent to the renderer as narrow MenuCommands through the preload.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../shared/api';
import { APP_NAME } from '../services/app-folders';

export interface MenuActions {
  openDataFolder(): void;
  revealDataFolder(): void;
  /** Turn the daily retention run (settings `retention.daily`) on or off. */
  setRetentionDaily(on: boolean): void;
  send(command: MenuCommand): void;
}

export function buildMenuTemplate(opts: {
  isMac: boolean;
  devTools: boolean;
  /** The checkbox's state at start. */
  retentionDaily: boolean;
  actions: MenuActions;
}): MenuItemConstructorOptions[] {
  const { isMac, devTools, actions } = opts;
  const command = (label: string, cmd: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => actions.send(cmd),
  });

  const appMenu: MenuItemConstructorOptions[] = isMac
    ? [
        {
          label: APP_NAME,
          submenu: [
            { role: 'about' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];

  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open Data Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.openDataFolder() },
      command('Open Day…', 'open-day', 'CmdOrCtrl+O'),
      command('Connect to Server…', 'connect-server'),
      { type: 'separator' },
      command('Export Snapshot…', 'export-snapshot', 'CmdOrCtrl+E'),
      command('Open Snapshot…', 'open-snapshot', 'CmdOrCtrl+Shift+E'),
      { type: 'separator' },
      {
        label: isMac ? 'Reveal Data Folder in Finder' : 'Reveal Data Folder in File Manager',
        click: () => actions.revealDataFolder(),
      },
      {
        label: 'Delete Expired Data Daily',
        type: 'checkbox',
        checked: opts.retentionDaily,
        click: (item) => actions.setRetentionDaily(item.checked),
      },
      ...(isMac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      command('Live / Replay', 'toggle-live', 'CmdOrCtrl+L'),
      { type: 'separator' },
      command('Depth Panel', 'toggle-panel:depth', 'CmdOrCtrl+1'),
      command('Price Panel', 'toggle-panel:price', 'CmdOrCtrl+2'),
      command('Nowcast Panel', 'toggle-panel:nowcast', 'CmdOrCtrl+3'),
      command('World Panel', 'toggle-panel:world', 'CmdOrCtrl+4'),
      command('Health Panel', 'toggle-panel:health', 'CmdOrCtrl+5'),
      command('Inputs Panel', 'toggle-panel:inputs', 'CmdOrCtrl+6'),
      command('SQL Console', 'toggle-panel:sql', 'CmdOrCtrl+7'),
      command('Market vs Nowcast Panel', 'toggle-panel:probability', 'CmdOrCtrl+8'),
      { type: 'separator' },
      {
        label: 'Time Zone',
        submenu: [
          command('New York', 'time-zone:nyc'),
          command('Madrid', 'time-zone:madrid'),
          command('UTC', 'time-zone:utc'),
        ],
      },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(devTools ? [{ type: 'separator' } as const, { role: 'toggleDevTools' } as const] : []),
    ],
  };

  const tools: MenuItemConstructorOptions = { label: 'Tools', submenu: [command('Window Sweep…', 'window-sweep')] };

  const window: MenuItemConstructorOptions = { role: 'windowMenu' };
  const edit: MenuItemConstructorOptions = { role: 'editMenu' }; // copy/paste in the SQL console

  return [...appMenu, file, edit, view, tools, window];
}
