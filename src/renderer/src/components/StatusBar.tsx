import { useEffect } from 'react';
import { useApp, useSession, useUi } from '../app-context';
import { SHORTCUTS } from '../keyboard';
import type { HistoryLoad } from '../store/ui-store';

const NOTICE_MS = 8000;

export function StatusBar() {
  const { ui, info } = useApp();
  const notice = useUi((s) => s.notice);
  const kind = useSession((s) => s.kind);
  const error = useSession((s) => s.clock?.error ?? null);
  const frames = useSession((s) => s.framesApplied);
  const history = useUi((s) => s.historyLoad);

  // A notice stays while its work goes on, then NOTICE_MS; a newer notice replaces it at once.
  const working = notice !== null && notice.progress !== undefined;
  useEffect(() => {
    if (!notice || working) return;
    const id = notice.id;
    const timer = setTimeout(() => ui.setState((s) => (s.notice?.id === id ? { notice: null } : {})), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice?.id, working, ui]);

  return (
    <footer className="status" data-testid="status-bar">
      <span>{kind === 'none' ? 'no source' : kind}</span>
      {error && <span className="bad">{error}</span>}
      {notice && (
        <span className={`notice ${notice.tone}`} data-testid="notice" data-notice-id={notice.id} data-working={working} role="status" title={notice.text}>
          {notice.text}
          {working && (
            <span className="notice-progress" role="progressbar" aria-valuenow={notice.progress == null ? undefined : Math.round(notice.progress * 100)}>
              <span className={notice.progress == null ? 'indeterminate' : ''} style={notice.progress == null ? undefined : { width: `${Math.round(notice.progress * 100)}%` }} />
            </span>
          )}
        </span>
      )}
      <div className="spacer" />
      {history && <HistoryProgressBar load={history} />}
      <span title={SHORTCUTS.map(([k, v]) => `${k}: ${v}`).join('\n')}>
        <span className="kbd">Space</span> play · <span className="kbd">.</span> event · <span className="kbd">M</span> METAR · <span className="kbd">W</span> window · <span className="kbd">+/−</span> zoom
      </span>
      <span className="mono" title="player states folded into the store">
        {frames}
      </span>
      {info && (
        <button className="source" data-testid="data-source" title="Where days and live come from — click to connect to a server" onClick={() => ui.getState().setConnectOpen(true)}>
          {info.server ? `server ${info.server}` : `${info.shell} · ${info.data_root}`}
        </button>
      )}
    </footer>
  );
}

/** The charts' whole-day history read in the background: a small bar while it loads, a tick after. */
function HistoryProgressBar({ load }: { load: HistoryLoad }) {
  const percent = Math.round(load.fraction * 100);
  const title = load.error
    ? `The day's history (charts) failed to load: ${load.error}`
    : load.done
      ? `The whole day is read for the charts (${(load.elapsedMs / 1000).toFixed(1)} s)`
      : `Reading the whole day for the charts: ${percent}%`;
  return (
    <span className={`history-progress${load.error ? ' bad' : ''}`} data-testid="history-progress" data-done={load.done} data-fraction={load.fraction.toFixed(3)} title={title}>
      {load.error ? (
        'day history failed'
      ) : load.done ? (
        'day history ✓'
      ) : (
        <>
          day history <span className="history-bar"><span style={{ width: `${percent}%` }} /></span> {percent}%
        </>
      )}
    </span>
  );
}
