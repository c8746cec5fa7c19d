/**
 * The data operations of HeliosApi, implemented once over a DataRoot for every shell (Electron main
 * and the browser bridge): argument validation with `API_ARGS`, then data access that cannot leave
 * the root — neither by a crafted path (DataRoot builds every path from validated parts) nor by a
 * symlink inside the root pointing elsewhere (checked here on the real path).
 */
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import type { z } from 'zod';
import { API_ARGS, type ApiOperation, type DaySummary } from '../shared/api';
import type { Manifest } from '../shared/manifest';
import { describeZodError } from '../shared/registry';
import type { DataRoot } from './data-root';
import { exists } from './files';

export type ApiArgs<Op extends ApiOperation> = z.output<(typeof API_ARGS)[Op]>;

/** A call that was refused before doing anything: wrong arguments, unknown operation. */
export class ApiArgsError extends Error {
  override name = 'ApiArgsError';
}

/** Validate the raw argument list of one operation; throws ApiArgsError with a readable reason. */
export function parseApiArgs<Op extends ApiOperation>(op: Op, args: unknown): ApiArgs<Op> {
  const schema = (API_ARGS as Record<string, z.ZodType | undefined>)[op];
  if (!schema) throw new ApiArgsError(`unknown operation: ${JSON.stringify(op)}`);
  const parsed = schema.safeParse(args);
  if (!parsed.success) throw new ApiArgsError(`${op}: invalid arguments: ${describeZodError(parsed.error)}`);
  return parsed.data as ApiArgs<Op>;
}

export function isApiOperation(op: unknown): op is ApiOperation {
  return typeof op === 'string' && Object.hasOwn(API_ARGS, op);
}

export interface DataApi {
  listDays(...args: unknown[]): Promise<DaySummary[]>;
  readManifest(...args: unknown[]): Promise<Manifest>;
  readParquet(...args: unknown[]): Promise<Uint8Array>;
}

/**
 * The read-only data operations over the data root `root()` returns at call time (the root can be
 * switched while the app runs). Arguments are the raw, untrusted argument lists.
 */
export function createDataApi(root: () => DataRoot): DataApi {
  return {
    async listDays(...args) {
      parseApiArgs('listDays', args);
      const dataRoot = root();
      const days = await dataRoot.listDays();
      return Promise.all(days.map(async (d) => ({ ...d, journal: await exists(dataRoot.journalDir(d)) })));
    },
    async readManifest(...args) {
      const [day] = parseApiArgs('readManifest', args);
      const dataRoot = root();
      await assertRealPathInside(dataRoot, dataRoot.manifestFile(day), `no compacted day ${day.station_id} ${day.date}`);
      return dataRoot.readManifest(day);
    },
    async readParquet(...args) {
      const [{ station_id, date, ch, offset, length }] = parseApiArgs('readParquet', args);
      const dataRoot = root();
      const day = { station_id, date };
      await assertRealPathInside(dataRoot, dataRoot.parquetFile(day, ch), `no ${ch} data for ${station_id} ${date}`);
      return dataRoot.readParquet(day, ch, { offset, length });
    },
  };
}

/** The file must exist and its real path (symlinks resolved) must still be inside the data root. */
export async function assertRealPathInside(dataRoot: DataRoot, file: string, missing: string): Promise<void> {
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = await realpath(dataRoot.root);
    realFile = await realpath(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${missing} under ${dataRoot.root}`);
    throw e;
  }
  if (!realFile.startsWith(realRoot + sep)) throw new Error(`path escapes the data root: ${file}`);
}
