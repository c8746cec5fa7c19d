/**
 * The default data root of `npm run web`: the desktop app's (`<appData>/HELIOS Tape/data`, where
 * Electron's appData is ~/.config or $XDG_CONFIG_HOME on Linux, ~/Library/Application Support on
 * macOS, %APPDATA% on Windows), so both shells show the same recorded days. HELIOS_DATA overrides.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_DIR_NAME = 'HELIOS Tape';

export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return env.APPDATA || join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}

export function defaultDataRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  return env.HELIOS_DATA || join(appDataDir(env, platform, home), APP_DIR_NAME, 'data');
}
