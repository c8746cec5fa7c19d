/**
 * The helios config file (`--config FILE`): one JSON object whose sections belong to different
 * commands (`retention`, `clickhouse`, …). Each command reads and validates only its own section.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { describeZodError } from '../shared/registry';

/** The section's value validated by `schema`, or `schema`'s parse of `{}` when the file has none. */
export async function readConfigSection<S extends z.ZodType>(file: string, section: string, schema: S): Promise<z.output<S>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object with sections`);
  const result = schema.safeParse((parsed as Record<string, unknown>)[section] ?? {});
  if (!result.success) throw new Error(`${file}: section "${section}": ${describeZodError(result.error)}`);
  return result.data;
}
