/**
 * The data operations of HeliosApi, implemented once over a DataRoot for every shell (Electron main
 * and the browser bridge): argument validation with `API_ARGS`, then data access that cannot leave
 * the root — neither by a crafted path (DataRoot builds every path from validated parts) nor by a
 * symlink inside the root pointing elsewhere (DataRoot checks the opened file's real path).
 */
import type { z } from 'zod';
import { API_ARGS, type ApiOperation, type DaySummary } from '../shared/api';
import type { Manifest } from '../shared/manifest';
import { describeZodError } from '../shared/registry';
import type { DataRoot, DayRef } from './data-root';
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
      return readDayManifest(root(), day);
    },
    async readParquet(...args) {
      const [{ station_id, date, ch, part, generation, offset, length }] = parseApiArgs('readParquet', args);
      return root().readParquet({ station_id, date }, ch, { part, generation, offset, length });
    },
  };
}

/** A day's manifest, read safely (DataRoot), with "no compacted day …" when it has none. */
export function readDayManifest(dataRoot: DataRoot, day: DayRef): Promise<Manifest> {
  return dataRoot.readManifest(day).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new Error(`no compacted day ${day.station_id} ${day.date} under ${dataRoot.root}`) : e;
  });
}
