/**
 * What the window's calls do in the desktop app (ipc.ts validates and routes them here): days and
 * live through the data switch, the sweep and re-compaction on the local folder only, snapshot and
 * export files through the system dialogs, the sources through the recorder process.
 */
import { app } from 'electron';
import { createDataApi } from '../services/api-data';
import { switchDataSource } from '../services/server/remote-data';
import { createSweepApi } from '../services/sweep/sweep-jobs';
import type { DesktopApp } from './app-state';
import { dialogsFor } from './app-windows';
import { chooseDataRoot } from './data-root-choice';
import { recompactInChild } from './demo-host';
import type { ShellServices } from './ipc';
import { openSnapshotFile, saveExportFiles, saveSnapshotFile } from './snapshot-files';

export function createShellServices(desktop: DesktopApp): ShellServices {
  const { state, recorder, data, windows } = desktop;
  const services: ShellServices = {
    info: () => {
      const source = data.current();
      const remote = source.location.kind === 'server';
      const status = recorder.status();
      return {
        version: app.getVersion(),
        shell: 'electron',
        data_root: state.dataRoot.root,
        server: remote ? source.location.label : null,
        live_available: remote ? source.live !== null : status.available,
        live_station_id: remote ? source.liveStationId : status.station_id,
      };
    },
    data: createDataApi(() => data.current()),
    sweeps: createSweepApi(() => data.requireLocal(state.dataRoot, 'The window sweep')),
    saveSnapshot: (args, sender) => saveSnapshotFile(dialogsFor(windows.focused(sender)), app.getPath('documents'), args),
    saveExport: (args, sender) => saveExportFiles(dialogsFor(windows.focused(sender)), app.getPath('documents'), args),
    recompactDay: (day) => recompactInChild({ fork: desktop.forkOneShot, dataRoot: data.requireLocal(state.dataRoot, 'Re-compacting a day').root, day }),
    openSnapshot: (sender) => openSnapshotFile(dialogsFor(windows.focused(sender))),
    chooseDataRoot: (sender) => chooseDataRoot(desktop, windows.focused(sender)),
    connectServer: async (args) => {
      await switchDataSource(data, args);
      return services.info();
    },
    getSources: async () => state.sourcesStore.view(recorder.sourcesState()),
    setSources: async (choice) => {
      await state.sourcesStore.save(choice);
      recorder.setSources(state.sourcesStore.liveChoice());
      return state.sourcesStore.view(recorder.sourcesState());
    },
    live: desktop.live,
  };
  return services;
}
