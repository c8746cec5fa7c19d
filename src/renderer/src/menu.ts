/** The desktop app's menu commands (absent in the browser), carried out by the UI. */
import { useEffect } from 'react';
import type { MenuCommand } from '../../shared/api';
import { useApp } from './app-context';
import type { PanelId } from './store/ui-store';

export function useMenuCommands(): void {
  const { api, controller, ui } = useApp();
  useEffect(() => {
    if (!api.onMenuCommand) return;
    return api.onMenuCommand((command: MenuCommand) => {
      const state = ui.getState();
      if (command.startsWith('toggle-panel:')) return state.togglePanel(command.slice('toggle-panel:'.length) as PanelId);
      switch (command) {
        case 'open-day':
        case 'data-root-changed':
          return state.setDayPickerOpen(true);
        case 'open-snapshot':
          return void controller.openSnapshotFile();
        case 'export-snapshot':
          return void controller.exportSnapshot();
        case 'toggle-live':
          if (controller.kind === 'live') {
            const last = controller.lastReplayDay;
            if (last) void controller.openDay(last).catch(() => {});
            else state.setDayPickerOpen(true);
          } else controller.goLive();
          return;
        case 'time-zone:nyc':
          return state.setZone('nyc');
        case 'time-zone:madrid':
          return state.setZone('madrid');
        case 'time-zone:utc':
          return state.setZone('utc');
        case 'window-sweep':
          return state.setSweepOpen(true);
      }
    });
  }, [api, controller, ui]);
}
