import { DataFolderError, useDataFolder } from '../services/data-folder';

/** An error the user can act on: printed as one line, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/**
 * `--data DIR` checked as a data folder (src/services/data-folder.ts): a bad one is one line and
 * exit status 2; a folder this command creates is said on stderr.
 */
export async function dataFolder(path: string, options: { create: boolean }): Promise<string> {
  try {
    const folder = await useDataFolder(path, options);
    if (folder.created) console.error(`helios: created the data folder ${folder.root}`);
    return folder.root;
  } catch (e) {
    if (e instanceof DataFolderError) throw new CliError(e.message);
    throw e;
  }
}
