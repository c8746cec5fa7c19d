/**
 * `--data DIR` for the CLI, checked as a data folder (src/services/data-folder.ts): a file, a
 * folder of other things, or the parquet/ folder inside a data root is one line and exit status 2.
 * Commands that read an existing root never create it; a command that writes creates a missing
 * one and says so on stderr.
 */
import { DataFolderError, useDataFolder } from '../services/data-folder';
import { DataRoot } from '../services/data-root';
import { CliError } from './cli-error';

export async function existingDataRoot(command: string, dir: string): Promise<DataRoot> {
  return new DataRoot(await checked(command, dir, false));
}

export async function dataRootToWrite(command: string, dir: string): Promise<DataRoot> {
  return new DataRoot(await checked(command, dir, true));
}

async function checked(command: string, dir: string, create: boolean): Promise<string> {
  try {
    const folder = await useDataFolder(dir, { create });
    if (folder.created) console.error(`helios ${command}: created the data folder ${folder.root}`);
    return folder.root;
  } catch (e) {
    if (e instanceof DataFolderError) throw new CliError(`${command}: ${e.message}`);
    throw e;
  }
}
