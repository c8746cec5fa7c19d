import { app, Menu, shell } from 'electron';
import type { DesktopApp } from './app-state';
import { chooseDataRoot, restartRecorder } from './data-root-choice';
import { buildMenuTemplate } from './menu';
import { reportError } from './report-error';

/** The application menu (built by menu.ts), its actions carried out on the running app. */
export function installAppMenu(desktop: DesktopApp): void {
  const { state, windows } = desktop;
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        isMac: process.platform === 'darwin',
        devTools: !app.isPackaged,
        retentionDaily: state.settings.get().retention.daily,
        actions: {
          openDataFolder: () => void chooseDataRoot(desktop, windows.focused()).catch(reportError),
          revealDataFolder: () => void shell.openPath(state.dataRoot.root).then((error) => error && reportError(new Error(error))),
          setRetentionDaily: (daily) => {
            state.settings.update({ retention: { ...state.settings.get().retention, daily } });
            void restartRecorder(desktop).catch(reportError); // the recorder process runs it
          },
          send: (command) => windows.broadcast(command),
        },
      }),
    ),
  );
}
