/** Switching the data folder: the recorder restarts on the new one and the UI re-lists the days. */
import { app, dialog, type BrowserWindow } from 'electron';
import { liveStartOptions, useDataRoot, type DesktopApp } from './app-state';

/** (Re)start the recorder process with the current folder, sources and retention. */
export function restartRecorder(desktop: DesktopApp): Promise<void> {
  return desktop.recorder.start(liveStartOptions(desktop.state, app.getVersion()));
}

export async function switchDataRoot(desktop: DesktopApp, root: string): Promise<void> {
  useDataRoot(desktop.state, root);
  await restartRecorder(desktop);
  desktop.windows.broadcast('data-root-changed');
}

/** File ▸ Open Data Folder…: the folder switched to, or null when the dialog was cancelled. */
export async function chooseDataRoot(desktop: DesktopApp, win: BrowserWindow | null): Promise<string | null> {
  const options = {
    title: 'Open Data Folder',
    defaultPath: desktop.state.dataRoot.root,
    properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'>,
  };
  const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  const picked = result.filePaths[0];
  if (result.canceled || !picked) return null;
  await switchDataRoot(desktop, picked);
  return desktop.state.dataRoot.root;
}
