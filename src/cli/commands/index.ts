/** The CLI's commands. Add one: write ./<name>.ts exporting a `Command`, then list it here. */
import type { Command } from './command';
import { clickhouseCommand } from './clickhouse';
import { compactCommand } from './compact';
import { queryCommand } from './query';
import { recordCommand } from './record';
import { retentionCommand } from './retention';
import { sweepCommand } from './sweep';

export const COMMANDS: Record<string, Command> = Object.fromEntries(
  ([compactCommand, recordCommand, queryCommand, retentionCommand, clickhouseCommand, sweepCommand] as Command[]).map((c) => [c.name, c]),
);
