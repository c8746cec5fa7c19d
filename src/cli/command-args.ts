import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cli-error';

/** `parseArgs`, its complaint a CliError naming the command, followed by the command's usage. */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new CliError(`${command}: ${(e as Error).message}\n${usage}`);
  }
}
