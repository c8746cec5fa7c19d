/** The CLI's commands. Add one: write ./<name>.ts exporting a `Command`, then list it here. */
import type { Command } from './command';

export const COMMANDS: Record<string, Command> = Object.fromEntries(
  ([] as Command[]).map((c) => [c.name, c]),
);
