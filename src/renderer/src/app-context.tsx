/** What every component can reach: the API, the stores, the history and the session controller. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { AppInfo, HeliosApi } from '../../shared/api';
import type { History } from './store/history';
import type { SessionState, SessionStore } from './store/session-store';
import type { UiState, UiStore } from './store/ui-store';
import type { SessionController } from './session/controller';

export interface AppContextValue {
  api: HeliosApi;
  info: AppInfo | null;
  session: SessionStore;
  ui: UiStore;
  history: History;
  controller: SessionController;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <AppContext.Provider>');
  return value;
}

export function useSession<T>(selector: (state: SessionState) => T): T {
  return useStore(useApp().session, selector);
}

export function useUi<T>(selector: (state: UiState) => T): T {
  return useStore(useApp().ui, selector);
}
