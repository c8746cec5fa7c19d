/** The CLI's commands. Add one: write ./<name>.ts exporting a `Command`, then list it here. */
import type { Command } from './command';
import { compactCommand } from './compact';
import { recordCommand } from './record';
import { sweepCommand } from './sweep';

export const COMMANDS: Record<string, Command> = Object.fromEntries(
  ([compactCommand, recordCommand, sweepCommand] as Command[]).map((c) => [c.name, c]),
);
