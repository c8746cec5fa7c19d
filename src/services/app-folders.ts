/**
 * The desktop app's folders, so both shells (Electron and `npm run web`) show the same recorded
 * days: `<appData>/HELIOS Tape/` (Electron's userData, where appData is ~/.config or
 * $XDG_CONFIG_HOME on Linux, ~/Library/Application Support on macOS, %APPDATA% on Windows) holds
 * the settings, the sources and, in `data/`, the default data root. HELIOS_DATA overrides the
 * web shell's.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The app's name, and its folder's in appData. */
export const APP_NAME = 'HELIOS Tape';

export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return env.APPDATA || join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}

/** The app's own folder, as Electron's userData is set. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  return join(appDataDir(env, platform, home), APP_NAME);
}

/** The data root in the app's folder, used unless the user opened another. */
export function dataRootIn(userData: string): string {
  return join(userData, 'data');
}

/** The web shell's data root: HELIOS_DATA, else the desktop app's default. */
export function defaultDataRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  return env.HELIOS_DATA || dataRootIn(userDataDir(env, platform, home));
}
