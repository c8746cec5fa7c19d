// first: configures zod before any schema is built (see zod-config.ts)
import '../../shared/zod-config';
import { createRoot } from 'react-dom/client';
import type { AppInfo } from '../../shared/api';
import { resolveApi } from './api';
import { App } from './App';
import { AppContext, type AppContextValue } from './app-context';
import { prewarmDecodeWorkers } from './replay/open-day';
import { createBackends } from './session/real-backends';
import { SessionController } from './session/controller';
import { History } from './store/history';
import { createSessionStore } from './store/session-store';
import { createUiStore } from './store/ui-store';
import './styles.css';

async function boot(): Promise<void> {
  const api = resolveApi();
  const session = createSessionStore();
  const ui = createUiStore();
  const history = new History();
  const controller = new SessionController({ api, session, ui, history, backends: createBackends() });
  let info: AppInfo | null = null;
  try {
    info = await api.getInfo();
  } catch (e) {
    ui.getState().notify(`Cannot reach the app's data service: ${(e as Error).message}`, 'error');
  }
  const value: AppContextValue = { api, info, session, ui, history, controller };
  createRoot(document.getElementById('root')!).render(
    <AppContext.Provider value={value}>
      <App />
    </AppContext.Provider>,
  );
  ui.getState().setDayPickerOpen(true);
  // The Parquet decode workers start while the analyst picks a day (DuckDB-WASM waits for the
  // first frame of a day: it is only needed for the history).
  prewarmDecodeWorkers();
  // Handy for tests and debugging in the console; not an API.
  (window as unknown as { __helios: unknown }).__helios = value;
}

void boot();
