/** The CLI's commands. Add one: write ./<name>.ts exporting a `Command`, then list it here. */
import type { Command } from './command';
import { compactCommand } from './compact';
import { recordCommand } from './record';
import { serveCommand } from './serve';

export const COMMANDS: Record<string, Command> = Object.fromEntries(
  ([compactCommand, recordCommand, serveCommand] as Command[]).map((c) => [c.name, c]),
);
