/**
 * What the desktop app reads once ready and changes while it runs: its settings, the data folder it
 * records into and reads from, and the sources to record.
 */
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { safeStorage } from 'electron';
import { DEFAULT_STATION } from '../shared/stations';
import { dataRootIn } from '../services/app-folders';
import { DataRoot } from '../services/data-root';
import { SourcesStore } from '../services/sources/sources-store';
import type { DataSwitch } from '../services/data-access';
import type { AppWindows } from './app-windows';
import { isEmptyDataRoot, type DemoChild } from './demo-host';
import type { LiveHost } from './live-host';
import type { LiveStartOptions } from './live-messages';
import type { SourceLiveRouter } from './live-router';
import { safeStorageCodec } from './secret-codec';
import { createSettingsStore, loadSettings, settingsFile, type SettingsStore } from './settings';

/** The running app's parts, as the modules that wire menu, IPC and windows share them. */
export interface DesktopApp {
  state: AppState;
  /** The recorder's utility process. */
  recorder: LiveHost;
  /** Days and live: the local data root or, once connected, a `helios serve` server. */
  data: DataSwitch;
  live: SourceLiveRouter;
  windows: AppWindows;
  /** A utility process for one job: the demo day, a re-compaction. */
  forkOneShot: () => DemoChild;
}

export interface AppState {
  settings: SettingsStore;
  /** `<userData>/data`: the folder used unless the user opened another (then remembered in the settings). */
  defaultRoot: string;
  dataRoot: DataRoot;
  sourcesStore: SourcesStore;
}

/** Loads the settings and the sources, and opens the remembered data folder if it is still there. */
export async function loadAppState(userData: string): Promise<AppState> {
  const loaded = await loadSettings(settingsFile(userData));
  if (loaded.warning) console.warn(`HELIOS: ${loaded.warning}`);
  const settings = createSettingsStore(settingsFile(userData), loaded.settings);
  const defaultRoot = dataRootIn(userData);
  await mkdir(defaultRoot, { recursive: true });
  const remembered = loaded.settings.data_root;
  const rootPath = remembered && isDirectory(remembered) ? remembered : defaultRoot;
  if (remembered && rootPath !== remembered) console.warn(`HELIOS: data folder ${remembered} is gone; using ${defaultRoot}`);
  const dataRoot = new DataRoot(rootPath);
  const sourcesStore = new SourcesStore(userData, safeStorageCodec(safeStorage));
  await sourcesStore.load().catch((e: unknown) => console.warn(`HELIOS: sources: ${(e as Error).message}; recording the simulator`));
  return { settings, defaultRoot, dataRoot, sourcesStore };
}

/** What the recorder process is (re)started with. */
export function liveStartOptions(state: AppState, version: string): LiveStartOptions {
  const { retention } = state.settings.get();
  return {
    data_root: state.dataRoot.root,
    station: DEFAULT_STATION,
    sources: state.sourcesStore.liveChoice(),
    version,
    ...(retention.daily ? { retention: retention.policy } : {}),
  };
}

/** Record into and read from `root` from now on; the default folder is not remembered as a choice. */
export function useDataRoot(state: AppState, root: string): void {
  state.dataRoot = new DataRoot(root);
  state.settings.update({ data_root: resolve(root) === resolve(state.defaultRoot) ? null : state.dataRoot.root });
}

/** The first start: the default folder, with nothing in it yet. */
export async function isFirstStart(state: AppState): Promise<boolean> {
  return state.dataRoot.root === resolve(state.defaultRoot) && (await isEmptyDataRoot(state.dataRoot));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
