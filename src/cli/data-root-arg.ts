/** `--data DIR` for commands that read an existing data root. */
import { stat } from 'node:fs/promises';
import { DataRoot } from '../services/data-root';
import { CliError } from './cli-error';

export async function existingDataRoot(command: string, dir: string): Promise<DataRoot> {
  const root = new DataRoot(dir);
  try {
    if (!(await stat(root.root)).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    throw new CliError(`${command}: cannot use data root ${root.root}: ${(e as Error).message}`);
  }
  return root;
}
