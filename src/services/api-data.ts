/**
 * The data operations of HeliosApi, implemented once for every shell (Electron main and the browser
 * bridge): argument validation with `API_ARGS`, then the current DataAccess (`data-access.ts`: the
 * local root, where no read can leave the root — DataRoot builds every path from validated parts
 * and checks each opened file's real path — or a connected server).
 */
import type { z } from 'zod';
import { API_ARGS, type ApiOperation, type DayRef, type DaySummary } from '../shared/api';
import type { Manifest } from '../shared/manifest';
import { describeZodError } from '../shared/registry';
import type { DataAccess } from './data-access';
import type { DataRoot } from './data-root';

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
 * The read-only data operations over the data source `access()` returns at call time (the local
 * root can be switched, or a server connected, while the app runs). Arguments are the raw,
 * untrusted argument lists.
 */
export function createDataApi(access: () => DataAccess): DataApi {
  return {
    async listDays(...args) {
      parseApiArgs('listDays', args);
      return access().listDays();
    },
    async readManifest(...args) {
      const [day] = parseApiArgs('readManifest', args);
      return access().readManifest(day);
    },
    async readParquet(...args) {
      const [read] = parseApiArgs('readParquet', args);
      return access().readParquet(read);
    },
  };
}

/** A day's manifest, read safely (DataRoot), with "no compacted day …" when it has none. */
export function readDayManifest(dataRoot: DataRoot, day: DayRef): Promise<Manifest> {
  return dataRoot.readManifest(day).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new Error(`no compacted day ${day.station_id} ${day.date} under ${dataRoot.root}`) : e;
  });
}
