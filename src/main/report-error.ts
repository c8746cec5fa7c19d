import { dialog } from 'electron';
import { APP_NAME } from '../services/app-folders';

/** An error the user should see: logged with its stack, shown in a box. */
export function reportError(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  console.error(`HELIOS: ${e instanceof Error ? e.stack : message}`);
  dialog.showErrorBox(APP_NAME, message);
}
