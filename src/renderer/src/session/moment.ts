/**
 * "This moment of this day" as an address: `?day=KLGA/2026-01-29&t=2026-01-29T17:53:02.114Z`.
 * The replayed day and cursor are kept in the page's URL (browser mode: a reload comes back to the
 * same moment, and the address bar is a link to it) and remembered for the next start (both
 * shells), and *Copy link to this moment* hands the address out.
 */
import { useEffect } from 'react';
import { z } from 'zod';
import { STATION_ID_PATTERN } from '../../../shared/stations';
import { DATE_PATTERN } from '../../../shared/time';
import { useApp } from '../app-context';
import { loadPersisted, savePersisted } from '../store/persist';

export interface Moment {
  station_id: string;
  date: string;
  /** The cursor, epoch ms; null = where the day starts. */
  t_ms: number | null;
}

const momentSchema = z.object({
  station_id: z.string().regex(STATION_ID_PATTERN),
  date: z.string().regex(DATE_PATTERN),
  t_ms: z.number().int().nullable(),
});
const LAST_MOMENT_KEY = 'helios.moment.v1';
/** How often the address follows a playing cursor. */
const FOLLOW_MS = 1000;

/** The moment a URL's query names, or null when it names none (or not validly). */
export function momentFromSearch(search: string): Moment | null {
  const params = new URLSearchParams(search);
  const day = /^([^/]+)\/(.+)$/.exec(params.get('day') ?? '');
  if (!day || !STATION_ID_PATTERN.test(day[1]!) || !DATE_PATTERN.test(day[2]!)) return null;
  const t = params.get('t');
  const ms = t === null ? null : /^\d+$/.test(t) ? Number(t) : Date.parse(t);
  return { station_id: day[1]!, date: day[2]!, t_ms: ms === null || !Number.isFinite(ms) ? null : Math.floor(ms) };
}

/**
 * The moment a pasted link names: any address with the moment's query (the browser's, or the
 * desktop app's own `app://…` one), or the bare query. Null when it names none.
 */
export function momentFromLink(text: string): Moment | null {
  const trimmed = text.trim();
  const query = trimmed.indexOf('?');
  return query < 0 ? null : momentFromSearch(trimmed.slice(query).split('#')[0]!);
}

export function searchOf(moment: Moment): string {
  const t = moment.t_ms === null ? '' : `&t=${new Date(moment.t_ms).toISOString()}`;
  return `?day=${moment.station_id}/${moment.date}${t}`;
}

/** A link to the moment on `base` (the page's own address without its query). */
export function linkToMoment(base: string, moment: Moment): string {
  const url = new URL(base);
  return `${url.origin}${url.pathname}${searchOf(moment)}`;
}

export function lastMoment(): Moment | null {
  return loadPersisted(LAST_MOMENT_KEY, momentSchema);
}

/** Where to start: the URL's moment, else the one remembered from the last run. */
export function startMoment(search: string): { moment: Moment; fromUrl: boolean } | null {
  const fromUrl = momentFromSearch(search);
  if (fromUrl) return { moment: fromUrl, fromUrl: true };
  const remembered = lastMoment();
  return remembered ? { moment: remembered, fromUrl: false } : null;
}

/**
 * Keeps the address and the remembered moment on the replayed day's cursor: at once when paused
 * (a seek, a step), at most once a second while playing. Outside a replayed day the address has
 * no moment.
 */
export function useMomentInUrl(): void {
  const { session } = useApp();
  useEffect(() => {
    let written = '';
    let lastWrite = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const write = () => {
      timer = null;
      const { kind, clock } = session.getState();
      if ((kind === 'replay' || kind === 'none') && !clock?.date) return; // a day is opening: keep its address
      const moment = kind === 'replay' && clock?.station_id && clock.date ? { station_id: clock.station_id, date: clock.date, t_ms: clock.current_ms } : null;
      const search = moment ? searchOf(moment) : '';
      if (search === written) return;
      written = search;
      lastWrite = performance.now();
      if (moment) savePersisted(LAST_MOMENT_KEY, moment);
      if (location.search !== search) history.replaceState(null, '', `${location.pathname}${search}${location.hash}`);
    };
    const unsubscribe = session.subscribe((s, previous) => {
      if (s.clock === previous.clock && s.kind === previous.kind) return;
      if (timer) return;
      const wait = s.clock?.playing ? Math.max(0, FOLLOW_MS - (performance.now() - lastWrite)) : 0;
      timer = setTimeout(write, wait);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [session]);
}

/** Put `text` on the clipboard (the async API, else a selection copy); false when neither works. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    try {
      return document.execCommand('copy');
    } finally {
      area.remove();
    }
  }
}
