/**
 * Everything that carries one correlation id — the METAR that opened a story, its window, the
 * deltas, trades, features and nowcast it led to — in one table, in order. Each row is a jump (the
 * cursor goes to that event); ◀ ▶ step through them. In a reopened snapshot, which holds only its
 * moment, stepping shows each event of the story in full instead.
 */
import { useEffect, useRef, useState } from 'react';
import type { AnyEvent } from '../../../shared/schemas';
import { useApp, useSession, useUi } from '../app-context';
import { formatPrice, formatTimeMs, shortId, ZONES } from '../format';
import { tokenLabelNow } from '../panels/tokens';
import { useSize } from '../hooks/useSize';
import { ingestMs } from '../../../shared/event-time';

/** Rows are drawn only around what is in view (a METAR's story can be thousands of events). */
const ROW_PX = 21;
const OVERSCAN = 20;

export function CorrelationDialog() {
  const { controller, ui, session } = useApp();
  const id = useUi((s) => s.correlation);
  const zone = useUi((s) => s.zone);
  const kind = useSession((s) => s.kind);
  const canSeek = useSession((s) => s.clock?.capabilities.includes('seek') ?? false);
  const [events, setEvents] = useState<AnyEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const list = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const { height } = useSize(list);

  useEffect(() => {
    setEvents(null);
    setError(null);
    setSelected(null);
    if (!id) return;
    let cancelled = false;
    controller.correlationEvents(id).then(
      (found) => {
        if (cancelled) return;
        setEvents(found);
        if (kind === 'snapshot' && found.length > 0) setSelected(0);
      },
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => {
      cancelled = true;
    };
  }, [id, kind, controller]);

  if (!id) return null;
  const close = () => ui.getState().showCorrelation(null);
  const go = (i: number) => {
    if (!events || i < 0 || i >= events.length) return;
    setSelected(i);
    const el = list.current;
    if (el && (i * ROW_PX < el.scrollTop || (i + 2) * ROW_PX > el.scrollTop + el.clientHeight)) el.scrollTop = Math.max(0, i * ROW_PX - el.clientHeight / 2);
    if (canSeek) {
      controller.pause();
      controller.seek(ingestMs(events[i]!));
    }
  };
  const nameOf = (token: string) => tokenLabelNow(session.getState(), token);
  const current = selected !== null && events ? events[selected] : null;
  return (
    <aside className="drawer" role="dialog" aria-label={`Events of correlation ${id}`} data-testid="correlation-dialog" data-correlation={id}>
      <header>
        <h2>Correlation</h2>
        <span className="corr" title={id}>
          {shortId(id, 13, 6)}
        </span>
        <div className="spacer" />
        <button data-testid="correlation-prev" disabled={!events || (selected ?? 0) <= 0} onClick={() => go((selected ?? 1) - 1)} title="Previous event of the story" aria-label="Previous event of the story">
          ◀
        </button>
        <span className="dim mono" data-testid="correlation-position">
          {events ? `${selected === null ? '–' : selected + 1}/${events.length}` : ''}
        </span>
        <button data-testid="correlation-next" disabled={!events || (selected ?? -1) >= events.length - 1} onClick={() => go(selected === null ? 0 : selected + 1)} title="Next event of the story" aria-label="Next event of the story">
          ▶
        </button>
        <button data-testid="correlation-close" onClick={close}>
          Close
        </button>
      </header>
      <div className="body">
        {error && <div className="alert bad">{error}</div>}
        {!events && !error && <div className="empty">Finding every event with this id…</div>}
        {events && events.length === 0 && <div className="empty">No event carries this id{kind === 'live' ? ' in what the live stream still holds' : ''}.</div>}
        {events && events.length > 0 && (
          <div className="correlation-list" ref={list} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
            <table className="grid" data-testid="correlation-events" data-rows={events.length}>
              <thead>
                <tr>
                  <th>time ({ZONES[zone].label})</th>
                  <th>channel</th>
                  <th>bucket</th>
                  <th>what</th>
                </tr>
              </thead>
              <tbody>
                {(() => {
                  const first = Math.max(0, Math.floor(scrollTop / ROW_PX) - OVERSCAN);
                  const last = Math.min(events.length, Math.ceil((scrollTop + Math.max(height, 400)) / ROW_PX) + OVERSCAN);
                  return (
                    <>
                      {first > 0 && <tr style={{ height: first * ROW_PX }} aria-hidden />}
                      {events.slice(first, last).map((e, k) => {
                        const i = first + k;
                        return (
                          <tr key={e.event_id} className={`clickable${i === selected ? ' selected' : ''}`} style={{ height: ROW_PX }} data-testid="correlation-row" data-index={i} data-ts={e.ts_ingest_utc} data-ch={e.ch} onClick={() => go(i)} title={`event ${e.event_id}`}>
                            <td className="mono">{formatTimeMs(ingestMs(e), zone)}</td>
                            <td>{e.ch}</td>
                            <td className="mono">{e.token_id ? nameOf(e.token_id) : ''}</td>
                            <td className="mono what">{summary(e)}</td>
                          </tr>
                        );
                      })}
                      {last < events.length && <tr style={{ height: (events.length - last) * ROW_PX }} aria-hidden />}
                    </>
                  );
                })()}
              </tbody>
            </table>
          </div>
        )}
        {current && (
          <>
            <div className="section-title">Event {selected! + 1}</div>
            <pre className="event-json" data-testid="correlation-event-json">
              {JSON.stringify(current, null, 1)}
            </pre>
          </>
        )}
      </div>
    </aside>
  );
}

/** One line about an event. */
function summary(e: AnyEvent): string {
  switch (e.ch) {
    case 'metar_obs':
      return `${e.report_type} ${e.judge_aligned_temp ?? '—'}°F · ${e.raw}`;
    case 'event_windows':
      return `${e.reasons.join('+')} window ${e.state}${e.detail ? ` · ${e.detail}` : ''}`;
    case 'l2_deltas':
      return `${e.side} ${formatPrice(e.p)} → ${e.s}`;
    case 'l2_snap_1s':
      return `mid ${formatPrice(e.mid, 4)} · ${formatPrice(e.best_bid)}/${formatPrice(e.best_ask)}${e.book_ok ? '' : ' · book not ok'}`;
    case 'tape_trades':
      return `${e.side ?? 'trade'} ${e.s} @ ${formatPrice(e.p)}`;
    case 'book_events':
      return `${e.kind}${e.detail ? ` · ${e.detail}` : ''}`;
    case 'nowcast_1m':
      return `Tmax ${e.tmax_mean.toFixed(1)} ± ${e.sigma.toFixed(1)}°F`;
    case 'features_1m':
      return `${Object.keys(e.features).length} features${e.model_run ? ` · run ${e.model_run}` : ''}`;
    case 'pws_cluster':
      return `median ${e.median.toFixed(1)}°F · ${e.support} stations · ${e.qc_state}`;
    case 'health':
      return `queue ${e.queue_depth} · written ${e.events_written}`;
    case 'markets':
      return `market ${e.market_date} ${e.kind}${e.bucket ? ` · ${e.bucket}` : ''}${e.title ? ` · ${e.title}` : ''}`;
  }
}
