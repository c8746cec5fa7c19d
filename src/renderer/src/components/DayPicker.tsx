/**
 * The days of the data root (from their `_manifest.json`), and the progress of opening one. A day
 * whose manifest cannot be read is listed as damaged with the reason, and can be compacted again
 * from its journal when that is still there.
 */
import { useEffect, useState } from 'react';
import type { DaySummary } from '../../../shared/api';
import { useApp, useUi } from '../app-context';
import { formatSize, formatTime } from '../format';
import { momentFromLink } from '../session/moment';

const EMPTY_POLL_MS = 3000;
const SHOWN_CHANNELS = ['l2_snap_1s', 'l2_deltas', 'tape_trades', 'metar_obs', 'pws_cluster', 'nowcast_1m', 'event_windows'] as const;
const SHORT: Record<(typeof SHOWN_CHANNELS)[number], string> = {
  l2_snap_1s: 'snap',
  l2_deltas: 'deltas',
  tape_trades: 'trades',
  metar_obs: 'metar',
  pws_cluster: 'pws',
  nowcast_1m: 'nowcast',
  event_windows: 'windows',
};

export function DayPicker() {
  const { api, controller, ui, info } = useApp();
  const open = useUi((s) => s.dayPickerOpen);
  const loading = useUi((s) => s.loading);
  const zone = useUi((s) => s.zone);
  const [days, setDays] = useState<DaySummary[] | null>(null);
  // The desktop app can switch data roots while running: show the current one.
  const [root, setRoot] = useState<string | null>(info?.data_root ?? null);
  const [error, setError] = useState<string | null>(null);
  const [relist, setRelist] = useState(0);
  const [recompacting, setRecompacting] = useState<string | null>(null);
  const [linkError, setLinkError] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    // While the root has no day (a demo day may be being synthesized), look again every few seconds.
    const load = () =>
      api.listDays().then(
        (d) => {
          if (cancelled) return;
          setDays(d);
          setError(null);
          if (d.length === 0) timer = setTimeout(load, EMPTY_POLL_MS);
        },
        (e: Error) => !cancelled && setError(e.message),
      );
    void load();
    api.getInfo().then(
      (i) => !cancelled && setRoot(i.data_root),
      () => {},
    );
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [open, api, relist]);

  const recompact = async (d: DaySummary) => {
    setRecompacting(`${d.station_id}/${d.date}`);
    try {
      if (await controller.recompact(d)) setRelist((n) => n + 1);
    } finally {
      setRecompacting(null);
    }
  };

  const goToLink = (text: string) => {
    const moment = momentFromLink(text);
    if (!moment) return setLinkError('Not a link to a moment: it needs ?day=STATION/YYYY-MM-DD (and &t=…), as Copy link gives it');
    setLinkError(null);
    void controller.openDay({ station_id: moment.station_id, date: moment.date }, { startMs: moment.t_ms ?? undefined }).catch(() => {});
  };

  if (!open && !loading) return null;
  const close = () => ui.getState().setDayPickerOpen(false);
  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && !loading && close()}>
      <div className="dialog" role="dialog" aria-label="Open a recorded day" data-testid="day-picker">
        <header>
          <h2>Recorded days</h2>
          <span className="dim mono" style={{ fontSize: 11 }}>
            {root}
          </span>
          <div className="spacer" />
          {!loading && <button onClick={close}>Close</button>}
        </header>
        <div className="body">
          {loading && (
            <div data-testid="load-progress" aria-live="polite">
              <div>{loading.label}</div>
              <div className={`progress${loading.fraction === null ? ' indeterminate' : ''}`} role="progressbar" aria-valuenow={loading.fraction === null ? undefined : Math.round(loading.fraction * 100)}>
                <div style={loading.fraction === null ? undefined : { width: `${Math.round(loading.fraction * 100)}%` }} />
              </div>
            </div>
          )}
          {!loading && (
            <form
              className="go-to-link"
              data-testid="go-to-link"
              onSubmit={(e) => {
                e.preventDefault();
                goToLink(String(new FormData(e.currentTarget).get('link') ?? ''));
              }}
            >
              <label>
                Go to a link <input name="link" className="mono" placeholder="a link from Copy link (…?day=KLGA/2026-01-29&t=…)" data-testid="link-input" />
              </label>
              <button type="submit">Go</button>
            </form>
          )}
          {linkError && <div className="alert bad" data-testid="link-error">{linkError}</div>}
          {error && <div className="alert bad">{error}</div>}
          {!days && !error && <div className="empty">Reading manifests…</div>}
          {days && days.length === 0 && <div className="empty">No compacted day under this data root yet. A first run of the app synthesizes a demo day in the background (this list refreshes by itself); or record and compact one with the CLI.</div>}
          {days && days.length > 0 && (
            <table className="grid">
              <thead>
                <tr>
                  <th>Station</th>
                  <th>Date</th>
                  <th>Span ({zone.toUpperCase()})</th>
                  {SHOWN_CHANNELS.map((c) => (
                    <th key={c} className="num">
                      {SHORT[c]}
                    </th>
                  ))}
                  <th className="num">size</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {days.map((d) =>
                  d.damaged ? (
                    <tr key={`${d.station_id}/${d.date}`} className="damaged" data-testid="day-row" data-day={`${d.station_id}/${d.date}`} data-damaged="true">
                      <td className="strong">{d.station_id}</td>
                      <td className="mono">{d.date}</td>
                      <td colSpan={SHOWN_CHANNELS.length + 2} className="bad wrap" data-testid="day-damage">
                        damaged: {d.damaged}
                      </td>
                      <td>
                        {d.journal ? (
                          <button
                            className="primary"
                            data-testid={`recompact-${d.station_id}-${d.date}`}
                            disabled={recompacting !== null || loading !== null}
                            onClick={() => void recompact(d)}
                            title="Compact this day again from its journal"
                          >
                            {recompacting === `${d.station_id}/${d.date}` ? 'Re-compacting…' : 'Re-compact this day'}
                          </button>
                        ) : (
                          <span className="dim" title="The journal of this day is gone">no journal</span>
                        )}
                      </td>
                    </tr>
                  ) : (
                    <tr key={`${d.station_id}/${d.date}`} data-testid="day-row" data-day={`${d.station_id}/${d.date}`}>
                      <td className="strong">{d.station_id}</td>
                      <td className="mono">{d.date}</td>
                      <td className="mono dim">{d.min_ts && d.max_ts ? `${formatTime(Date.parse(d.min_ts), zone)}–${formatTime(Date.parse(d.max_ts), zone)}` : '—'}</td>
                      {SHOWN_CHANNELS.map((c) => (
                        <td key={c} className="num">
                          {formatSize(d.rows[c] ?? 0)}
                        </td>
                      ))}
                      <td className="num">{formatSize(d.bytes)}B</td>
                      <td>
                        <button className="primary" data-testid={`open-day-${d.station_id}-${d.date}`} disabled={loading !== null} onClick={() => void controller.openDay(d).catch(() => {})}>
                          Open
                        </button>
                      </td>
                    </tr>
                  ),
                )}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </div>
  );
}
