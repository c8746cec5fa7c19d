// Electron main process entry: window, menu, IPC, dialogs and the app:// protocol; every service
// (recorder, compactor, data access) is a plain Node module, the recorder in a utility process.
import { startApp } from './app';

startApp(import.meta.dirname);
