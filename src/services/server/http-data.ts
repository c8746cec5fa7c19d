/**
 * The HTTP side of `helios serve`: the day list with manifests and the days' Parquet files with
 * byte ranges, so a remote app replays a day through the same row-group reader it uses locally,
 * reading only the ranges it needs instead of copying the day.
 *
 *   GET /info                                        { protocol, live_station_id }
 *   GET /days                                        every compacted day: DaySummary + manifest, newest first
 *   GET /days/<station>/<date>                       one day's manifest
 *   GET /parquet/station=S/date=D/ch=C/part-NNNN.parquet[?generation=G]
 *                                                    a part file; Range: bytes=a-b. With the
 *                                                    generation the reader opened, 409 once the
 *                                                    day was compacted again (reopen the day)
 *
 * Files are read through the data root, which proves every opened file is inside it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isChannel } from '../../shared/channels';
import type { Manifest } from '../../shared/manifest';
import { STATION_ID_PATTERN } from '../../shared/stations';
import { DATE_PATTERN } from '../../shared/time';
import type { DayRef } from '../../shared/api';
import { DayRecompactedError, PathEscapeError, type DataRoot } from '../data-root';
import { parseByteRange, sendJson } from '../http';

export interface ServerInfo {
  protocol: number;
  /** The station recorded live, or null when this server only replays. */
  live_station_id: string | null;
}

const PARQUET_PATH = /^\/parquet\/station=([^/]+)\/date=([^/]+)\/ch=([^/]+)\/part-(\d{4})\.parquet$/;
const DAY_PATH = /^\/days\/([^/]+)\/([^/]+)$/;

/** Answers the request when it is one of the data routes; false when the path is not one of them. */
export async function handleDataRequest(
  dataRoot: DataRoot,
  info: () => ServerInfo,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const path = url.pathname;
  if (path === '/info') return sendJson(res, 200, info()), true;
  if (path === '/days') {
    sendJson(res, 200, (await dataRoot.listDaysWithManifests()).filter((d) => d.manifest !== null));
    return true;
  }
  const decoded = decodeURIComponent(path); // a malformed escape throws URIError: 400
  const dayMatch = DAY_PATH.exec(decoded);
  if (dayMatch) {
    const day = validDayRef(dayMatch[1]!, dayMatch[2]!);
    const manifest = day && (await readManifestOrNull(dataRoot, day));
    if (!manifest) return sendJson(res, 404, { error: `no compacted day ${dayMatch[1]} ${dayMatch[2]}` }), true;
    sendJson(res, 200, manifest);
    return true;
  }
  const fileMatch = PARQUET_PATH.exec(decoded);
  if (fileMatch) {
    const generation = url.searchParams.get('generation');
    await sendParquet(dataRoot, req, res, fileMatch.slice(1, 5) as [string, string, string, string], generation === null ? undefined : Number(generation));
    return true;
  }
  return false;
}

function validDayRef(station_id: string, date: string): DayRef | null {
  const day = { station_id, date };
  return STATION_ID_PATTERN.test(day.station_id) && DATE_PATTERN.test(day.date) ? day : null;
}

async function readManifestOrNull(dataRoot: DataRoot, day: DayRef): Promise<Manifest | null> {
  return dataRoot.readManifest(day).catch(() => null);
}

/** The URL path of a manifest-listed file (what `GET /parquet/…` serves). */
export function parquetUrlPath(day: DayRef, file: string): string {
  const segment = (s: string) => encodeURIComponent(s).replace(/%3D/g, '=');
  return ['/parquet', `station=${day.station_id}`, `date=${day.date}`, ...file.split('/')].map((s, i) => (i === 0 ? s : segment(s))).join('/');
}

async function sendParquet(
  dataRoot: DataRoot,
  req: IncomingMessage,
  res: ServerResponse,
  [station, date, ch, part]: [string, string, string, string],
  generation: number | undefined,
): Promise<void> {
  const day = validDayRef(station, date);
  if (!day || !isChannel(ch) || (generation !== undefined && !(Number.isInteger(generation) && generation >= 0))) {
    return sendJson(res, 404, { error: `not a file of a compacted day: ${station}/${date}/ch=${ch}/part-${part}` });
  }
  let handle;
  try {
    handle = await dataRoot.openParquet(day, ch, { part: Number(part), generation });
  } catch (e) {
    if (e instanceof DayRecompactedError) return sendJson(res, 409, { error: e.message });
    // a link out of the data root is answered as if the file were not there
    if (e instanceof PathEscapeError || (e as NodeJS.ErrnoException).code === 'ENOENT') return sendJson(res, 404, { error: `no ${ch} data for ${station} ${date} (part ${Number(part)})` });
    throw e;
  }
  try {
    const size = (await handle.stat()).size;
    const asked = parseByteRange(req.headers.range, size);
    const range = asked === 'malformed' ? null : asked;
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: `range ${req.headers.range} is outside the file (${size} bytes)` }));
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/vnd.apache.parquet',
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'no-cache',
    };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD' || end < start) return void res.end();
    await new Promise<void>((resolve, reject) => {
      const stream = handle.createReadStream({ start, end, autoClose: false });
      stream.on('error', reject);
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  } finally {
    await handle.close();
  }
}
